using VectorEngine.Storage;

namespace VectorEngine.Tiers;

/// <summary>
/// A collection's <c>tiers.json</c>: each sealed segment's tier, pin, archive (when cold) and recent accesses. The tier
/// and archive entries are written before a move's irreversible step (deleting local files or the archive), so after a
/// crash the file and the files on disk agree, or the difference is a leftover that opening removes; access times are
/// saved by the mover now and then (a crash loses a few of them).
/// </summary>
internal sealed class TiersFile
{
    public const string FileName = "tiers.json";
    public const string FormatName = "vectorengine.tiers";
    public const int CurrentVersion = 1;

    public string Format { get; set; } = FormatName;

    public int Version { get; set; } = CurrentVersion;

    public List<Entry> Segments { get; set; } = [];

    public void Save(IFileSystem fs, string directory) => JsonFile.Save(fs, Path.Combine(directory, FileName), this, EngineJsonContext.Default.TiersFile);

    /// <summary>The file, or an empty one for a collection that never had one (every segment hot).</summary>
    public static TiersFile Load(IFileSystem fs, string directory)
    {
        string path = Path.Combine(directory, FileName);
        return !fs.FileExists(path)
            ? new TiersFile()
            : JsonFile.Load(fs, path, EngineJsonContext.Default.TiersFile,
                t => t.Format == FormatName && t.Version == CurrentVersion && t.Segments is not null && t.Segments.All(s => s is not null && (s.Tier != SegmentTier.Cold || s.ObjectKey is not null)),
                "Tiers file");
    }

    /// <summary>One segment.</summary>
    public sealed class Entry
    {
        public int Segment { get; set; }

        public SegmentTier Tier { get; set; }

        public SegmentTier? Pinned { get; set; }

        public string? ObjectKey { get; set; }

        public long ObjectLength { get; set; }

        public uint ObjectCrc { get; set; }

        public int Points { get; set; }

        public DateTimeOffset EnteredAt { get; set; }

        public DateTimeOffset Created { get; set; }

        public List<long> Accesses { get; set; } = [];
    }
}
