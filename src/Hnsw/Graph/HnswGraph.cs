using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace VectorEngine.Hnsw.Graph;

/// <summary>
/// The link structure of an HNSW graph, addressed by the segment's uint32 offsets. Layer 0 (where almost all search
/// time goes) is one fixed-stride block: per node a count followed by up to 2·M links, so a node's list is one
/// multiplication away and usually one or two cache lines. Upper layers, which only ~1/M of the nodes have, live in a
/// side arena indexed by <see cref="_upperStart"/>. Vectors are not here: they stay in the segment's 64-byte-aligned
/// store under the same offset.
/// </summary>
/// <remarks>
/// Writers publish a list by storing its links first and its count last (a release write), so a lock-free reader sees
/// a prefix of valid node ids. Replacing a full list (pruning) may let a concurrent reader see a mix of old and new
/// links; both are real neighbours, which is all a search needs (hnswlib's searches read the same way).
/// </remarks>
internal sealed class HnswGraph
{
    /// <summary>No entry point yet.</summary>
    public const uint NoNode = uint.MaxValue;

    private uint[] _level0;
    private byte[] _levels;
    private byte[] _ready;
    private int[] _upperStart;
    private uint[] _upper;
    private int _upperUsed;
    private long _entry;

    public HnswGraph(int m, int capacity)
    {
        M = m;
        MaxM0 = 2 * m;
        Stride0 = 1 + MaxM0;
        UpperStride = 1 + m;
        _level0 = AllocateLinks((long)capacity * Stride0);
        _levels = new byte[capacity];
        _ready = new byte[capacity];
        _upperStart = new int[capacity];
        _upper = [];
        Entry = (NoNode, -1);
    }

    /// <summary>Links kept per node on the upper layers.</summary>
    public int M { get; }

    /// <summary>Links kept per node on layer 0 (2·M).</summary>
    public int MaxM0 { get; }

    /// <summary>uints per node in the layer-0 block: the count and 2·M links.</summary>
    public int Stride0 { get; }

    /// <summary>uints per node and upper layer: the count and M links.</summary>
    public int UpperStride { get; }

    /// <summary>Nodes the arrays have room for.</summary>
    public int Capacity => _levels.Length;

    /// <summary>
    /// The node searches start from (one with the highest level, or <see cref="NoNode"/>) and its level (-1 while
    /// empty), published together in one 64-bit write so a reader never pairs a new level with an old node.
    /// </summary>
    public (uint Node, int Level) Entry
    {
        get
        {
            long packed = Volatile.Read(ref _entry);
            return ((uint)packed, (int)(packed >> 32));
        }

        set => Volatile.Write(ref _entry, ((long)value.Level << 32) | value.Node);
    }

    /// <summary>Bytes held by the link arrays.</summary>
    public long MemoryBytes => ((long)_level0.Length * sizeof(uint)) + _levels.Length + ((long)_upperStart.Length * sizeof(int)) + ((long)_upper.Length * sizeof(uint));

    /// <summary>The highest layer of <paramref name="node"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public int LevelOf(uint node) => Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(_levels), node);

    /// <summary>
    /// True once <paramref name="node"/> has finished inserting. Inserts route only through finished nodes: a node still
    /// inserting has empty lists on the layers it has not reached yet, and starting a layer search there would wire the
    /// new node to it alone (hnswlib avoids the same trap by holding the node's lock for its whole insert).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool IsReady(uint node) => Volatile.Read(ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(_ready), node)) != 0;

    /// <summary>Marks <paramref name="node"/> as fully inserted.</summary>
    public void MarkReady(uint node) => Volatile.Write(ref _ready[node], 1);

    /// <summary>
    /// The list of <paramref name="node"/> on <paramref name="layer"/>: element 0 is the count, then the links. The
    /// reference stays valid (it may point into a replaced array after growth, which only <see cref="Grow"/> does and
    /// which the index never runs beside writers).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public ref uint List(uint node, int layer)
    {
        if (layer == 0)
        {
            return ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(_level0), (nint)node * Stride0);
        }

        int start = Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(_upperStart), node) + ((layer - 1) * UpperStride);
        return ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(_upper), start);
    }

    /// <summary>The layer-0 list of <paramref name="node"/>, for the hot search loop.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public ref uint List0(uint node) =>
        ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(_level0), (nint)node * Stride0);

    /// <summary>Capacity of a list on <paramref name="layer"/>.</summary>
    public int MaxLinks(int layer) => layer == 0 ? MaxM0 : M;

    /// <summary>
    /// Gives <paramref name="node"/> its level and reserves its upper-layer lists (empty). Not thread-safe: callers
    /// assign levels before inserting concurrently (builds draw every level up front).
    /// </summary>
    public void AssignLevel(uint node, int level)
    {
        _levels[node] = (byte)level;
        if (level == 0)
        {
            _upperStart[node] = -1;
            return;
        }

        int need = level * UpperStride;
        if (_upperUsed + need > _upper.Length)
        {
            var bigger = AllocateLinks(Math.Max(_upperUsed + need, Math.Max(1024, _upper.Length * 2)));
            _upper.AsSpan(0, _upperUsed).CopyTo(bigger);
            _upper = bigger;
        }

        _upperStart[node] = _upperUsed;
        _upperUsed += need;
    }

    /// <summary>Reserves room for upper-layer lists totalling <paramref name="uints"/>, so a build allocates once.</summary>
    public void ReserveUpper(long uints)
    {
        if (uints > _upper.Length)
        {
            var bigger = AllocateLinks(uints);
            _upper.AsSpan(0, _upperUsed).CopyTo(bigger);
            _upper = bigger;
        }
    }

    /// <summary>
    /// Grows to <paramref name="capacity"/> nodes. Readers holding the old arrays keep a consistent, older graph; the
    /// caller guarantees no writer runs meanwhile.
    /// </summary>
    public void Grow(int capacity)
    {
        if (capacity <= Capacity)
        {
            return;
        }

        var level0 = AllocateLinks((long)capacity * Stride0);
        _level0.AsSpan().CopyTo(level0);
        var levels = new byte[capacity];
        _levels.AsSpan().CopyTo(levels);
        var upperStart = new int[capacity];
        _upperStart.AsSpan().CopyTo(upperStart);
        var ready = new byte[capacity];
        _ready.AsSpan().CopyTo(ready);

        // Publish the larger arrays in the order that keeps every (node < old capacity) lookup valid.
        _upperStart = upperStart;
        _ready = ready;
        _levels = levels;
        _level0 = level0;
    }

    /// <summary>The raw arrays, for persistence.</summary>
    public (uint[] Level0, byte[] Levels, int[] UpperStart, uint[] Upper, int UpperUsed) Raw() =>
        (_level0, _levels, _upperStart, _upper, _upperUsed);

    /// <summary>Rebuilds a graph from persisted arrays.</summary>
    public static HnswGraph FromRaw(int m, uint[] level0, byte[] levels, int[] upperStart, uint[] upper, uint entryPoint, int maxLevel) =>
        new(m, 0)
        {
            _level0 = level0,
            _levels = levels,
            _ready = Enumerable.Repeat((byte)1, levels.Length).ToArray(),
            _upperStart = upperStart,
            _upper = upper,
            _upperUsed = upper.Length,
            Entry = (entryPoint, maxLevel),
        };

    /// <summary>Link arrays go on the pinned heap: large, long-lived, and never worth a compaction.</summary>
    private static uint[] AllocateLinks(long length) => GC.AllocateArray<uint>(checked((int)length), pinned: true);
}
