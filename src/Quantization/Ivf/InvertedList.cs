namespace VectorEngine.Quantization.Ivf;

/// <summary>
/// One inverted list: the segment offsets of its vectors and, for PQ, their codes (contiguous, so a scan reads
/// memory in order) and one float term per entry. Entries are appended by a single writer while searches read: a
/// full list is copied into a larger one and swapped in, so a reader holds either the old arrays or the new.
/// </summary>
internal sealed class InvertedList
{
    private int _count;

    /// <summary>Creates a list with room for <paramref name="capacity"/> entries of <paramref name="codeBytes"/> bytes.</summary>
    public InvertedList(int capacity, int codeBytes, bool terms)
    {
        capacity = Math.Max(capacity, 4);
        CodeBytes = codeBytes;
        Offsets = new uint[capacity];
        Codes = new byte[(long)capacity * codeBytes];
        Terms = terms ? new float[capacity] : [];
    }

    /// <summary>Entries published to readers.</summary>
    public int Count => Volatile.Read(ref _count);

    /// <summary>Code bytes per entry (0 when entries are read from the float store).</summary>
    public int CodeBytes { get; }

    /// <summary>Segment offsets.</summary>
    public uint[] Offsets { get; }

    /// <summary>Codes, <see cref="CodeBytes"/> per entry.</summary>
    public byte[] Codes { get; }

    /// <summary>Per-entry float terms (PQ with L2), or empty.</summary>
    public float[] Terms { get; }

    /// <summary>Room before the list must grow.</summary>
    public int Capacity => Offsets.Length;

    /// <summary>Bytes held.</summary>
    public long MemoryBytes => (4L * Offsets.Length) + Codes.Length + (4L * Terms.Length);

    /// <summary>Publishes the first <paramref name="count"/> entries of a list filled directly (a loaded file).</summary>
    public void Publish(int count) => Volatile.Write(ref _count, count);

    /// <summary>
    /// Appends an entry, returning the list that holds it: this one, or a larger copy the caller must publish in its
    /// place. Only one thread appends.
    /// </summary>
    public InvertedList Append(uint offset, ReadOnlySpan<byte> code, float term)
    {
        InvertedList target = this;
        int count = _count;
        if (count == Capacity)
        {
            target = new InvertedList(Capacity * 2, CodeBytes, Terms.Length > 0);
            Offsets.AsSpan(0, count).CopyTo(target.Offsets);
            Codes.AsSpan(0, count * CodeBytes).CopyTo(target.Codes);
            Terms.AsSpan(0, Math.Min(count, Terms.Length)).CopyTo(target.Terms);
        }

        target.Offsets[count] = offset;
        code.CopyTo(target.Codes.AsSpan(count * CodeBytes, CodeBytes));
        if (target.Terms.Length > 0)
        {
            target.Terms[count] = term;
        }

        // The entry is written before the count that makes it visible.
        Volatile.Write(ref target._count, count + 1);
        return target;
    }
}
