using System.Numerics.Tensors;

namespace VectorEngine.Bench.Synthetic;

/// <summary>The shapes <c>bench gen</c> makes.</summary>
internal enum SyntheticKind
{
    /// <summary>A mixture of anisotropic clusters (each a low-rank spread plus a little full-rank noise), equal weights; L2.</summary>
    Clustered,

    /// <summary>One Gaussian with a skewed spectrum (dimension d has standard deviation 1/sqrt(d+1)); L2.</summary>
    Gaussian,

    /// <summary>Clusters of Zipf-skewed sizes with a wider low-rank spread, normalised to unit length (cosine), as sentence embeddings are.</summary>
    TextLike,
}

/// <summary>
/// A deterministic synthetic dataset: row <c>i</c> of the base (or of the queries) is a function of the seed and
/// <c>i</c> alone, so a 10M-row base is written, regenerated for ground truth, or loaded into a collection in any
/// order and by any number of threads without being stored anywhere. Queries come from the same distribution through
/// another stream of the same generator.
/// </summary>
internal sealed class SyntheticData
{
    private const ulong QueryStream = 0x9E3779B97F4A7C15UL;
    private readonly float[][] _centers;
    private readonly float[][][] _bases;
    private readonly float[][] _scales;
    private readonly double[] _cumulativeWeights;
    private readonly int _rank;
    private readonly float _noise;

    /// <param name="kind">The shape.</param>
    /// <param name="count">Base rows.</param>
    /// <param name="dimension">Dimension.</param>
    /// <param name="seed">Seed.</param>
    /// <param name="shapeCount">The row count whose distribution the rows follow (the cluster count grows with it), when not
    /// <paramref name="count"/>: the first 250,000 rows of the 10M-row set are then the tiers run's own first rows.</param>
    public SyntheticData(SyntheticKind kind, long count, int dimension, int seed, long? shapeCount = null)
    {
        if (dimension is < 2 or > 4096)
        {
            throw new VectorEngineArgumentException($"--dim must be 2 to 4096; got {dimension}.", "dim");
        }

        if (count < 1)
        {
            throw new VectorEngineArgumentException($"--n must be positive; got {count}.", "n");
        }

        Kind = kind;
        Count = count;
        Dimension = dimension;
        Seed = seed;
        if (shapeCount < count)
        {
            throw new VectorEngineArgumentException($"--shape-n must be at least --n; got {shapeCount} and {count}.", "shape-n");
        }

        int clusters = kind == SyntheticKind.Gaussian ? 1 : (int)Math.Clamp((shapeCount ?? count) / 10_000, 8, 1024);
        _rank = kind switch
        {
            SyntheticKind.Gaussian => dimension,
            SyntheticKind.TextLike => Math.Min(dimension, 32),
            _ => Math.Min(dimension, 16),
        };
        _noise = kind == SyntheticKind.Gaussian ? 0f : 0.05f;
        var random = new RowRandom((ulong)seed, ulong.MaxValue);
        _centers = new float[clusters][];
        _bases = new float[clusters][][];
        _scales = new float[clusters][];
        for (int c = 0; c < clusters; c++)
        {
            _centers[c] = new float[dimension];
            if (kind != SyntheticKind.Gaussian)
            {
                // Centers about as far apart as a cluster is wide (norm ~2 clustered, ~1 text-like, against a spread of
                // ~1): neighbours cross cluster borders, as in real embeddings, instead of every cluster being an
                // island a coarse code separates alone.
                random.FillNormal(_centers[c], (kind == SyntheticKind.TextLike ? 1f : 2f) / MathF.Sqrt(dimension));
            }

            _scales[c] = new float[_rank];
            _bases[c] = new float[_rank][];
            for (int j = 0; j < _rank; j++)
            {
                // A decaying spectrum: the leading directions carry most of the spread (an intrinsic dimension well
                // below the ambient one); a Gaussian's directions are the axes themselves.
                _scales[c][j] = (kind == SyntheticKind.TextLike ? 0.6f : 0.35f) / MathF.Sqrt(j + 1);
                _bases[c][j] = new float[dimension];
                if (kind == SyntheticKind.Gaussian)
                {
                    _bases[c][j][j] = 1f;
                    _scales[c][j] = 1f / MathF.Sqrt(j + 1);
                }
                else
                {
                    random.FillNormal(_bases[c][j], 1f / MathF.Sqrt(dimension));
                }
            }
        }

        // Equal weights, or Zipf(1.1) sizes for text-like data (a few large topics, a long tail).
        _cumulativeWeights = new double[clusters];
        double total = 0;
        for (int c = 0; c < clusters; c++)
        {
            total += kind == SyntheticKind.TextLike ? 1.0 / Math.Pow(c + 1, 1.1) : 1.0;
            _cumulativeWeights[c] = total;
        }

        for (int c = 0; c < clusters; c++)
        {
            _cumulativeWeights[c] /= total;
        }
    }

    public SyntheticKind Kind { get; }

    public long Count { get; }

    public int Dimension { get; }

    public int Seed { get; }

    /// <summary>The metric the data is meant for.</summary>
    public DistanceMetric Metric => Kind == SyntheticKind.TextLike ? DistanceMetric.Cosine : DistanceMetric.L2;

    /// <summary>The metric's name in dataset.json.</summary>
    public string MetricName => Kind == SyntheticKind.TextLike ? "angular" : "euclidean";

    /// <summary>Writes base row <paramref name="row"/> into <paramref name="output"/>.</summary>
    public void Base(long row, Span<float> output) => Fill(new RowRandom((ulong)Seed, (ulong)row), output);

    /// <summary>Writes query <paramref name="query"/> into <paramref name="output"/> (same distribution, another stream).</summary>
    public void Query(long query, Span<float> output) => Fill(new RowRandom((ulong)Seed ^ QueryStream, (ulong)query), output);

    private void Fill(RowRandom random, Span<float> output)
    {
        int cluster = Array.BinarySearch(_cumulativeWeights, random.NextDouble());
        cluster = cluster < 0 ? Math.Min(~cluster, _cumulativeWeights.Length - 1) : cluster;
        _centers[cluster].CopyTo(output);
        float[][] basis = _bases[cluster];
        float[] scales = _scales[cluster];
        for (int j = 0; j < _rank; j++)
        {
            TensorPrimitives.MultiplyAdd(basis[j], random.NextNormal() * scales[j], output, output);
        }

        if (_noise > 0)
        {
            for (int d = 0; d < output.Length; d++)
            {
                output[d] += random.NextNormal() * _noise / MathF.Sqrt(output.Length);
            }
        }

        if (Kind == SyntheticKind.TextLike)
        {
            float norm = TensorPrimitives.Norm(output);
            TensorPrimitives.Divide(output, norm, output);
        }
    }

    /// <summary>SplitMix64 over (seed, row): a generator per row that costs nothing to make.</summary>
    private struct RowRandom(ulong seed, ulong row)
    {
        private ulong _state = Mix(seed ^ Mix(row + 0x632BE59BD9B4E019UL));
        private float? _spare;

        public double NextDouble() => (Next() >> 11) * (1.0 / (1UL << 53));

        public float NextNormal()
        {
            if (_spare is { } spare)
            {
                _spare = null;
                return spare;
            }

            // Box-Muller: two normals per two uniforms.
            double u1 = Math.Max(NextDouble(), 1e-300), u2 = NextDouble();
            double radius = Math.Sqrt(-2 * Math.Log(u1));
            _spare = (float)(radius * Math.Sin(2 * Math.PI * u2));
            return (float)(radius * Math.Cos(2 * Math.PI * u2));
        }

        public void FillNormal(Span<float> output, float scale)
        {
            for (int i = 0; i < output.Length; i++)
            {
                output[i] = NextNormal() * scale;
            }
        }

        private ulong Next() => Mix(_state += 0x9E3779B97F4A7C15UL);

        private static ulong Mix(ulong z)
        {
            z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
            z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
            return z ^ (z >> 31);
        }
    }
}
