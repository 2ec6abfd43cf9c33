namespace VectorEngine.PayloadIndexes;

/// <summary>
/// The rows holding one term, in ascending offset order (a segment only appends), each with how often the term occurs
/// there. Parallel arrays so a scorer walks them without indirection.
/// </summary>
internal sealed class TermPostings
{
    private uint[] _offsets = new uint[2];
    private int[] _frequencies = new int[2];

    public int Count { get; private set; }

    public ReadOnlySpan<uint> Offsets => _offsets.AsSpan(0, Count);

    public ReadOnlySpan<int> Frequencies => _frequencies.AsSpan(0, Count);

    public void Add(uint offset, int frequency)
    {
        if (Count == _offsets.Length)
        {
            Array.Resize(ref _offsets, Count * 2);
            Array.Resize(ref _frequencies, Count * 2);
        }

        _offsets[Count] = offset;
        _frequencies[Count] = frequency;
        Count++;
    }

    public bool Contains(uint offset) => Offsets.BinarySearch(offset) >= 0;
}
