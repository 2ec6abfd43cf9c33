using System.Text.Json;
using System.Text.Json.Serialization;
using VectorEngine.Diagnostics;

namespace VectorEngine.Storage;

/// <summary>
/// Small JSON metadata files (collection config, manifest): written crash-safely, read with one clear corruption error.
/// Each such file carries its own format name and version, checked by <c>isValid</c>.
/// </summary>
internal static class JsonFile
{
    public static JsonSerializerOptions Options { get; } = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        Converters = { new JsonStringEnumConverter() },
    };

    public static void Save<T>(string path, T value) => DurableFile.WriteAllBytes(path, JsonSerializer.SerializeToUtf8Bytes(value, Options));

    public static T Load<T>(string path, Func<T, bool> isValid, string what)
        where T : class
    {
        T? value = null;
        try
        {
            value = JsonSerializer.Deserialize<T>(File.ReadAllBytes(path), Options);
        }
        catch (Exception e) when (e is JsonException or IOException)
        {
            ThrowHelper.ThrowCorrupt($"{what} '{path}' is unreadable.", e);
        }

        if (value is null || !isValid(value))
        {
            ThrowHelper.ThrowCorrupt($"{what} '{path}' has an unknown format or version.");
        }

        return value;
    }
}
