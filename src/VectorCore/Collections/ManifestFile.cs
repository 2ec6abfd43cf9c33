using System.Text.Json;
using VectorEngine.Diagnostics;
using VectorEngine.Storage;

namespace VectorEngine.Collections;

/// <summary>
/// A collection's <c>manifest.json</c>: the sealed segments that make up its state and the first WAL generation that
/// recovery must replay. Replaced atomically at every checkpoint (seal or merge).
/// </summary>
internal sealed class ManifestFile
{
    public const string FileName = "manifest.json";
    public const string FormatName = "vectorengine.manifest";
    public const int CurrentVersion = 1;

    public string Format { get; set; } = FormatName;

    public int Version { get; set; } = CurrentVersion;

    public long WalGeneration { get; set; } = 1;

    public int NextSegmentId { get; set; } = 1;

    public List<int> Segments { get; set; } = [];

    public void Save(string directory) =>
        DurableFile.WriteAllBytes(Path.Combine(directory, FileName), JsonSerializer.SerializeToUtf8Bytes(this, CollectionConfigFile.Json));

    public static ManifestFile Load(string directory)
    {
        string path = Path.Combine(directory, FileName);
        ManifestFile? manifest = null;
        try
        {
            manifest = JsonSerializer.Deserialize<ManifestFile>(File.ReadAllBytes(path), CollectionConfigFile.Json);
        }
        catch (Exception e) when (e is JsonException or IOException)
        {
            ThrowHelper.ThrowCorrupt($"Manifest '{path}' is unreadable.", e);
        }

        if (manifest is null || manifest.Format != FormatName || manifest.Version != CurrentVersion || manifest.WalGeneration < 1)
        {
            ThrowHelper.ThrowCorrupt($"Manifest '{path}' has an unknown format or version.");
        }

        return manifest;
    }
}
