using System.Runtime.CompilerServices;

namespace VectorEngine.Indexing;

/// <summary>
/// Keeps the k smallest (distance, offset) pairs seen: a bounded max-heap whose root is the current worst kept result,
/// so the common case (a distance worse than the root) is one comparison. Reusable: <see cref="Reset"/> keeps the buffers.
/// </summary>
public sealed class TopKCollector
{
    private float[] _distances;
    private uint[] _offsets;
    private int _count;
    private int _k;

    /// <summary>Creates a collector for up to <paramref name="k"/> results.</summary>
    /// <param name="k">How many to keep.</param>
    public TopKCollector(int k)
    {
        _distances = new float[Math.Max(k, 1)];
        _offsets = new uint[Math.Max(k, 1)];
        _k = k;
    }

    /// <summary>How many results are held.</summary>
    public int Count => _count;

    /// <summary>How many results are kept at most.</summary>
    public int K => _k;

    /// <summary>The distance a new result must beat to be kept (infinity until the heap is full).</summary>
    public float Threshold
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => _count < _k ? float.PositiveInfinity : _distances[0];
    }

    /// <summary>Empties the collector and sets a new k.</summary>
    /// <param name="k">How many to keep.</param>
    public void Reset(int k)
    {
        if (_distances.Length < k)
        {
            _distances = new float[k];
            _offsets = new uint[k];
        }

        _k = k;
        _count = 0;
    }

    /// <summary>Offers a result; kept when it beats the current worst or the heap is not full.</summary>
    /// <param name="distance">Internal distance (smaller is closer).</param>
    /// <param name="offset">Segment offset.</param>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Add(float distance, uint offset)
    {
        if (_count < _k)
        {
            Push(distance, offset);
        }
        else if (distance < _distances[0])
        {
            ReplaceRoot(distance, offset);
        }
    }

    /// <summary>Writes the results sorted by distance, closest first, and returns how many were written.</summary>
    /// <param name="distances">Receives the distances.</param>
    /// <param name="offsets">Receives the offsets.</param>
    public int DrainSorted(Span<float> distances, Span<uint> offsets)
    {
        int n = _count;
        for (int i = n - 1; i >= 0; i--)
        {
            distances[i] = _distances[0];
            offsets[i] = _offsets[0];
            _count--;
            if (_count > 0)
            {
                float d = _distances[_count];
                uint o = _offsets[_count];
                SiftDown(0, d, o);
            }
        }

        return n;
    }

    private void Push(float distance, uint offset)
    {
        int i = _count++;
        while (i > 0)
        {
            int parent = (i - 1) >> 1;
            if (_distances[parent] >= distance)
            {
                break;
            }

            _distances[i] = _distances[parent];
            _offsets[i] = _offsets[parent];
            i = parent;
        }

        _distances[i] = distance;
        _offsets[i] = offset;
    }

    private void ReplaceRoot(float distance, uint offset) => SiftDown(0, distance, offset);

    private void SiftDown(int i, float distance, uint offset)
    {
        int n = _count;
        while (true)
        {
            int child = (2 * i) + 1;
            if (child >= n)
            {
                break;
            }

            if (child + 1 < n && _distances[child + 1] > _distances[child])
            {
                child++;
            }

            if (_distances[child] <= distance)
            {
                break;
            }

            _distances[i] = _distances[child];
            _offsets[i] = _offsets[child];
            i = child;
        }

        _distances[i] = distance;
        _offsets[i] = offset;
    }
}
