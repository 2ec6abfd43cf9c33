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

    public void Save(IFileSystem fs, string directory) => JsonFile.Save(fs, Path.Combine(directory, FileName), this, EngineJsonContext.Default.ManifestFile);

    public static ManifestFile Load(IFileSystem fs, string directory) => JsonFile.Load(
        fs,
        Path.Combine(directory, FileName),
        EngineJsonContext.Default.ManifestFile,
        m => m.Format == FormatName && m.Version == CurrentVersion && m.WalGeneration >= 1 && m.Segments is not null,
        "Manifest");
}
