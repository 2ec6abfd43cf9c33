using System.Runtime.InteropServices;

namespace VectorEngine.Quantization.Clustering;

/// <summary>
/// Lloyd's k-means with k-means++ seeding (Arthur &amp; Vassilvitskii), for IVF coarse centroids and PQ codebooks.
/// Assignment runs on every core through <see cref="CentroidPanels"/>; the result depends only on the data, k, the
/// iteration count and the seed — never on the thread count (partial sums are reduced in a fixed order).
/// </summary>
internal static unsafe class KMeans
{
    /// <summary>Points per parallel work item; fixed so that reductions have the same order on any machine.</summary>
    private const int Chunk = 1024;

    /// <summary>
    /// Clusters <paramref name="count"/> rows of <paramref name="dimension"/> floats starting at <paramref name="points"/>
    /// (<paramref name="stride"/> floats apart) and returns <paramref name="k"/> dense centroid rows.
    /// </summary>
    /// <param name="points">Row 0.</param>
    /// <param name="count">Rows; at least one.</param>
    /// <param name="dimension">Floats used per row.</param>
    /// <param name="stride">Floats from one row to the next.</param>
    /// <param name="k">Centroids wanted; more than the rows gives duplicated centroids.</param>
    /// <param name="iterations">Lloyd iterations after seeding.</param>
    /// <param name="seed">Seed of the k-means++ draws.</param>
    /// <param name="threads">Threads to use; 0 or less uses every core.</param>
    public static float[] Train(float* points, int count, int dimension, int stride, int k, int iterations, int seed, int threads)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(k, 1);
        var parallel = Parallelism.Options(threads);
        var random = new Random(seed);
        float[] centroids = SeedPlusPlus(points, count, dimension, stride, k, random, parallel);
        int[] labels = new int[count];
        float[] scores = new float[count];
        for (int iteration = 0; iteration < iterations; iteration++)
        {
            Assign(centroids, k, dimension, points, count, stride, labels, scores, parallel);
            Update(points, count, dimension, stride, labels, centroids, k, parallel);
        }

        return centroids;
    }

    /// <summary>Nearest centroid of every row, on every core.</summary>
    public static void Assign(float[] centroids, int k, int dimension, float* points, int count, int stride, int[] labels, float[] scores,
        ParallelOptions parallel)
    {
        using var panels = new CentroidPanels(centroids, k, dimension);
        Assign(panels, points, count, stride, labels, scores, parallel);
    }

    /// <summary>Nearest packed centroid of every row, on every core.</summary>
    public static void Assign(CentroidPanels panels, float* points, int count, int stride, int[] labels, float[] scores, ParallelOptions parallel)
    {
        fixed (int* labelBase = labels)
        fixed (float* scoreBase = scores)
        {
            int* l = labelBase;
            float* s = scoreBase;
            Parallel.For(0, (count + Chunk - 1) / Chunk, parallel, c =>
                panels.Assign(points, stride, c * Chunk, Math.Min(count, (c + 1) * Chunk), l, s));
        }
    }

    /// <summary>
    /// k-means++: each next centroid is a row drawn with probability proportional to its squared distance to the
    /// nearest one so far. Seeding is sequential in k, so it runs on a random subset of at most max(8·k, 4096) rows:
    /// all rows of a 60k × 784 sample against 980 centroids would stream 184 GB through memory; the subset stays in
    /// cache, and Lloyd's iterations then use every row.
    /// </summary>
    private static float[] SeedPlusPlus(float* points, int count, int dimension, int stride, int k, Random random, ParallelOptions parallel)
    {
        int[] rows = Subset(count, Math.Max(8 * k, 4096), random);
        int n = rows.Length;
        float[] centroids = new float[k * dimension];
        float[] nearest = new float[n];
        int chunks = (n + Chunk - 1) / Chunk;
        double[] chunkSums = new double[chunks];
        nearest.AsSpan().Fill(float.MaxValue);
        for (int c = 0; c < k; c++)
        {
            double total = 0;
            foreach (double sum in chunkSums)
            {
                total += sum;
            }

            int pick = c == 0 || !(total > 0) ? random.Next(n) : Draw(nearest, chunkSums, random.NextDouble() * total);
            Copy(points, rows[pick], dimension, stride, centroids, c);
            float[] centre = centroids;
            int offset = c * dimension;
            Parallel.For(0, chunks, parallel, chunk =>
            {
                ReadOnlySpan<float> centroid = centre.AsSpan(offset, dimension);
                double sum = 0;
                int end = Math.Min(n, (chunk + 1) * Chunk);
                for (int i = chunk * Chunk; i < end; i++)
                {
                    float d = VectorDistance.SquaredL2(new ReadOnlySpan<float>(points + ((long)rows[i] * stride), dimension), centroid);
                    if (d < nearest[i])
                    {
                        nearest[i] = d;
                    }

                    sum += nearest[i];
                }

                chunkSums[chunk] = sum;
            });
        }

        return centroids;
    }

    /// <summary>Up to <paramref name="size"/> distinct row indices drawn without replacement, in ascending order.</summary>
    internal static int[] Subset(int count, int size, Random random)
    {
        if (size >= count)
        {
            return Enumerable.Range(0, count).ToArray();
        }

        int[] all = Enumerable.Range(0, count).ToArray();
        for (int i = 0; i < size; i++)
        {
            int j = random.Next(i, count);
            (all[i], all[j]) = (all[j], all[i]);
        }

        int[] result = all[..size];
        Array.Sort(result);
        return result;
    }

    private static int Draw(float[] nearest, double[] chunkSums, double target)
    {
        int chunk = 0;
        while (chunk < chunkSums.Length - 1 && target >= chunkSums[chunk])
        {
            target -= chunkSums[chunk];
            chunk++;
        }

        int end = Math.Min(nearest.Length, (chunk + 1) * Chunk);
        int last = chunk * Chunk;
        for (int i = chunk * Chunk; i < end; i++)
        {
            if (nearest[i] > 0)
            {
                last = i;
                target -= nearest[i];
                if (target < 0)
                {
                    return i;
                }
            }
        }

        return last;
    }

    /// <summary>Moves every centroid to the mean of its rows; an empty cluster takes half of a large one (FAISS's split).</summary>
    private static void Update(float* points, int count, int dimension, int stride, int[] labels, float[] centroids, int k,
        ParallelOptions parallel)
    {
        // Group row indices by cluster (a counting sort), then average each cluster in row order: deterministic.
        int[] starts = new int[k + 1];
        foreach (int label in labels)
        {
            starts[label + 1]++;
        }

        for (int c = 0; c < k; c++)
        {
            starts[c + 1] += starts[c];
        }

        int[] members = new int[count];
        int[] fill = starts[..k];
        for (int i = 0; i < count; i++)
        {
            members[fill[labels[i]]++] = i;
        }

        Parallel.For(0, k, parallel, () => new double[dimension], (c, _, sum) =>
        {
            int from = starts[c], to = starts[c + 1];
            if (from == to)
            {
                return sum;
            }

            Array.Clear(sum);
            for (int m = from; m < to; m++)
            {
                float* row = points + ((long)members[m] * stride);
                for (int d = 0; d < dimension; d++)
                {
                    sum[d] += row[d];
                }
            }

            Span<float> centroid = centroids.AsSpan(c * dimension, dimension);
            double inverse = 1.0 / (to - from);
            for (int d = 0; d < dimension; d++)
            {
                centroid[d] = (float)(sum[d] * inverse);
            }

            return sum;
        }, _ => { });

        SplitEmpty(starts, centroids, k, dimension);
    }

    private static void SplitEmpty(int[] starts, float[] centroids, int k, int dimension)
    {
        const float Epsilon = 1f / 1024;
        int[] sizes = new int[k];
        for (int c = 0; c < k; c++)
        {
            sizes[c] = starts[c + 1] - starts[c];
        }

        for (int empty = 0; empty < k; empty++)
        {
            if (sizes[empty] != 0)
            {
                continue;
            }

            // The largest cluster gives up half of itself: both halves move apart by a relative epsilon, so the next
            // assignment splits its rows between them.
            int donor = 0;
            for (int c = 1; c < k; c++)
            {
                if (sizes[c] > sizes[donor])
                {
                    donor = c;
                }
            }

            Span<float> target = centroids.AsSpan(empty * dimension, dimension);
            Span<float> source = centroids.AsSpan(donor * dimension, dimension);
            source.CopyTo(target);
            for (int d = 0; d < dimension; d++)
            {
                float sign = (d & 1) == 0 ? 1 : -1;
                target[d] *= 1 + (sign * Epsilon);
                source[d] *= 1 - (sign * Epsilon);
            }

            sizes[empty] = sizes[donor] / 2;
            sizes[donor] -= sizes[empty];
        }
    }

    private static void Copy(float* points, int row, int dimension, int stride, float[] centroids, int c) =>
        new ReadOnlySpan<float>(points + ((long)row * stride), dimension).CopyTo(centroids.AsSpan(c * dimension, dimension));

    /// <summary>64-byte-aligned rows padded with zeros to a multiple of 16 floats (training samples, residuals).</summary>
    public sealed class Matrix : IDisposable
    {
        /// <summary>Allocates <paramref name="rows"/> zeroed rows.</summary>
        public Matrix(int rows, int dimension)
        {
            Rows = rows;
            Dimension = dimension;
            Stride = (dimension + 15) & ~15;
            Data = (float*)NativeMemory.AlignedAlloc((nuint)((long)rows * Stride * sizeof(float)), 64);
            NativeMemory.Clear(Data, (nuint)((long)rows * Stride * sizeof(float)));
        }

        /// <summary>Row count.</summary>
        public int Rows { get; }

        /// <summary>Floats used per row.</summary>
        public int Dimension { get; }

        /// <summary>Floats from one row to the next (a multiple of 16).</summary>
        public int Stride { get; }

        /// <summary>Row 0.</summary>
        public float* Data { get; private set; }

        /// <summary>One row.</summary>
        public Span<float> Row(int row) => new(Data + ((long)row * Stride), Dimension);

        /// <inheritdoc />
        public void Dispose()
        {
            if (Data is not null)
            {
                NativeMemory.AlignedFree(Data);
                Data = null;
            }
        }
    }
}
