using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace VectorEngine.Hnsw.Search;

/// <summary>
/// The beam of an unfiltered layer-0 search as one sorted array (DiskANN's neighbour priority queue) instead of
/// hnswlib's two heaps: the best <c>ef</c> nodes seen, closest first, each marked once expanded. The next node to
/// expand is the closest unexpanded one, and the search ends when every kept node is expanded — the same expansions
/// as the two-heap search, but a node that can no longer make the beam is never queued, and the results come out
/// sorted.
/// </summary>
internal sealed class BeamBuffer
{
    /// <summary>Set in a kept node's id once it has been expanded (segment offsets stay below 2^31).</summary>
    private const uint ExpandedBit = 1u << 31;

    private Scored[] _items = new Scored[64];
    private int _count;
    private int _capacity;
    private int _cursor;

    /// <summary>Nodes kept.</summary>
    public int Count => _count;

    /// <summary>The kept nodes, closest first; ids carry no mark (read after the search).</summary>
    public ReadOnlySpan<Scored> Items => _items.AsSpan(0, _count);

    /// <summary>The distance a node must beat to enter a full beam.</summary>
    public float Bound => _count < _capacity ? float.MaxValue : _items[_count - 1].Distance;

    /// <summary>Starts a search that keeps the best <paramref name="ef"/>.</summary>
    public void Reset(int ef)
    {
        if (_items.Length < ef + 1)
        {
            _items = new Scored[Math.Max(ef + 1, _items.Length * 2)];
        }

        _capacity = ef;
        _count = 0;
        _cursor = 0;
    }

    /// <summary>Inserts a node that beats <see cref="Bound"/> (callers test it first), dropping the farthest when full.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Insert(float distance, uint node)
    {
        ref Scored items = ref MemoryMarshal.GetArrayDataReference(_items);

        // Shift the farther ones right by one; the slot past the end exists (the array holds ef + 1).
        int i = _count;
        while (i > 0 && Unsafe.Add(ref items, i - 1).Distance > distance)
        {
            Unsafe.Add(ref items, i) = Unsafe.Add(ref items, i - 1);
            i--;
        }

        Unsafe.Add(ref items, i) = new Scored(distance, node);
        if (_count < _capacity)
        {
            _count++;
        }

        if (i < _cursor)
        {
            _cursor = i;
        }
    }

    /// <summary>Takes the closest unexpanded node and marks it expanded; false when every kept node is expanded.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool TryNext(out uint node)
    {
        ref Scored items = ref MemoryMarshal.GetArrayDataReference(_items);
        while (_cursor < _count)
        {
            ref Scored item = ref Unsafe.Add(ref items, _cursor++);
            if ((item.Node & ExpandedBit) == 0)
            {
                node = item.Node;
                item = new Scored(item.Distance, node | ExpandedBit);
                return true;
            }
        }

        node = 0;
        return false;
    }

    /// <summary>The closest unexpanded node after the one <see cref="TryNext"/> returned, or false (for prefetching).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool PeekNext(out uint node)
    {
        ref Scored items = ref MemoryMarshal.GetArrayDataReference(_items);
        for (int i = _cursor; i < _count; i++)
        {
            uint n = Unsafe.Add(ref items, i).Node;
            if ((n & ExpandedBit) == 0)
            {
                node = n;
                return true;
            }
        }

        node = 0;
        return false;
    }

    /// <summary>Clears the expanded marks once the search is done, so <see cref="Items"/> holds plain ids.</summary>
    public void Finish()
    {
        Span<Scored> items = _items.AsSpan(0, _count);
        for (int i = 0; i < items.Length; i++)
        {
            items[i] = new Scored(items[i].Distance, items[i].Node & ~ExpandedBit);
        }
    }
}
