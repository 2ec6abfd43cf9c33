namespace VectorEngine.Sharding.Routing;

/// <summary>
/// Recent answer latencies per shard and copy (each measured from when that copy was asked, successes only), for the
/// hedge delay: a window of the last 128, its 95th percentile recomputed every 16 samples. A shard's delay is the
/// p95 of its fastest copy, so a copy that turned slow does not raise the delay after which its reads are hedged.
/// Shared by every read of this node.
/// </summary>
internal sealed class ShardLatency
{
    private const int Window = 128;
    private const int MinSamples = 20;
    private readonly Dictionary<(string, int, string), Samples> _copies = [];

    /// <summary>The lowest p95 among the shard's copies with enough recent answers, or null when none has.</summary>
    public TimeSpan? P95(string collection, int shard, IEnumerable<string> copies)
    {
        TimeSpan? best = null;
        lock (_copies)
        {
            foreach (string node in copies)
            {
                if (_copies.TryGetValue((collection, shard, node), out Samples? samples) && samples.P95 is { } p95 && (best is null || p95 < best))
                {
                    best = p95;
                }
            }
        }

        return best;
    }

    public void Record(string collection, int shard, string node, TimeSpan elapsed)
    {
        lock (_copies)
        {
            if (!_copies.TryGetValue((collection, shard, node), out Samples? samples))
            {
                _copies[(collection, shard, node)] = samples = new Samples();
            }

            samples.Add(elapsed.TotalMilliseconds);
        }
    }

    private sealed class Samples
    {
        private readonly double[] _ring = new double[Window];
        private readonly double[] _sorted = new double[Window];
        private long _count;

        public TimeSpan? P95 { get; private set; }

        public void Add(double milliseconds)
        {
            _ring[_count % Window] = milliseconds;
            _count++;
            if (_count >= MinSamples && (_count % 16 == 0 || P95 is null))
            {
                int n = (int)Math.Min(_count, Window);
                Array.Copy(_ring, _sorted, n);
                Array.Sort(_sorted, 0, n);
                P95 = TimeSpan.FromMilliseconds(_sorted[Math.Min(n - 1, (int)(n * 0.95))]);
            }
        }
    }
}
