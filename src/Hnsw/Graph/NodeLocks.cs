using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace VectorEngine.Hnsw.Graph;

/// <summary>
/// One spin lock per node (an int each), as hnswlib keeps a mutex per node: inserts on different parts of the graph
/// never contend, and a lock is held only while one neighbour list is read or rewritten.
/// </summary>
internal sealed class NodeLocks
{
    private int[] _locks;

    public NodeLocks(int capacity)
    {
        _locks = new int[capacity];
    }

    public void Grow(int capacity)
    {
        if (capacity > _locks.Length)
        {
            // Only called while no insert runs, so no lock is held.
            _locks = new int[capacity];
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Enter(uint node)
    {
        ref int slot = ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(_locks), node);
        if (Interlocked.CompareExchange(ref slot, 1, 0) != 0)
        {
            EnterContended(ref slot);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Exit(uint node) =>
        Volatile.Write(ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(_locks), node), 0);

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void EnterContended(ref int slot)
    {
        var spinner = default(SpinWait);
        do
        {
            spinner.SpinOnce(sleep1Threshold: -1);
        }
        while (Volatile.Read(ref slot) != 0 || Interlocked.CompareExchange(ref slot, 1, 0) != 0);
    }
}
