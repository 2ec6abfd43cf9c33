using System.Numerics.Tensors;

namespace VectorEngine.Bench.Synthetic;

/// <summary>
/// Exact k nearest neighbours of every query over a base that is streamed in chunks (regenerated, never held whole):
/// each chunk is scored against all queries on all cores, and each query keeps its best k so far.
/// </summary>
internal static class ExactNeighbors
{
    /// <param name="queries">The queries (cosine queries already unit length).</param>
    /// <param name="count">Base rows.</param>
    /// <param name="fillChunk">Writes base rows [start, start + rows) into the buffer, row-major.</param>
    /// <param name="metric">L2 (squared distance) or cosine/inner product (largest dot product).</param>
    /// <param name="k">Neighbours per query.</param>
    /// <param name="progress">Told the rows done so far.</param>
    public static int[][] Compute(float[][] queries, long count, Action<long, int, float[]> fillChunk, DistanceMetric metric, int k, Action<long>? progress = null)
    {
        int dim = queries[0].Length;
        const int ChunkRows = 8192;
        var best = new TopK[queries.Length];
        for (int q = 0; q < queries.Length; q++)
        {
            best[q] = new TopK(k);
        }

        float[] chunk = new float[ChunkRows * dim];
        float[] norms = new float[ChunkRows];
        for (long start = 0; start < count; start += ChunkRows)
        {
            int rows = (int)Math.Min(ChunkRows, count - start);
            fillChunk(start, rows, chunk);
            Parallel.For(0, rows, r => norms[r] = TensorPrimitives.Dot(chunk.AsSpan(r * dim, dim), chunk.AsSpan(r * dim, dim)));
            long first = start;
            Parallel.For(0, queries.Length, q =>
            {
                ReadOnlySpan<float> query = queries[q];
                TopK top = best[q];
                for (int r = 0; r < rows; r++)
                {
                    float dot = TensorPrimitives.Dot(query, chunk.AsSpan(r * dim, dim));

                    // Ranked by a distance, smaller is nearer: squared L2 less the query's own norm (the same for every
                    // row), or the negated dot product.
                    float distance = metric == DistanceMetric.L2 ? norms[r] - (2 * dot) : -dot;
                    top.Offer(distance, first + r);
                }
            });
            progress?.Invoke(start + rows);
        }

        return [.. best.Select(t => t.Sorted())];
    }

    /// <summary>The k smallest distances seen, as a max-heap on distance (ties: the lower row wins).</summary>
    private sealed class TopK(int k)
    {
        private readonly float[] _distances = new float[k];
        private readonly long[] _rows = new long[k];
        private int _count;

        public void Offer(float distance, long row)
        {
            if (_count < k)
            {
                _distances[_count] = distance;
                _rows[_count] = row;
                SiftUp(_count++);
                return;
            }

            if (distance < _distances[0])
            {
                _distances[0] = distance;
                _rows[0] = row;
                SiftDown(0);
            }
        }

        public int[] Sorted() =>
            [.. Enumerable.Range(0, _count).OrderBy(i => _distances[i]).ThenBy(i => _rows[i]).Select(i => checked((int)_rows[i]))];

        private void SiftUp(int i)
        {
            while (i > 0)
            {
                int parent = (i - 1) / 2;
                if (_distances[parent] >= _distances[i])
                {
                    break;
                }

                Swap(i, parent);
                i = parent;
            }
        }

        private void SiftDown(int i)
        {
            while (true)
            {
                int largest = i, left = (2 * i) + 1, right = left + 1;
                if (left < _count && _distances[left] > _distances[largest])
                {
                    largest = left;
                }

                if (right < _count && _distances[right] > _distances[largest])
                {
                    largest = right;
                }

                if (largest == i)
                {
                    return;
                }

                Swap(i, largest);
                i = largest;
            }
        }

        private void Swap(int a, int b)
        {
            (_distances[a], _distances[b]) = (_distances[b], _distances[a]);
            (_rows[a], _rows[b]) = (_rows[b], _rows[a]);
        }
    }
}
