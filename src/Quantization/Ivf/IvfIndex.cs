using Microsoft.Extensions.ObjectPool;
using VectorEngine.Indexing;
using VectorEngine.Quantization.Clustering;
using VectorEngine.Quantization.Product;
using VectorEngine.Quantization.Scalar;

namespace VectorEngine.Quantization.Ivf;

/// <summary>
/// Inverted-file index (FAISS's IndexIVF) over one segment: nlist centroids from k-means, each vector filed in the
/// list of its nearest centroid, and searches that scan only the nprobe lists nearest the query. Lists hold segment
/// offsets, plus PQ codes of the residuals for IVF-PQ; IVF-Flat reads the segment's floats and IVF-SQ8 its int8 codes
/// by offset, so neither keeps a second copy of the vectors.
/// </summary>
/// <remarks>
/// Inner-product and cosine collections assign and probe by the largest inner product (FAISS's IndexFlatIP quantizer);
/// the centroids themselves are trained with L2 k-means either way. Rows added after training go to their nearest
/// list; deleted rows stay in their list and are skipped through the engine's filter until the optimizer rebuilds.
/// </remarks>
public sealed partial class IvfIndex : IVectorIndex
{
    /// <summary>Rows encoded per batch while adding, which bounds the residual buffer.</summary>
    private const int AddBatch = 16_384;

    private readonly IVectorStore _store;
    private readonly float[] _centroids;
    private readonly CentroidPanels _panels;
    private readonly InvertedList[] _lists;
    private readonly ProductQuantizer? _pq;
    private readonly Int8Codes? _int8;
    private readonly DefaultObjectPool<IvfSearchContext> _contexts;
    private readonly bool _innerProduct;
    private int _count;

    private IvfIndex(IVectorStore store, IvfParameters parameters, float[] centroids, int nlist, ProductQuantizer? pq, Int8Codes? int8,
        InvertedList[]? lists = null, int count = 0)
    {
        _store = store;
        Parameters = parameters;
        NList = nlist;
        _centroids = centroids;
        _innerProduct = store.Metric != DistanceMetric.L2;
        _panels = new CentroidPanels(centroids, nlist, store.Dimension, _innerProduct);
        _pq = pq;
        _int8 = int8;
        int codeBytes = pq?.SubQuantizers ?? 0;
        bool terms = pq is not null && !_innerProduct;
        _lists = lists ?? Enumerable.Range(0, nlist).Select(_ => new InvertedList(0, codeBytes, terms)).ToArray();
        _count = count;
        _contexts = new DefaultObjectPool<IvfSearchContext>(new DefaultPooledObjectPolicy<IvfSearchContext>(), Environment.ProcessorCount * 4);
    }

    /// <summary>The index's parameters.</summary>
    public IvfParameters Parameters { get; }

    /// <summary>Inverted lists (coarse centroids) in this segment's index.</summary>
    public int NList { get; }

    /// <summary>Rows filed in the lists.</summary>
    public int Count => Volatile.Read(ref _count);

    /// <inheritdoc />
    public string Name => IvfParameters.IndexName;

    /// <inheritdoc />
    public bool IsExact => false;

    /// <inheritdoc />
    public long MemoryBytes => (4L * _centroids.Length) + ListBytes + (4L * (_pq?.Codebooks.Length ?? 0)) + (_int8?.MemoryBytes ?? 0);

    /// <inheritdoc />
    public long CodeMemoryBytes => Parameters.Encoding switch
    {
        IvfEncoding.Pq => ListBytes - (4L * TotalCapacity),
        IvfEncoding.Sq8 => _int8!.MemoryBytes,
        _ => 0,
    };

    /// <summary>Entries per list (for diagnostics and tests).</summary>
    public int[] ListSizes => _lists.Select(l => l.Count).ToArray();

    private long ListBytes => _lists.Sum(l => l.MemoryBytes);

    private long TotalCapacity => _lists.Sum(l => (long)l.Capacity);

    /// <summary>Trains the centroids (and codes) on a sample of <paramref name="store"/> and files every row.</summary>
    /// <param name="store">The vectors.</param>
    /// <param name="parameters">The index parameters.</param>
    /// <exception cref="VectorEngineArgumentException">A parameter is out of range, or PQ's m does not divide the dimension.</exception>
    public static unsafe IvfIndex Build(IVectorStore store, IvfParameters parameters)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(parameters);
        parameters.Validate();
        int dim = store.Dimension;
        int m = parameters.Encoding == IvfEncoding.Pq ? parameters.Pq.SubQuantizersFor(dim) : 0;
        int nlist = parameters.NListFor(store.Count);
        var random = new Random(parameters.Seed);
        int[] rows = KMeans.Subset(store.Count, (int)Math.Min(int.MaxValue, (long)parameters.MaxPointsPerCentroid * nlist), random);
        using KMeans.Matrix sample = Gather(store, rows);
        float[] centroids = sample.Rows == 0
            ? new float[nlist * dim]
            : KMeans.Train(sample.Data, sample.Rows, dim, sample.Stride, nlist, parameters.Iterations, parameters.Seed, parameters.BuildThreads);

        ProductQuantizer? pq = null;
        if (m > 0)
        {
            pq = TrainResiduals(store, parameters, centroids, nlist, sample, m, random);
        }

        Int8Codes? int8 = parameters.Encoding == IvfEncoding.Sq8 ? Int8Codes.Train(store, parameters.Sq8) : null;
        var index = new IvfIndex(store, parameters, centroids, nlist, pq, int8);
        index.Add(0);
        return index;
    }

    /// <inheritdoc />
    public void Add(uint fromOffset)
    {
        int from = Math.Max((int)fromOffset, _count);
        int to = _store.Count;
        if (to <= from)
        {
            return;
        }

        _int8?.Add((uint)from);
        for (int start = from; start < to; start += AddBatch)
        {
            AddBatchOf(start, Math.Min(to, start + AddBatch));
        }

        Volatile.Write(ref _count, to);
    }

    /// <summary>Files rows [<paramref name="from"/>, <paramref name="to"/>): nearest list, then (PQ) the residual's code.</summary>
    private unsafe void AddBatchOf(int from, int to)
    {
        int n = to - from, dim = _store.Dimension;
        int[] labels = Assign(_store.Base + ((long)from * _store.Stride), n, _store.Stride);
        byte[] codes = [];
        float[] terms = [];
        int m = _pq?.SubQuantizers ?? 0;
        if (_pq is not null)
        {
            using KMeans.Matrix residuals = new(n, dim);
            for (int i = 0; i < n; i++)
            {
                Residual(_store.GetVector((uint)(from + i)), labels[i], residuals.Row(i));
            }

            codes = new byte[(long)n * m];
            _pq.Encode(residuals, codes, Parameters.BuildThreads);
            terms = _innerProduct ? [] : ResidualTerms(labels, codes);
        }

        for (int i = 0; i < n; i++)
        {
            int list = labels[i];
            ReadOnlySpan<byte> code = codes.AsSpan(i * m, m);
            InvertedList current = _lists[list];
            InvertedList updated = current.Append((uint)(from + i), code, terms.Length > 0 ? terms[i] : 0);
            if (!ReferenceEquals(updated, current))
            {
                Volatile.Write(ref _lists[list], updated);
            }
        }
    }

    /// <summary>
    /// Per entry of an L2 IVF-PQ list: |r̂|² + 2·c·r̂ for the decoded residual r̂ and list centroid c, so that
    /// |q − c − r̂|² = |q − c|² + term − 2·q·r̂, and the query's table (−2·q_j·C_jk) does not depend on the list —
    /// FAISS's precomputed "term 2", summed per entry at add time instead of tabled per list.
    /// </summary>
    private float[] ResidualTerms(int[] labels, byte[] codes)
    {
        int n = labels.Length, m = _pq!.SubQuantizers, dim = _store.Dimension;
        float[] terms = new float[n];
        Parallel.For(0, n, Threads(Parameters),
            () => new float[dim], (i, _, decoded) =>
            {
                _pq.Decode(codes.AsSpan(i * m, m), decoded);
                ReadOnlySpan<float> centroid = _centroids.AsSpan(labels[i] * dim, dim);
                terms[i] = VectorDistance.Dot(decoded, decoded) + (2 * VectorDistance.Dot(centroid, decoded));
                return decoded;
            }, _ => { });
        return terms;
    }

    /// <summary>Nearest list of each of <paramref name="count"/> rows, on every core.</summary>
    private unsafe int[] Assign(float* rows, int count, int stride)
    {
        int[] labels = new int[count];
        KMeans.Assign(_panels, rows, count, stride, labels, new float[count], Threads(Parameters));
        return labels;
    }

    private static ParallelOptions Threads(IvfParameters parameters) => Parallelism.Options(parameters.BuildThreads);

    private void Residual(ReadOnlySpan<float> vector, int list, Span<float> residual)
    {
        ReadOnlySpan<float> centroid = _centroids.AsSpan(list * vector.Length, vector.Length);
        for (int d = 0; d < vector.Length; d++)
        {
            residual[d] = vector[d] - centroid[d];
        }
    }

    /// <summary>PQ codebooks trained on the sample's residuals from their nearest centroids (FAISS's by_residual).</summary>
    private static unsafe ProductQuantizer TrainResiduals(IVectorStore store, IvfParameters parameters, float[] centroids, int nlist,
        KMeans.Matrix sample, int m, Random random)
    {
        int dim = store.Dimension;
        int[] picked = KMeans.Subset(sample.Rows, parameters.Pq.SampleSize, random);
        using var residuals = new KMeans.Matrix(picked.Length, dim);
        if (picked.Length == 0)
        {
            return new ProductQuantizer(dim, m, new float[m * ProductQuantizer.Centroids * (dim / m)]);
        }

        using var panels = new CentroidPanels(centroids, nlist, dim, store.Metric != DistanceMetric.L2);
        int[] labels = new int[sample.Rows];
        KMeans.Assign(panels, sample.Data, sample.Rows, sample.Stride, labels, new float[sample.Rows], Threads(parameters));

        for (int i = 0; i < picked.Length; i++)
        {
            Span<float> row = sample.Row(picked[i]), target = residuals.Row(i);
            ReadOnlySpan<float> centroid = centroids.AsSpan(labels[picked[i]] * dim, dim);
            for (int d = 0; d < dim; d++)
            {
                target[d] = row[d] - centroid[d];
            }
        }

        return ProductQuantizer.Train(residuals, m, parameters.Pq.Iterations, parameters.Pq.Seed, parameters.BuildThreads);
    }

    private static KMeans.Matrix Gather(IVectorStore store, int[] rows)
    {
        var sample = new KMeans.Matrix(rows.Length, store.Dimension);
        for (int i = 0; i < rows.Length; i++)
        {
            store.GetVector((uint)rows[i]).CopyTo(sample.Row(i));
        }

        return sample;
    }

    /// <inheritdoc />
    public void Dispose()
    {
        _panels.Dispose();
        _int8?.Dispose();
    }
}
