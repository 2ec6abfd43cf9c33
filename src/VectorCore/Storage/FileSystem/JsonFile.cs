using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using VectorEngine.Diagnostics;

namespace VectorEngine.Storage;

/// <summary>
/// Small JSON metadata files (collection config, manifest): written crash-safely, read with one clear corruption error.
/// Each such file carries its own format name and version, checked by <c>isValid</c>.
/// </summary>
internal static class JsonFile
{
    public static void Save<T>(IFileSystem fs, string path, T value, JsonTypeInfo<T> type) => DurableFile.WriteAllBytes(fs, path, JsonSerializer.SerializeToUtf8Bytes(value, type));

    public static T Load<T>(IFileSystem fs, string path, JsonTypeInfo<T> type, Func<T, bool> isValid, string what)
        where T : class
    {
        T? value = null;
        try
        {
            value = JsonSerializer.Deserialize(DurableFile.ReadAllBytes(fs, path), type);
        }
        catch (Exception e) when (e is JsonException or IOException)
        {
            ThrowHelper.ThrowCorrupt($"{what} '{Describe(path)}' is unreadable.", e);
        }

        if (value is null || !isValid(value))
        {
            ThrowHelper.ThrowCorrupt($"{what} '{Describe(path)}' has an unknown format or version.");
        }

        return value;
    }

    /// <summary>A file named by its folder and name only: messages can reach clients, which must not learn server paths.</summary>
    public static string Describe(string path) => Path.Combine(Path.GetFileName(Path.GetDirectoryName(path)) ?? "", Path.GetFileName(path));
}
