using VectorEngine.Diagnostics;

namespace VectorEngine;

/// <summary>A point's external id: an unsigned 64-bit integer, a UUID or a string. Ids of different kinds never collide.</summary>
public readonly struct PointId : IEquatable<PointId>, IComparable<PointId>
{
    /// <summary>The longest string id accepted.</summary>
    public const int MaxStringLength = 512;

    private readonly ulong _number;
    private readonly Guid _uuid;
    private readonly string? _string;

    /// <summary>Creates a numeric id.</summary>
    /// <param name="number">The id.</param>
    public PointId(ulong number)
    {
        Kind = PointIdKind.Number;
        _number = number;
    }

    /// <summary>Creates a UUID id.</summary>
    /// <param name="uuid">The id.</param>
    public PointId(Guid uuid)
    {
        Kind = PointIdKind.Uuid;
        _uuid = uuid;
    }

    /// <summary>Creates a string id.</summary>
    /// <param name="value">The id: 1 to <see cref="MaxStringLength"/> characters.</param>
    /// <exception cref="VectorEngineArgumentException">The string is null, empty or too long.</exception>
    public PointId(string value)
    {
        if (string.IsNullOrEmpty(value) || value.Length > MaxStringLength)
        {
            ThrowHelper.ThrowArgument("id", $"A string point id must have 1 to {MaxStringLength} characters; got {(value is null ? "null" : value.Length.ToString())}.");
        }

        Kind = PointIdKind.String;
        _string = value;
    }

    /// <summary>Which form the id holds; <c>default(PointId)</c> has kind 0 and is invalid.</summary>
    public PointIdKind Kind { get; }

    /// <summary>True for a default-constructed id, which no operation accepts.</summary>
    public bool IsDefault => Kind == 0;

    /// <summary>The numeric value; throws unless <see cref="Kind"/> is <see cref="PointIdKind.Number"/>.</summary>
    public ulong Number => Kind == PointIdKind.Number ? _number : throw new InvalidOperationException($"Point id {this} is not a number.");

    /// <summary>The UUID value; throws unless <see cref="Kind"/> is <see cref="PointIdKind.Uuid"/>.</summary>
    public Guid Uuid => Kind == PointIdKind.Uuid ? _uuid : throw new InvalidOperationException($"Point id {this} is not a UUID.");

    /// <summary>The string value; throws unless <see cref="Kind"/> is <see cref="PointIdKind.String"/>.</summary>
    public string String => Kind == PointIdKind.String ? _string! : throw new InvalidOperationException($"Point id {this} is not a string.");

    /// <summary>Converts a number to an id.</summary>
    /// <param name="number">The id.</param>
    public static implicit operator PointId(ulong number) => new(number);

    /// <summary>Converts a UUID to an id.</summary>
    /// <param name="uuid">The id.</param>
    public static implicit operator PointId(Guid uuid) => new(uuid);

    /// <summary>Converts a string to an id.</summary>
    /// <param name="value">The id.</param>
    public static implicit operator PointId(string value) => new(value);

    /// <summary>Equality.</summary>
    /// <param name="left">Left id.</param>
    /// <param name="right">Right id.</param>
    public static bool operator ==(PointId left, PointId right) => left.Equals(right);

    /// <summary>Inequality.</summary>
    /// <param name="left">Left id.</param>
    /// <param name="right">Right id.</param>
    public static bool operator !=(PointId left, PointId right) => !left.Equals(right);

    /// <inheritdoc />
    public bool Equals(PointId other) => Kind == other.Kind && Kind switch
    {
        PointIdKind.Number => _number == other._number,
        PointIdKind.Uuid => _uuid == other._uuid,
        PointIdKind.String => string.Equals(_string, other._string, StringComparison.Ordinal),
        _ => true,
    };

    /// <inheritdoc />
    public override bool Equals(object? obj) => obj is PointId other && Equals(other);

    /// <inheritdoc />
    public override int GetHashCode() => Kind switch
    {
        PointIdKind.Number => _number.GetHashCode(),
        PointIdKind.Uuid => _uuid.GetHashCode(),
        PointIdKind.String => StringComparer.Ordinal.GetHashCode(_string!),
        _ => 0,
    };

    /// <summary>Orders numbers before UUIDs before strings, then by value; scroll pages follow this order.</summary>
    /// <param name="other">The id to compare with.</param>
    public int CompareTo(PointId other)
    {
        if (Kind != other.Kind)
        {
            return Kind.CompareTo(other.Kind);
        }

        return Kind switch
        {
            PointIdKind.Number => _number.CompareTo(other._number),
            PointIdKind.Uuid => _uuid.CompareTo(other._uuid),
            PointIdKind.String => string.CompareOrdinal(_string, other._string),
            _ => 0,
        };
    }

    /// <inheritdoc />
    public override string ToString() => Kind switch
    {
        PointIdKind.Number => _number.ToString(System.Globalization.CultureInfo.InvariantCulture),
        PointIdKind.Uuid => _uuid.ToString(),
        PointIdKind.String => _string!,
        _ => "(default)",
    };
}
