namespace VectorEngine.VectorData;

/// <summary>A record key as a point id and back: ulong keys are numeric ids, Guid keys UUIDs, string keys string ids.</summary>
internal static class KeyMapping
{
    public static bool IsSupported(Type type) => type == typeof(ulong) || type == typeof(Guid) || type == typeof(string);

    public static PointId ToPointId(object? key, string parameterName) => key switch
    {
        null => throw new ArgumentNullException(parameterName),
        ulong number => new PointId(number),
        Guid uuid => new PointId(uuid),
        string text => new PointId(text),
        _ => throw new NotSupportedException($"Keys of type '{key.GetType().Name}' are not supported; use ulong, Guid or string."),
    };

    public static object FromPointId(PointId id) => id.Kind switch
    {
        PointIdKind.Number => id.Number,
        PointIdKind.Uuid => id.Uuid,
        _ => id.String,
    };
}
