using FsCheck;
using FsCheck.Fluent;
using VectorEngine.Indexing;

namespace VectorEngine.Tests.Tombstones;

/// <summary>
/// The tombstone bitset's count, which searches read on every call to skip the tombstone test when nothing is deleted.
/// </summary>
public class BitsetTests
{
    [Fact]
    public void The_count_matches_the_bits_set_however_they_were_set()
    {
        // Any sequence of sets (repeats, growth past the capacity): the count is the number of distinct bits, empty only
        // before the first; a copy and a bitset rebuilt from the saved words count the same.
        Prop.ForAll(Gen.Choose(0, 5_000).Select(i => (uint)i).ArrayOf().ToArbitrary(), Gen.Choose(0, 300).ToArbitrary(), (bits, capacity) =>
        {
            var bitset = new Bitset(capacity);
            foreach (uint bit in bits)
            {
                bitset.Set(bit);
            }

            int distinct = bits.Distinct().Count();
            var rebuilt = new Bitset((ulong[])bitset.Words.Clone());
            return (bitset.PopCount == distinct && bitset.IsEmpty == (distinct == 0)
                    && bitset.Clone().PopCount == distinct && rebuilt.PopCount == distinct && rebuilt.IsEmpty == (distinct == 0))
                .Label($"count {bitset.PopCount}, distinct {distinct}");
        }).Check(Config.QuickThrowOnFailure.WithMaxTest(200));
    }

    [Fact]
    public void A_live_filter_accepts_all_only_while_nothing_is_deleted()
    {
        var deleted = new Bitset(10);
        Assert.True(new LiveFilter(deleted).AcceptsAll);
        deleted.Set(3);
        Assert.False(new LiveFilter(deleted).AcceptsAll);
        Assert.False(new LiveFilter(deleted).Accept(3));
        Assert.True(new LiveFilter(deleted).Accept(4));
    }
}
