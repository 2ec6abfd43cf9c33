using VectorEngine.Storage;

namespace VectorEngine.FaultInjection;

/// <summary>
/// Runs the engine through a <see cref="Scenario"/> on a <see cref="FaultInjectingFileSystem"/> and checks its promises
/// against a model of what was acknowledged: every acknowledged write is present after recovery (a power loss ends
/// every scenario), a failed write is not visible before recovery and is present whole or not at all after it, no open
/// fails, and after a failed fsync the collection refuses writes.
/// </summary>
public static class DurabilityScenario
{
    /// <summary>Keys are 0 to KeySpace - 1.</summary>
    public const int KeySpace = 64;

    private const int Dimension = 8;
    private const string Name = "c";
    private const string Copy = "copy";

    /// <summary>Runs one scenario in <paramref name="root"/> (an empty folder it owns).</summary>
    public static ScenarioResult Run(string root, Scenario scenario)
    {
        ArgumentNullException.ThrowIfNull(scenario);
        var run = new Runner(Path.GetFullPath(root), scenario);
        run.Execute();
        return run.Result;
    }

    /// <summary>The vector a key gets at a version: distinct per pair, so a stale or mixed-up row is caught.</summary>
    public static float[] VectorOf(int key, int version)
    {
        float[] v = new float[Dimension];
        for (int d = 0; d < Dimension; d++)
        {
            v[d] = MathF.Sin((key * 31) + (version * 7) + d) + (d == 0 ? key : 0);
        }

        return v;
    }

    private sealed class Runner(string root, Scenario scenario)
    {
        private readonly Dictionary<int, int> _model = [];
        private FaultInjectingFileSystem _fs = null!;
        private VectorDatabase? _db;
        private Collection? _collection;

        public ScenarioResult Result { get; } = new();

        private string DatabasePath => Path.Combine(root, "db");

        private string SnapshotsPath => Path.Combine(root, "snapshots");

        public void Execute()
        {
            _fs = new FaultInjectingFileSystem(root, scenario.Fault, scenario.Seed);
            if (!Boot(creating: true))
            {
                return;
            }

            for (int i = 0; i < scenario.Steps.Count && Result.Violations.Count == 0; i++)
            {
                Step step = scenario.Steps[i];
                int version = i + 1;
                if (_fs.Crashed && !RebootAfterSilentCrash())
                {
                    return;
                }

                try
                {
                    Apply(step, version);
                }
                catch (Exception e)
                {
                    Result.FailedSteps++;
                    if (!Recover(step, version, e))
                    {
                        return;
                    }
                }
            }

            Result.Fired ??= _fs.Fired;
            Result.Calls = Math.Max(Result.Calls, _fs.Calls);

            // Every scenario ends with a power loss: what was acknowledged must be durable, not merely in the page cache.
            _fs.CrashNow();
            Close();
            _fs.RestoreDurableState();
            Result.PowerLosses++;
            _fs = new FaultInjectingFileSystem(root, new Fault(FaultKind.None, 0), scenario.Seed);
            if (Boot(creating: false))
            {
                Dictionary<int, int> observed = Observe("after the final power loss");
                Expect(observed, _model, "after the final power loss");
                CheckSearch();
                Close();
            }
        }

        private void Apply(Step step, int version)
        {
            switch (step)
            {
                case Step.Upsert upsert:
                    _collection!.Upsert(upsert.Keys.Select(k => PointFor(k, version)).ToList());
                    foreach (int k in upsert.Keys)
                    {
                        _model[k] = version;
                    }

                    Result.AcknowledgedWrites++;
                    break;
                case Step.Delete delete:
                    _collection!.Delete(delete.Keys.Select(k => (PointId)(ulong)k));
                    foreach (int k in delete.Keys)
                    {
                        _model.Remove(k);
                    }

                    Result.AcknowledgedWrites++;
                    break;
                case Step.Checkpoint:
                    _collection!.Checkpoint();
                    break;
                case Step.Optimize:
                    _collection!.Optimize();
                    break;
                case Step.SnapshotRoundTrip:
                    string archive = Path.Combine(SnapshotsPath, $"s{version}.tar");
                    _collection!.CreateSnapshot(archive);
                    Collection copy = _db!.RestoreSnapshot(archive, Copy);
                    Expect(Read(copy, "restored snapshot"), _model, "restored snapshot");
                    _db.DropCollection(Copy);
                    break;
                case Step.Reopen:
                    if (_fs.Crashed)
                    {
                        RebootAfterSilentCrash();
                        break;
                    }

                    Close();
                    Boot(creating: false);
                    break;
            }
        }

        /// <summary>
        /// The power went during work a step does after its write is acknowledged (a seal, a cleanup), which the step
        /// does not report: reboot, and everything acknowledged must be there.
        /// </summary>
        private bool RebootAfterSilentCrash()
        {
            Result.Fired ??= _fs.Fired;
            Result.Calls = Math.Max(Result.Calls, _fs.Calls);
            Close();
            _fs.RestoreDurableState();
            Result.PowerLosses++;
            _fs = new FaultInjectingFileSystem(root, new Fault(FaultKind.None, 0), scenario.Seed);
            if (!Boot(creating: false))
            {
                return false;
            }

            Expect(Observe("after a power loss during acknowledged work"), _model, "after a power loss during acknowledged work");
            return Result.Violations.Count == 0;
        }

        /// <summary>After a failed step: check it left no trace, recover like a restarted process, and learn its outcome.</summary>
        private bool Recover(Step step, int version, Exception error)
        {
            string what = $"{step} (step {version}) failed with {error.GetType().Name}: {error.Message}";
            if (error is not (IOException or VectorEngineException))
            {
                Result.Violations.Add($"{what}: not a storage error or an engine error\n{error}");
                return false;
            }

            bool crashed = _fs.Crashed;
            if (_collection is not null && step is Step.Upsert or Step.Delete)
            {
                // A write that fails stops the collection, and says so with its own type.
                if (error is not StorageFailureException)
                {
                    Result.Violations.Add($"{what}: a failed write must raise StorageFailureException");
                }

                if (!crashed)
                {
                    // Not acknowledged, so not visible; and no later write is taken until the collection is recovered.
                    int[] keys = step is Step.Upsert u ? u.Keys : ((Step.Delete)step).Keys;
                    Dictionary<int, int> visible = Observe("before recovery", keys);
                    Expect(visible, _model.Where(p => keys.Contains(p.Key)).ToDictionary(), $"{what}; visible before recovery");
                    try
                    {
                        _collection.Upsert([PointFor(keys[0], version)]);
                        Result.Violations.Add($"{what}; a later write was accepted after the storage failure");
                    }
                    catch (StorageFailureException)
                    {
                    }
                }
            }

            Result.Fired ??= _fs.Fired;
            Result.Calls = Math.Max(Result.Calls, _fs.Calls);
            Close();
            if (crashed || _fs.Crashed)
            {
                _fs.RestoreDurableState();
                Result.PowerLosses++;
            }

            // The fault struck once; the next boot runs on healthy storage.
            _fs = new FaultInjectingFileSystem(root, new Fault(FaultKind.None, 0), scenario.Seed);
            if (!Boot(creating: false))
            {
                return false;
            }

            Dictionary<int, int> observed = Observe($"after recovering from {what}");
            Dictionary<int, int> before = new(_model);
            Dictionary<int, int> after = new(_model);
            switch (step)
            {
                case Step.Upsert upsert:
                    foreach (int k in upsert.Keys)
                    {
                        after[k] = version;
                    }

                    break;
                case Step.Delete delete:
                    foreach (int k in delete.Keys)
                    {
                        after.Remove(k);
                    }

                    break;
            }

            if (!Same(observed, before) && !Same(observed, after))
            {
                Result.Violations.Add($"{what}: after recovery the state is neither before nor after the step (a lost or partial write)\n" +
                    $"  expected {Show(before)}\n  or       {Show(after)}\n  found    {Show(observed)}");
                return false;
            }

            _model.Clear();
            foreach ((int k, int v) in observed)
            {
                _model[k] = v;
            }

            // A snapshot round trip cut short leaves its copy whole or absent; either way it goes now.
            if (_db!.TryGetCollection(Copy, out Collection? copy) && copy is not null)
            {
                if (step is not Step.SnapshotRoundTrip)
                {
                    Result.Violations.Add($"{what}: a restored copy exists that no step left");
                }

                _db.DropCollection(Copy);
            }

            return Result.Violations.Count == 0;
        }

        /// <summary>
        /// Opens the database (creating the collection the first time). When the fault strikes during this very open,
        /// that open may fail; the one after it, on healthy storage, must not.
        /// </summary>
        private bool Boot(bool creating)
        {
            for (int attempt = 0; ; attempt++)
            {
                string? firedBefore = _fs.Fired;
                try
                {
                    _fs.CreateDirectory(SnapshotsPath);
                    _fs.SyncDirectory(root);
                    _db = VectorDatabase.Open(DatabasePath, Options());
                    if (_db.UnavailableCollections.Count > 0 && firedBefore is null && _fs.Fired is not null)
                    {
                        // The fault struck while this open recovered the collection: the same as a failed open.
                        throw _db.UnavailableCollections.Values.First();
                    }

                    foreach ((string name, VectorEngineException why) in _db.UnavailableCollections)
                    {
                        Result.Violations.Add($"collection '{name}' did not open after a fault the engine must survive: {why.Message}");
                    }

                    if (_db.TryGetCollection(Name, out Collection? existing) && existing is not null)
                    {
                        _collection = existing;
                    }
                    else if (creating)
                    {
                        _collection = _db.CreateCollection(Name, new CollectionOptions(Dimension, DistanceMetric.L2)
                        {
                            // The text index too: seals and merges write text.idx, so faults land on it as well.
                            PayloadIndexes = { ["k"] = PayloadIndexType.Integer, ["t"] = PayloadIndexType.Text },
                        });
                    }
                    else
                    {
                        Result.Violations.Add("the collection is gone after recovery");
                    }

                    return Result.Violations.Count == 0;
                }
                catch (Exception e)
                {
                    if (attempt > 0 || firedBefore is not null || _fs.Fired is null)
                    {
                        Result.Violations.Add($"open failed on healthy storage after {_fs.Fired ?? firedBefore ?? "no fault"}: {e}");
                        return false;
                    }

                    Result.Fired = _fs.Fired;
                    Result.FailedSteps++;
                    Close();
                    if (_fs.Crashed)
                    {
                        _fs.RestoreDurableState();
                        Result.PowerLosses++;
                    }

                    _fs = new FaultInjectingFileSystem(root, new Fault(FaultKind.None, 0), scenario.Seed);
                }
            }
        }

        private void Close()
        {
            try
            {
                _db?.Dispose();
            }
            catch (Exception e)
            {
                Result.Violations.Add($"Dispose threw: {e}");
            }

            _db = null;
        }

        private VectorDatabaseOptions Options() => new()
        {
            FileSystem = _fs,
            MaxMutableSegmentPoints = 24,
            EnableBackgroundOptimizer = false,
            OptimizerSmallSegmentPoints = 40,
        };

        private static Point PointFor(int key, int version) =>
            new((ulong)key, VectorOf(key, version), new Payload { ["k"] = key, ["v"] = version, ["t"] = $"marker key{key} version{version}" });

        private Dictionary<int, int> Observe(string when, int[]? keys = null) => Read(_collection!, when, keys);

        private Dictionary<int, int> Read(Collection collection, string when, int[]? keys = null)
        {
            var state = new Dictionary<int, int>();
            IEnumerable<PointId> ids = (keys ?? Enumerable.Range(0, KeySpace).ToArray()).Select(k => (PointId)(ulong)k);
            foreach (PointRecord record in collection.Get(ids, withPayload: true, withVector: true))
            {
                int key = (int)record.Id.Number;
                int version = (int)record.Payload!["v"].AsInteger;
                if (!record.Vector!.AsSpan().SequenceEqual(VectorOf(key, version)))
                {
                    Result.Violations.Add($"{when}: key {key} version {version} has a damaged vector");
                }

                state[key] = version;
            }

            if (keys is null && collection.Count() != state.Count)
            {
                Result.Violations.Add($"{when}: Count() says {collection.Count()} but {state.Count} keys are readable");
            }

            return state;
        }

        private void CheckSearch()
        {
            IReadOnlyList<ScoredPoint> hits = _collection!.Search(new SearchRequest(VectorOf(3, 1), limit: 5));
            if (hits.Count != Math.Min(5, _model.Count))
            {
                Result.Violations.Add($"a search after recovery found {hits.Count} points of {_model.Count}");
            }
        }

        private void Expect(Dictionary<int, int> observed, Dictionary<int, int> expected, string when)
        {
            if (!Same(observed, expected))
            {
                Result.Violations.Add($"{when}: expected {Show(expected)}, found {Show(observed)}");
            }
        }

        private static bool Same(Dictionary<int, int> a, Dictionary<int, int> b) =>
            a.Count == b.Count && a.All(p => b.TryGetValue(p.Key, out int v) && v == p.Value);

        private static string Show(Dictionary<int, int> state) =>
            "{" + string.Join(" ", state.OrderBy(p => p.Key).Select(p => $"{p.Key}:v{p.Value}")) + "}";
    }
}
