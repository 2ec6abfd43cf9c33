using Microsoft.Extensions.Logging;
using VectorEngine.Diagnostics;
using VectorEngine.Tiers;

namespace VectorEngine;

/// <summary>The tier mover: each collection's policy, then the database's memory budget, on the options' clock.</summary>
public sealed partial class VectorDatabase
{
    private ITimer? _tierTimer;
    private ITimer? _trimTimer;
    private int _tierPassRunning;

    /// <summary>
    /// Runs one tier pass now, as the background mover does every <see cref="VectorDatabaseOptions.TierMoverInterval"/>:
    /// each collection's <see cref="CollectionOptions.Tiering"/> moves (by age and access count), then demotions that
    /// bring the resident bytes within <see cref="VectorDatabaseOptions.MaxResidentBytes"/>, least recently used first.
    /// A move that fails is logged and left for the next pass.
    /// </summary>
    /// <returns>How many segments moved.</returns>
    public int RunTierPass()
    {
        ThrowIfDisposed();
        DateTimeOffset now = Options.TimeProvider.GetUtcNow();
        List<Collection> open;
        lock (_gate)
        {
            open = [.. _collections.Values];
        }

        int moved = 0;
        foreach (Collection collection in open)
        {
            moved += Guarded(() => collection.ApplyTierPolicy(now));
        }

        if (Options.MaxResidentBytes is { } budget)
        {
            var candidates = new List<TierCandidate>();
            long fixedBytes = 0;
            foreach (Collection collection in open)
            {
                Guarded(() =>
                {
                    candidates.AddRange(collection.TierCandidates(now));
                    fixedBytes += collection.FixedResidentBytes();
                    return 0;
                });
            }

            Dictionary<string, Collection> byName = open.ToDictionary(c => c.Name, StringComparer.Ordinal);
            foreach (TierMove move in TierPlanner.ByBudget(candidates, fixedBytes, budget))
            {
                moved += Guarded(() => byName[move.Owner].TryMoveLogged(move) ? 1 : 0);
            }
        }

        foreach (Collection collection in open)
        {
            Guarded(() =>
            {
                collection.SaveTierStates();
                return 0;
            });
        }

        return moved;
    }

    private void StartTierMover()
    {
        if (Options.EnableTierMover)
        {
            _tierTimer = Options.TimeProvider.CreateTimer(_ => RunTierPassInBackground(), null, Options.TierMoverInterval, Options.TierMoverInterval);
        }

        // On the real clock: page residency is a matter of wall time, not of the policy's days.
        _trimTimer = TimeProvider.System.CreateTimer(_ => TrimWarmPages(), null, Options.WarmPageTrimInterval, Options.WarmPageTrimInterval);
    }

    /// <summary>Gives back the float pages warm segments' rescoring touched since the last trim.</summary>
    private void TrimWarmPages()
    {
        List<Collection> open;
        lock (_gate)
        {
            if (_disposed)
            {
                return;
            }

            open = [.. _collections.Values];
        }

        foreach (Collection collection in open)
        {
            Guarded(() => collection.TrimWarmPages());
        }
    }

    private void RunTierPassInBackground()
    {
        // One pass at a time: a slow pass (a large archive upload) is not joined by the next tick.
        if (Interlocked.CompareExchange(ref _tierPassRunning, 1, 0) != 0)
        {
            return;
        }

        try
        {
            if (!_disposed)
            {
                RunTierPass();
            }
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            Log.TierMoverFailed(Options.LoggerFactory.CreateLogger("VectorEngine.Database"), e);
        }
        finally
        {
            Volatile.Write(ref _tierPassRunning, 0);
        }
    }

    /// <summary>Stops the mover and waits for a pass in flight (it holds collections that are about to close).</summary>
    private void StopTierMover()
    {
        _trimTimer?.Dispose();
        _tierTimer?.Dispose();
        var spin = new SpinWait();
        while (Volatile.Read(ref _tierPassRunning) != 0)
        {
            spin.SpinOnce(sleep1Threshold: 20);
        }
    }

    /// <summary>Deletes a dropped collection's archives (best effort: a later collection of that name sweeps what is left when it opens).</summary>
    private void DeleteObjectsOf(string name)
    {
        try
        {
            IObjectStore store = Options.ObjectStore ?? new LocalDirectoryObjectStore(System.IO.Path.Combine(Path, "objects"));
            List<string> keys = ObjectKeys.ListAll(store, ObjectKeys.CollectionPrefix(name));
            foreach (string key in keys)
            {
                store.DeleteAsync(key).GetAwaiter().GetResult();
            }
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            Log.OrphanCleanupFailed(Options.LoggerFactory.CreateLogger("VectorEngine.Database"), name, e);
        }
    }

    private static int Guarded(Func<int> step)
    {
        try
        {
            return step();
        }
        catch (VectorEngineException e) when (e.Kind is VectorEngineErrorKind.Closed)
        {
            // Closed or dropped meanwhile.
            return 0;
        }
    }
}
