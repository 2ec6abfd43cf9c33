using System.Collections;
using System.Globalization;

namespace VectorEngine.VectorData;

/// <summary>
/// Turns the .NET values of a record's data properties into payload values and back. The payload has strings, integers,
/// floats, bools, UTC date-times and arrays of those; richer .NET types are stored as the nearest of them (a Guid as its
/// string, a DateTimeOffset as its UTC instant, a DateOnly as midnight UTC, a TimeOnly as its ticks) and read back as the
/// property's own type.
/// </summary>
internal static class PayloadConversion
{
    /// <summary>The data property types the connector stores, in words, for the model builder's errors.</summary>
    public const string SupportedTypes =
        "string, int, long, short, byte, float, double, bool, Guid, DateTime, DateTimeOffset, DateOnly, TimeOnly, their nullable forms, and arrays or lists of them";

    public static bool IsSupported(Type type)
    {
        Type? element = ElementType(type);
        if (element is not null)
        {
            return IsSupportedScalar(Nullable.GetUnderlyingType(element) ?? element);
        }

        return IsSupportedScalar(Nullable.GetUnderlyingType(type) ?? type);
    }

    /// <summary>The element type when <paramref name="type"/> is an array or list (not a string), else null.</summary>
    public static Type? ElementType(Type type)
    {
        if (type == typeof(string))
        {
            return null;
        }

        if (type.IsArray)
        {
            return type.GetElementType();
        }

        if (type.IsGenericType && type.GetGenericTypeDefinition() is var definition &&
            (definition == typeof(List<>) || definition == typeof(IList<>) || definition == typeof(IReadOnlyList<>) ||
             definition == typeof(IEnumerable<>) || definition == typeof(ICollection<>) || definition == typeof(IReadOnlyCollection<>)))
        {
            return type.GetGenericArguments()[0];
        }

        return null;
    }

    private static bool IsSupportedScalar(Type type) =>
        type == typeof(string) || type == typeof(int) || type == typeof(long) || type == typeof(short) || type == typeof(byte) ||
        type == typeof(float) || type == typeof(double) || type == typeof(bool) || type == typeof(Guid) ||
        type == typeof(DateTime) || type == typeof(DateTimeOffset) || type == typeof(DateOnly) || type == typeof(TimeOnly);

    /// <summary>The payload form of <paramref name="value"/>, a value of a supported type (null stays null).</summary>
    public static PayloadValue ToPayload(object? value) => value switch
    {
        null => PayloadValue.Null,
        string s => PayloadValue.From(s),
        int i => PayloadValue.From(i),
        long l => PayloadValue.From(l),
        short s => PayloadValue.From(s),
        byte b => PayloadValue.From(b),
        float f => PayloadValue.From(f),
        double d => PayloadValue.From(d),
        bool b => PayloadValue.From(b),
        Guid g => PayloadValue.From(g.ToString("D")),
        DateTime d => PayloadValue.From(d),
        DateTimeOffset d => PayloadValue.From(d.UtcDateTime),
        DateOnly d => PayloadValue.From(d.ToDateTime(TimeOnly.MinValue, DateTimeKind.Utc)),
        TimeOnly t => PayloadValue.From(t.Ticks),
        IEnumerable values => PayloadValue.FromArray(values.Cast<object?>().Select(ToPayload)),
        _ => throw new NotSupportedException($"A data property value of type '{value.GetType().Name}' cannot be stored; supported: {SupportedTypes}."),
    };

    /// <summary>Reads <paramref name="value"/> back as <paramref name="type"/>, the property's declared type.</summary>
    public static object? FromPayload(PayloadValue value, Type type)
    {
        if (value.IsNull)
        {
            return type.IsValueType && Nullable.GetUnderlyingType(type) is null ? Activator.CreateInstance(type) : null;
        }

        if (ElementType(type) is { } elementType)
        {
            IReadOnlyList<PayloadValue> items = value.AsArray;
            if (type.IsArray)
            {
                Array array = Array.CreateInstance(elementType, items.Count);
                for (int i = 0; i < items.Count; i++)
                {
                    array.SetValue(FromPayload(items[i], elementType), i);
                }

                return array;
            }

            // List<T> and the interfaces it implements (IList<T>, IReadOnlyList<T>, IEnumerable<T>...).
            return ToList(items.Select(item => FromPayload(item, elementType)), elementType);
        }

        Type scalar = Nullable.GetUnderlyingType(type) ?? type;
        return scalar switch
        {
            _ when scalar == typeof(string) => value.AsString,
            _ when scalar == typeof(int) => checked((int)value.AsInteger),
            _ when scalar == typeof(long) => value.AsInteger,
            _ when scalar == typeof(short) => checked((short)value.AsInteger),
            _ when scalar == typeof(byte) => checked((byte)value.AsInteger),
            _ when scalar == typeof(float) => (float)Number(value),
            _ when scalar == typeof(double) => Number(value),
            _ when scalar == typeof(bool) => value.AsBool,
            _ when scalar == typeof(Guid) => Guid.Parse(value.AsString, CultureInfo.InvariantCulture),
            _ when scalar == typeof(DateTime) => value.AsDateTime,
            _ when scalar == typeof(DateTimeOffset) => new DateTimeOffset(value.AsDateTime, TimeSpan.Zero),
            _ when scalar == typeof(DateOnly) => DateOnly.FromDateTime(value.AsDateTime),
            _ when scalar == typeof(TimeOnly) => new TimeOnly(value.AsInteger),
            _ => throw new NotSupportedException($"A data property of type '{type.Name}' cannot be read; supported: {SupportedTypes}."),
        };
    }

    // A whole-number float payload may have been written by another client as an integer: both read as a number.
    private static double Number(PayloadValue value) => value.Kind == PayloadValueKind.Integer ? value.AsInteger : value.AsFloat;

    private static IList ToList(IEnumerable items, Type elementType)
    {
        var list = (IList)Activator.CreateInstance(typeof(List<>).MakeGenericType(elementType))!;
        foreach (object? item in items)
        {
            list.Add(item);
        }

        return list;
    }
}
