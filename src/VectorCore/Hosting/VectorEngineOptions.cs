namespace VectorEngine;

/// <summary>
/// The settings of an embedded database that configuration can carry (an <c>appsettings.json</c> section, environment
/// variables): where the data lives, when the WAL reaches the disk, how large segments grow and how the optimizer works.
/// What only code can give (index types, a file system, embedding generators) is set on <see cref="VectorDatabaseOptions"/>.
/// </summary>
public sealed class VectorEngineOptions
{
    /// <summary>The configuration section <c>AddVectorEngine</c> reads by convention, and the server's engine section.</summary>
    public const string Section = "VectorEngine";

    // The defaults are the database's own: one place says what they are.
    private static readonly VectorDatabaseOptions Defaults = new();

    /// <summary>The database's directory (made if missing). Required.</summary>
    public string DataDirectory { get; set; } = string.Empty;

    /// <inheritdoc cref="VectorDatabaseOptions.WalSyncMode"/>
    public WalSyncMode WalSyncMode { get; set; } = Defaults.WalSyncMode;

    /// <inheritdoc cref="VectorDatabaseOptions.WalSyncInterval"/>
    public TimeSpan WalSyncInterval { get; set; } = Defaults.WalSyncInterval;

    /// <inheritdoc cref="VectorDatabaseOptions.MaxMutableSegmentPoints"/>
    public int MaxMutableSegmentPoints { get; set; } = Defaults.MaxMutableSegmentPoints;

    /// <inheritdoc cref="VectorDatabaseOptions.MaxMutableSegmentBytes"/>
    public long MaxMutableSegmentBytes { get; set; } = Defaults.MaxMutableSegmentBytes;

    /// <inheritdoc cref="VectorDatabaseOptions.MaxSegmentPoints"/>
    public int MaxSegmentPoints { get; set; } = Defaults.MaxSegmentPoints;

    /// <inheritdoc cref="VectorDatabaseOptions.MaxSegmentBytes"/>
    public long MaxSegmentBytes { get; set; } = Defaults.MaxSegmentBytes;

    /// <inheritdoc cref="VectorDatabaseOptions.EnableBackgroundOptimizer"/>
    public bool EnableBackgroundOptimizer { get; set; } = Defaults.EnableBackgroundOptimizer;

    /// <inheritdoc cref="VectorDatabaseOptions.OptimizerInterval"/>
    public TimeSpan OptimizerInterval { get; set; } = Defaults.OptimizerInterval;

    /// <inheritdoc cref="VectorDatabaseOptions.OptimizerDeletedFraction"/>
    public double OptimizerDeletedFraction { get; set; } = Defaults.OptimizerDeletedFraction;

    /// <inheritdoc cref="VectorDatabaseOptions.OptimizerSmallSegmentPoints"/>
    public int OptimizerSmallSegmentPoints { get; set; } = Defaults.OptimizerSmallSegmentPoints;

    /// <inheritdoc cref="VectorDatabaseOptions.MaxResidentBytes"/>
    public long? MaxResidentBytes { get; set; } = Defaults.MaxResidentBytes;

    /// <inheritdoc cref="VectorDatabaseOptions.EnableTierMover"/>
    public bool EnableTierMover { get; set; } = Defaults.EnableTierMover;

    /// <inheritdoc cref="VectorDatabaseOptions.TierMoverInterval"/>
    public TimeSpan TierMoverInterval { get; set; } = Defaults.TierMoverInterval;

    /// <inheritdoc cref="VectorDatabaseOptions.WarmPayloadMemoryBytes"/>
    public long WarmPayloadMemoryBytes { get; set; } = Defaults.WarmPayloadMemoryBytes;

    /// <summary>
    /// A folder (another disk, a network mount) for cold segments' archives; null keeps them in the database's
    /// <c>objects</c> folder. An object store given in code (S3) takes precedence.
    /// </summary>
    public string? ColdStoreDirectory { get; set; }

    /// <summary>Copies these settings onto <paramref name="options"/>.</summary>
    /// <param name="options">The database options to set.</param>
    public void ApplyTo(VectorDatabaseOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.WalSyncMode = WalSyncMode;
        options.WalSyncInterval = WalSyncInterval;
        options.MaxMutableSegmentPoints = MaxMutableSegmentPoints;
        options.MaxMutableSegmentBytes = MaxMutableSegmentBytes;
        options.MaxSegmentPoints = MaxSegmentPoints;
        options.MaxSegmentBytes = MaxSegmentBytes;
        options.EnableBackgroundOptimizer = EnableBackgroundOptimizer;
        options.OptimizerInterval = OptimizerInterval;
        options.OptimizerDeletedFraction = OptimizerDeletedFraction;
        options.OptimizerSmallSegmentPoints = OptimizerSmallSegmentPoints;
        options.MaxResidentBytes = MaxResidentBytes;
        options.EnableTierMover = EnableTierMover;
        options.TierMoverInterval = TierMoverInterval;
        options.WarmPayloadMemoryBytes = WarmPayloadMemoryBytes;
        if (ColdStoreDirectory is { Length: > 0 } folder && options.ObjectStore is null)
        {
            options.ObjectStore = new Tiers.LocalDirectoryObjectStore(folder);
        }
    }

    /// <summary>What is wrong with these settings, one sentence each; empty when they are valid.</summary>
    /// <param name="requireDataDirectory">Whether a missing <see cref="DataDirectory"/> is an error (the server keeps its own).</param>
    public IReadOnlyList<string> Problems(bool requireDataDirectory = true)
    {
        var problems = new List<string>();
        if (requireDataDirectory && string.IsNullOrWhiteSpace(DataDirectory))
        {
            problems.Add($"{Section}:DataDirectory is required.");
        }

        if (!Enum.IsDefined(WalSyncMode))
        {
            problems.Add($"{Section}:WalSyncMode must be PerWrite, Interval or None.");
        }

        // The database's own checks, so configuration and code meet one rule set.
        var database = new VectorDatabaseOptions();
        ApplyTo(database);
        try
        {
            database.Validate();
        }
        catch (VectorEngineArgumentException e)
        {
            problems.Add($"{Section}:{e.ParamName}: {e.Message.Split(" (Parameter", 2)[0]}");
        }

        return problems;
    }
}
