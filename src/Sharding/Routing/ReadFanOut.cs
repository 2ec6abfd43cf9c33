using System.Diagnostics;
using Microsoft.Extensions.Logging;
using VectorEngine.Sharding.Coordination;
using VectorEngine.Sharding.Placement;

namespace VectorEngine.Sharding.Routing;

/// <summary>
/// Sends a read to one copy of every shard, under a budget, and collects the answers. Each shard is asked of its
/// bound primary first (it has every acknowledged write), else of a live replica. A copy still silent after its
/// shards' recent 95th-percentile latency gets a hedge: the same shards asked of their next copies; the first complete
/// answer wins and the other call is cancelled. A copy that loses three hedges in a row is asked last for the next
/// two seconds (then first again, as a probe), so a slow copy costs the tail a hedge now and then, not every read. A
/// copy that fails or refuses (catching up) passes its shards to the next live copy; shards no copy answered come back
/// as missing.
/// </summary>
internal sealed class ReadFanOut(ClusterNode cluster, ILogger logger)
{
    /// <summary>The hedge delay before any copy of a shard has enough recent samples (a cold start: generous, so a
    /// first call that is slow only because connections and code are cold does not double the load).</summary>
    private static readonly TimeSpan DefaultHedgeDelay = TimeSpan.FromMilliseconds(250);

    /// <summary>Hedges a copy may lose in a row before it is asked last for a while.</summary>
    private const int LossesToDemote = 3;

    /// <summary>How long a copy that kept losing hedges is asked last.</summary>
    private static readonly TimeSpan Demotion = TimeSpan.FromSeconds(2);

    private readonly ShardLatency _latency = new();
    private readonly Dictionary<(string, int, string), (int Losses, long DemotedUntil)> _health = [];
    private long _hedgesSent;
    private long _hedgesWon;

    /// <summary>Hedges sent (a copy was slower than its shards' recent p95).</summary>
    public long HedgesSent => Interlocked.Read(ref _hedgesSent);

    /// <summary>Hedges whose answer came first.</summary>
    public long HedgesWon => Interlocked.Read(ref _hedgesWon);

    /// <summary>Runs the read; returns the shards no copy answered (sorted).</summary>
    /// <param name="definition">The collection.</param>
    /// <param name="shards">The shards to read.</param>
    /// <param name="call">One node's part: its shards, under a token the budget and hedging cancel.</param>
    /// <param name="accept">Takes an answer that counts (a losing hedge's does not).</param>
    /// <param name="answerWithin">The budget, or null for the caller's token alone.</param>
    /// <param name="cancellationToken">The caller's call.</param>
    /// <param name="primaryOnly">A majority read: each shard's bound primary only, no hedge, no replica.</param>
    public async Task<IReadOnlyList<int>> RunAsync<T>(ClusterCollection definition, IReadOnlyList<int> shards, Func<string, IReadOnlyList<int>, CancellationToken, Task<T>> call,
        Action<T> accept, TimeSpan? answerWithin, CancellationToken cancellationToken, bool primaryOnly = false)
    {
        var missing = new List<int>();
        using var budget = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        if (answerWithin is { } limit)
        {
            budget.CancelAfter(limit);
        }

        IReadOnlyDictionary<string, ClusterMember> members = cluster.Members;
        Dictionary<int, string[]> copies = shards.ToDictionary(s => s, s => primaryOnly
            ? (Replication.ShardSupervisor.NeedsPrimary(definition.Map.Shards[s], members) ? [] : [definition.Map.Shards[s].Primary])
            : Demote(definition.Name, s, ReadOrder(definition.Map.Shards[s], members)));
        missing.AddRange(shards.Where(s => copies[s].Length == 0));

        async Task AskAsync(string node, int[] mine, int attempt)
        {
            long started = Stopwatch.GetTimestamp();
            int next = attempt + 1;
            using var firstCall = CancellationTokenSource.CreateLinkedTokenSource(budget.Token);
            Task<T> first = call(node, mine, firstCall.Token);
            Task<T[]>? hedge = null;
            long hedged = 0;
            using var hedgeCall = CancellationTokenSource.CreateLinkedTokenSource(budget.Token);
            if (mine.All(s => copies[s].Length > next))
            {
                await Task.WhenAny(first, Task.Delay(HedgeDelay(definition.Name, mine, copies), budget.Token)).ConfigureAwait(false);
                if (!first.IsCompleted && !budget.IsCancellationRequested)
                {
                    Interlocked.Increment(ref _hedgesSent);
                    hedged = Stopwatch.GetTimestamp();
                    hedge = Task.WhenAll(mine.GroupBy(s => copies[s][next]).Select(g => call(g.Key, g.ToArray(), hedgeCall.Token)));
                }
            }

            try
            {
                if (hedge is null)
                {
                    accept(await first.ConfigureAwait(false));
                    Record(definition.Name, mine, _ => node, started);
                }
                else
                {
                    Task done = await Task.WhenAny(first, hedge).ConfigureAwait(false);
                    Task other = done == first ? hedge : first;
                    if (!done.IsCompletedSuccessfully)
                    {
                        await Task.WhenAny(other).ConfigureAwait(false);
                        done = other;
                    }

                    if (!done.IsCompletedSuccessfully)
                    {
                        await done.ConfigureAwait(false);
                    }

                    if (done == first)
                    {
                        await hedgeCall.CancelAsync().ConfigureAwait(false);
                        accept(first.Result);
                        Record(definition.Name, mine, _ => node, started);
                        Judge(definition.Name, mine, node, lost: false);
                    }
                    else
                    {
                        await firstCall.CancelAsync().ConfigureAwait(false);
                        Interlocked.Increment(ref _hedgesWon);
                        Judge(definition.Name, mine, node, lost: true);
                        foreach (T part in hedge.Result)
                        {
                            accept(part);
                        }

                        Record(definition.Name, mine, s => copies[s][next], hedged);
                    }
                }
            }
            catch (Exception e) when ((ShardRouter.IsUnavailable(e) || budget.IsCancellationRequested) && !cancellationToken.IsCancellationRequested)
            {
                logger.LogDebug(e, "Shards {Shards} of {Collection} on {Node} did not answer", mine, definition.Name, node);
                int tried = hedge is null ? attempt : next;
                int[] again = mine.Where(s => copies[s].Length > tried + 1 && !budget.IsCancellationRequested).ToArray();
                await Task.WhenAll(again.GroupBy(s => copies[s][tried + 1]).Select(g => AskAsync(g.Key, g.ToArray(), tried + 1))).ConfigureAwait(false);
                lock (missing)
                {
                    missing.AddRange(mine.Except(again));
                }
            }
            finally
            {
                Observe(first);
                if (hedge is not null)
                {
                    Observe(hedge);
                }
            }
        }

        await Task.WhenAll(shards.Where(s => copies[s].Length > 0).GroupBy(s => copies[s][0]).Select(group => AskAsync(group.Key, group.ToArray(), 0))).ConfigureAwait(false);
        missing.Sort();
        return missing;
    }

    /// <summary>The live copies of a shard in the order reads try them: a bound primary, then replicas, then an unbound primary.</summary>
    private static string[] ReadOrder(ShardAssignment shard, IReadOnlyDictionary<string, ClusterMember> members)
    {
        bool bound = !Replication.ShardSupervisor.NeedsPrimary(shard, members);
        IEnumerable<string> order = bound ? shard.Nodes : shard.Replicas.Append(shard.Primary);
        return order.Where(members.ContainsKey).ToArray();
    }

    /// <summary>The copies with any copy now demoted (it kept losing hedges) moved to the end.</summary>
    private string[] Demote(string collection, int shard, string[] order)
    {
        if (order.Length < 2)
        {
            return order;
        }

        long now = Stopwatch.GetTimestamp();
        lock (_health)
        {
            if (!order.Any(n => _health.TryGetValue((collection, shard, n), out var h) && h.DemotedUntil > now))
            {
                return order;
            }

            return [.. order.Where(n => !(_health.TryGetValue((collection, shard, n), out var h) && h.DemotedUntil > now)),
                .. order.Where(n => _health.TryGetValue((collection, shard, n), out var h) && h.DemotedUntil > now)];
        }
    }

    /// <summary>Counts a copy's hedge lost or won; three losses in a row demote it for <see cref="Demotion"/>.</summary>
    private void Judge(string collection, int[] shards, string node, bool lost)
    {
        lock (_health)
        {
            foreach (int shard in shards)
            {
                var key = (collection, shard, node);
                (int losses, long until) = _health.GetValueOrDefault(key);
                losses = lost ? losses + 1 : 0;
                if (losses >= LossesToDemote)
                {
                    losses = 0;
                    until = Stopwatch.GetTimestamp() + (long)(Demotion.TotalSeconds * Stopwatch.Frequency);
                    logger.LogDebug("Copy of shard {Shard} of {Collection} on {Node} lost {Losses} hedges in a row; asked last for {Demotion}", shard, collection, node, LossesToDemote, Demotion);
                }

                _health[key] = (losses, until);
            }
        }
    }

    private void Record(string collection, int[] shards, Func<int, string> node, long started)
    {
        TimeSpan elapsed = Stopwatch.GetElapsedTime(started);
        foreach (int shard in shards)
        {
            _latency.Record(collection, shard, node(shard), elapsed);
        }
    }

    private TimeSpan HedgeDelay(string collection, int[] shards, Dictionary<int, string[]> copies)
    {
        TimeSpan delay = TimeSpan.Zero;
        foreach (int shard in shards)
        {
            TimeSpan p95 = _latency.P95(collection, shard, copies[shard]) ?? DefaultHedgeDelay;
            delay = p95 > delay ? p95 : delay;
        }

        return delay < TimeSpan.FromMilliseconds(1) ? TimeSpan.FromMilliseconds(1) : delay;
    }

    // The losing call's failure (cancelled, or the node down) is expected; observed so it is not reported as unobserved.
    private static void Observe(Task task) =>
        _ = task.ContinueWith(static t => _ = t.Exception, CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted | TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
}
