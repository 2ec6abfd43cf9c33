using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace VectorEngine.Hnsw.Search;

/// <summary>A scored node.</summary>
/// <param name="Distance">Internal distance to the query (smaller is closer).</param>
/// <param name="Node">The node's offset.</param>
[StructLayout(LayoutKind.Sequential)]
internal readonly record struct Scored(float Distance, uint Node);

/// <summary>Heap order: which of two distances comes out first.</summary>
internal interface IHeapOrder
{
    static abstract bool Before(float a, float b);
}

/// <summary>Closest first: the candidate queue of a layer search.</summary>
internal readonly struct ClosestFirst : IHeapOrder
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool Before(float a, float b) => a < b;
}

/// <summary>Farthest first: the bounded result set, whose root is the worst kept result.</summary>
internal readonly struct FarthestFirst : IHeapOrder
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool Before(float a, float b) => a > b;
}

/// <summary>
/// A binary heap of <see cref="Scored"/> specialised per order by the JIT (a struct type argument), reused across
/// searches: <see cref="Clear"/> keeps the array, so a warm search allocates nothing.
/// </summary>
internal sealed class DistanceHeap<TOrder>
    where TOrder : struct, IHeapOrder
{
    private Scored[] _items = new Scored[64];
    private int _count;

    public int Count => _count;

    public Scored Top => _items[0];

    public void Clear() => _count = 0;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Push(float distance, uint node)
    {
        if (_count == _items.Length)
        {
            Array.Resize(ref _items, _items.Length * 2);
        }

        ref Scored items = ref MemoryMarshal.GetArrayDataReference(_items);
        int i = _count++;
        while (i > 0)
        {
            int parent = (i - 1) >> 1;
            Scored p = Unsafe.Add(ref items, parent);
            if (!TOrder.Before(distance, p.Distance))
            {
                break;
            }

            Unsafe.Add(ref items, i) = p;
            i = parent;
        }

        Unsafe.Add(ref items, i) = new Scored(distance, node);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Scored Pop()
    {
        ref Scored items = ref MemoryMarshal.GetArrayDataReference(_items);
        Scored top = items;
        int n = --_count;
        if (n > 0)
        {
            SiftDown(ref items, Unsafe.Add(ref items, n), n);
        }

        return top;
    }

    /// <summary>Replaces the root (cheaper than Pop then Push when the heap is full).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void ReplaceTop(float distance, uint node) =>
        SiftDown(ref MemoryMarshal.GetArrayDataReference(_items), new Scored(distance, node), _count);

    /// <summary>The held items in heap order (no particular sort).</summary>
    public ReadOnlySpan<Scored> Items => _items.AsSpan(0, _count);

    private static void SiftDown(ref Scored items, Scored moving, int n)
    {
        int i = 0;
        while (true)
        {
            int child = (2 * i) + 1;
            if (child >= n)
            {
                break;
            }

            Scored c = Unsafe.Add(ref items, child);
            if (child + 1 < n)
            {
                Scored right = Unsafe.Add(ref items, child + 1);
                if (TOrder.Before(right.Distance, c.Distance))
                {
                    child++;
                    c = right;
                }
            }

            if (!TOrder.Before(c.Distance, moving.Distance))
            {
                break;
            }

            Unsafe.Add(ref items, i) = c;
            i = child;
        }

        Unsafe.Add(ref items, i) = moving;
    }
}
