using System.Globalization;
using VectorEngine.Diagnostics;

namespace VectorEngine;

/// <summary>
/// One payload value: string, integer, float, bool, datetime (UTC), null, or an array of scalars. Immutable; converts
/// implicitly from the .NET types.
/// </summary>
public readonly struct PayloadValue : IEquatable<PayloadValue>
{
    private readonly long _bits;
    private readonly object? _reference;

    private PayloadValue(PayloadValueKind kind, long bits, object? reference)
    {
        Kind = kind;
        _bits = bits;
        _reference = reference;
    }

    /// <summary>The explicit null value.</summary>
    public static PayloadValue Null => default;

    /// <summary>The value's type.</summary>
    public PayloadValueKind Kind { get; }

    /// <summary>True for <see cref="PayloadValueKind.Null"/>.</summary>
    public bool IsNull => Kind == PayloadValueKind.Null;

    /// <summary>The string; throws for other kinds.</summary>
    public string AsString => Kind == PayloadValueKind.String ? (string)_reference! : throw WrongKind(PayloadValueKind.String);

    /// <summary>The integer; throws for other kinds.</summary>
    public long AsInteger => Kind == PayloadValueKind.Integer ? _bits : throw WrongKind(PayloadValueKind.Integer);

    /// <summary>The float; throws for other kinds.</summary>
    public double AsFloat => Kind == PayloadValueKind.Float ? BitConverter.Int64BitsToDouble(_bits) : throw WrongKind(PayloadValueKind.Float);

    /// <summary>The boolean; throws for other kinds.</summary>
    public bool AsBool => Kind == PayloadValueKind.Bool ? _bits != 0 : throw WrongKind(PayloadValueKind.Bool);

    /// <summary>The UTC date and time; throws for other kinds.</summary>
    public DateTime AsDateTime => Kind == PayloadValueKind.DateTime ? new DateTime(_bits, DateTimeKind.Utc) : throw WrongKind(PayloadValueKind.DateTime);

    /// <summary>The array elements; throws for other kinds.</summary>
    public IReadOnlyList<PayloadValue> AsArray => Kind == PayloadValueKind.Array ? (PayloadValue[])_reference! : throw WrongKind(PayloadValueKind.Array);

    internal long RawBits => _bits;

    internal PayloadValue[]? ArrayOrNull => _reference as PayloadValue[];

    /// <summary>The numeric value of an integer, float or datetime (ticks), for range comparisons.</summary>
    internal bool TryGetNumber(out double value)
    {
        switch (Kind)
        {
            case PayloadValueKind.Integer:
                value = _bits;
                return true;
            case PayloadValueKind.Float:
                value = BitConverter.Int64BitsToDouble(_bits);
                return true;
            default:
                value = 0;
                return false;
        }
    }

    /// <summary>Creates a string value.</summary>
    /// <param name="value">The string; null gives <see cref="Null"/>.</param>
    public static PayloadValue From(string? value) => value is null ? Null : new(PayloadValueKind.String, 0, value);

    /// <summary>Creates an integer value.</summary>
    /// <param name="value">The integer.</param>
    public static PayloadValue From(long value) => new(PayloadValueKind.Integer, value, null);

    /// <summary>Creates a float value; NaN and infinity are rejected.</summary>
    /// <param name="value">The float.</param>
    public static PayloadValue From(double value)
    {
        if (!double.IsFinite(value))
        {
            ThrowHelper.ThrowPayload($"Payload floats must be finite; got {value.ToString(CultureInfo.InvariantCulture)}.");
        }

        return new(PayloadValueKind.Float, BitConverter.DoubleToInt64Bits(value), null);
    }

    /// <summary>Creates a boolean value.</summary>
    /// <param name="value">The boolean.</param>
    public static PayloadValue From(bool value) => new(PayloadValueKind.Bool, value ? 1 : 0, null);

    /// <summary>Creates a datetime value; local times are converted to UTC, unspecified ones are taken as UTC.</summary>
    /// <param name="value">The date and time.</param>
    public static PayloadValue From(DateTime value)
    {
        DateTime utc = value.Kind switch
        {
            DateTimeKind.Local => value.ToUniversalTime(),
            DateTimeKind.Unspecified => DateTime.SpecifyKind(value, DateTimeKind.Utc),
            _ => value,
        };
        return new(PayloadValueKind.DateTime, utc.Ticks, null);
    }

    /// <summary>Creates an array of scalar values.</summary>
    /// <param name="values">The elements; none may itself be an array.</param>
    public static PayloadValue FromArray(IEnumerable<PayloadValue> values)
    {
        PayloadValue[] items = values.ToArray();
        foreach (PayloadValue item in items)
        {
            if (item.Kind == PayloadValueKind.Array)
            {
                ThrowHelper.ThrowPayload("Payload arrays may not contain arrays.");
            }
        }

        return new(PayloadValueKind.Array, 0, items);
    }

    /// <summary>String conversion.</summary>
    /// <param name="value">The string.</param>
    public static implicit operator PayloadValue(string? value) => From(value);

    /// <summary>Integer conversion.</summary>
    /// <param name="value">The integer.</param>
    public static implicit operator PayloadValue(long value) => From(value);

    /// <summary>Integer conversion.</summary>
    /// <param name="value">The integer.</param>
    public static implicit operator PayloadValue(int value) => From(value);

    /// <summary>Float conversion.</summary>
    /// <param name="value">The float.</param>
    public static implicit operator PayloadValue(double value) => From(value);

    /// <summary>Boolean conversion.</summary>
    /// <param name="value">The boolean.</param>
    public static implicit operator PayloadValue(bool value) => From(value);

    /// <summary>Datetime conversion.</summary>
    /// <param name="value">The date and time.</param>
    public static implicit operator PayloadValue(DateTime value) => From(value);

    /// <summary>String array conversion.</summary>
    /// <param name="values">The strings.</param>
    public static implicit operator PayloadValue(string[] values) => FromArray(values.Select(From));

    /// <summary>Integer array conversion.</summary>
    /// <param name="values">The integers.</param>
    public static implicit operator PayloadValue(long[] values) => FromArray(values.Select(From));

    /// <summary>Float array conversion.</summary>
    /// <param name="values">The floats.</param>
    public static implicit operator PayloadValue(double[] values) => FromArray(values.Select(From));

    /// <summary>Equality.</summary>
    /// <param name="left">Left value.</param>
    /// <param name="right">Right value.</param>
    public static bool operator ==(PayloadValue left, PayloadValue right) => left.Equals(right);

    /// <summary>Inequality.</summary>
    /// <param name="left">Left value.</param>
    /// <param name="right">Right value.</param>
    public static bool operator !=(PayloadValue left, PayloadValue right) => !left.Equals(right);

    /// <inheritdoc />
    public bool Equals(PayloadValue other)
    {
        if (Kind != other.Kind)
        {
            return false;
        }

        return Kind switch
        {
            PayloadValueKind.String => string.Equals((string)_reference!, (string)other._reference!, StringComparison.Ordinal),
            PayloadValueKind.Array => ((PayloadValue[])_reference!).AsSpan().SequenceEqual((PayloadValue[])other._reference!),
            _ => _bits == other._bits,
        };
    }

    /// <inheritdoc />
    public override bool Equals(object? obj) => obj is PayloadValue other && Equals(other);

    /// <inheritdoc />
    public override int GetHashCode()
    {
        return Kind switch
        {
            PayloadValueKind.String => HashCode.Combine(Kind, StringComparer.Ordinal.GetHashCode((string)_reference!)),
            PayloadValueKind.Array => ((PayloadValue[])_reference!).Aggregate((int)Kind, (h, v) => HashCode.Combine(h, v)),
            _ => HashCode.Combine(Kind, _bits),
        };
    }

    /// <inheritdoc />
    public override string ToString() => Kind switch
    {
        PayloadValueKind.Null => "null",
        PayloadValueKind.String => $"\"{_reference}\"",
        PayloadValueKind.Integer => _bits.ToString(CultureInfo.InvariantCulture),
        PayloadValueKind.Float => AsFloat.ToString("R", CultureInfo.InvariantCulture),
        PayloadValueKind.Bool => _bits != 0 ? "true" : "false",
        PayloadValueKind.DateTime => AsDateTime.ToString("O", CultureInfo.InvariantCulture),
        _ => "[" + string.Join(", ", (PayloadValue[])_reference!) + "]",
    };

    private InvalidOperationException WrongKind(PayloadValueKind wanted) =>
        new($"Payload value is {Kind}, not {wanted}.");
}
