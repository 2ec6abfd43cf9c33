using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace VectorEngine.Hnsw.Search;

/// <summary>
/// Which nodes a search has seen, as hnswlib's VisitedList: a mark per node and a generation number, so starting a new
/// search is one increment instead of clearing the array (cleared only when the 16-bit generation wraps).
/// </summary>
internal sealed class VisitedSet
{
    private ushort[] _marks = [];
    private ushort _generation;
    private uint _limit;

    /// <summary>
    /// Starts a new search over nodes [0, <paramref name="capacity"/>). Nodes at or past it (inserted after the search
    /// began) read as already visited, so a search never follows a link to a node it has no vector or mark for.
    /// </summary>
    public void Reset(int capacity)
    {
        _limit = (uint)capacity;
        if (_marks.Length < capacity)
        {
            _marks = new ushort[capacity];
            _generation = 0;
        }

        if (++_generation == 0)
        {
            Array.Clear(_marks);
            _generation = 1;
        }
    }

    /// <summary>Marks <paramref name="node"/>; false when it was already marked in this search.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool TryVisit(uint node)
    {
        if (node >= _limit)
        {
            return false;
        }

        ref ushort mark = ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(_marks), node);
        if (mark == _generation)
        {
            return false;
        }

        mark = _generation;
        return true;
    }

    /// <summary>Bytes held.</summary>
    public long Bytes => (long)_marks.Length * sizeof(ushort);
}
