namespace VectorEngine.FaultInjection;

/// <summary>One operation of a durability scenario.</summary>
public abstract record Step
{
    /// <summary>Upserts a batch (atomic): each key gets this step's version.</summary>
    /// <param name="Keys">The keys, 0 to <see cref="DurabilityScenario.KeySpace"/> - 1.</param>
    public sealed record Upsert(int[] Keys) : Step
    {
        /// <inheritdoc />
        public override string ToString() => $"Upsert[{string.Join(",", Keys)}]";
    }

    /// <summary>Deletes a batch of keys (atomic).</summary>
    /// <param name="Keys">The keys.</param>
    public sealed record Delete(int[] Keys) : Step
    {
        /// <inheritdoc />
        public override string ToString() => $"Delete[{string.Join(",", Keys)}]";
    }

    /// <summary>Seals the mutable segment (<see cref="Collection.Checkpoint"/>).</summary>
    public sealed record Checkpoint : Step;

    /// <summary>One merge pass (<see cref="Collection.Optimize"/>).</summary>
    public sealed record Optimize : Step;

    /// <summary>Creates a snapshot, restores it as a second collection, checks it and drops it.</summary>
    public sealed record SnapshotRoundTrip : Step;

    /// <summary>Closes and reopens the database (a clean restart).</summary>
    public sealed record Reopen : Step;
}

/// <summary>A scenario: the steps, the fault, and a seed for torn-write lengths.</summary>
/// <param name="Steps">What the engine does.</param>
/// <param name="Fault">What goes wrong.</param>
/// <param name="Seed">Seeds the file system's random choices.</param>
public sealed record Scenario(IReadOnlyList<Step> Steps, Fault Fault, int Seed)
{
    /// <inheritdoc />
    public override string ToString() => $"{Fault}, seed {Seed}: {string.Join(" ", Steps)}";
}

/// <summary>What a scenario did and every broken promise it found (none is the pass).</summary>
public sealed class ScenarioResult
{
    /// <summary>Broken promises: an acknowledged write lost, an unacknowledged write visible, a failed open, ...</summary>
    public List<string> Violations { get; } = [];

    /// <summary>What the fault hit; null when it never struck (the scenario made fewer calls).</summary>
    public string? Fired { get; set; }

    /// <summary>Writes acknowledged.</summary>
    public int AcknowledgedWrites { get; set; }

    /// <summary>Steps that failed (and were recovered from).</summary>
    public int FailedSteps { get; set; }

    /// <summary>Recoveries after a power loss.</summary>
    public int PowerLosses { get; set; }

    /// <summary>Mutating file-system calls the scenario made before its fault.</summary>
    public long Calls { get; set; }
}
