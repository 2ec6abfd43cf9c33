using System.Numerics;
using System.Runtime.CompilerServices;

namespace VectorEngine.Indexing;

/// <summary>A growable bitset over segment offsets (tombstones, filter allow-lists).</summary>
public sealed class Bitset
{
    private ulong[] _words;
    private int _setCount;

    /// <summary>Creates a bitset that can hold <paramref name="capacity"/> bits without growing.</summary>
    /// <param name="capacity">Initial capacity in bits.</param>
    public Bitset(int capacity = 0)
    {
        _words = new ulong[(capacity + 63) >> 6];
    }

    internal Bitset(ulong[] words)
    {
        _words = words;
        foreach (ulong w in words)
        {
            _setCount += BitOperations.PopCount(w);
        }
    }

    /// <summary>True when no bit is set (kept as bits are set, so a search can ask it per call).</summary>
    public bool IsEmpty => Volatile.Read(ref _setCount) == 0;

    /// <summary>Number of set bits.</summary>
    public int PopCount => Volatile.Read(ref _setCount);

    internal ulong[] Words => _words;

    /// <summary>True when bit <paramref name="index"/> is set; bits beyond the capacity read as clear.</summary>
    /// <param name="index">The bit.</param>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool Get(uint index)
    {
        ulong[] words = _words;
        uint w = index >> 6;
        return w < (uint)words.Length && (words[w] & (1UL << (int)(index & 63))) != 0;
    }

    /// <summary>Grows to hold <paramref name="bits"/> bits, so setting any of them later writes in place.</summary>
    /// <param name="bits">The capacity in bits.</param>
    internal void EnsureCapacity(int bits)
    {
        int words = (bits + 63) >> 6;
        if (words > _words.Length)
        {
            Array.Resize(ref _words, words);
        }
    }

    /// <summary>Sets bit <paramref name="index"/>, growing as needed.</summary>
    /// <param name="index">The bit.</param>
    /// <returns>True when the bit was clear before.</returns>
    public bool Set(uint index)
    {
        int w = (int)(index >> 6);
        if (w >= _words.Length)
        {
            Array.Resize(ref _words, Math.Max(w + 1, _words.Length * 2));
        }

        ulong mask = 1UL << (int)(index & 63);
        bool wasClear = (_words[w] & mask) == 0;
        _words[w] |= mask;
        if (wasClear)
        {
            // Written after the bit: a search that reads the count as zero before the bit lands sees the same state
            // as one that read the bit itself a moment earlier.
            Volatile.Write(ref _setCount, _setCount + 1);
        }

        return wasClear;
    }

    /// <summary>A copy of this bitset.</summary>
    public Bitset Clone() => new((ulong[])_words.Clone());
}
