using FsCheck;
using FsCheck.Fluent;
using VectorEngine.Sharding.Placement;

namespace VectorEngine.Sharding.Tests;

/// <summary>The ring's laws: one owner per key, independent of member order; a join or a leave moves only its own arcs.</summary>
public class HashRingTests
{
    /// <summary>1 to 12 distinct node names; shrinks towards fewer, shorter names.</summary>
    private static readonly Gen<string[]> NodeSets =
        Gen.Choose(0, 999).Select(i => "node-" + i).ArrayOf().Select(a => a.Distinct().ToArray()).Where(a => a.Length is >= 1 and <= 12);

    private static readonly Config Quick = Config.QuickThrowOnFailure.WithMaxTest(60);

    [Fact]
    public void Every_key_has_exactly_the_owner_of_the_first_position_at_or_after_it()
    {
        Prop.ForAll(NodeSets.ToArbitrary(), Gen.Choose(0, int.MaxValue).ToArbitrary(), (nodes, seed) =>
        {
            var ring = new HashRing(nodes, 64);
            (ulong[] positions, string[] owners) = ring.Arcs();
            foreach (ulong key in Keys(seed, 500).Concat(positions.Take(20)).Append(0UL).Append(ulong.MaxValue))
            {
                int first = Array.FindIndex(positions, p => p >= key);
                string expected = owners[first < 0 ? 0 : first];
                if (ring.Owner(key) != expected || ring.Walk(key).First() != expected)
                {
                    return false.Label($"key {key}: owner {ring.Owner(key)}, expected {expected}");
                }
            }

            return ring.Walk(0).Order(StringComparer.Ordinal).SequenceEqual(nodes.Order(StringComparer.Ordinal)).Label("Walk meets every member once");
        }).Check(Quick);
    }

    [Fact]
    public void The_ring_is_a_pure_function_of_the_member_set()
    {
        Prop.ForAll(NodeSets.ToArbitrary(), Gen.Choose(0, int.MaxValue).ToArbitrary(), (nodes, seed) =>
        {
            var ring = new HashRing(nodes, 64);
            var shuffled = new HashRing(nodes.OrderBy(_ => new Random(seed).Next()).Reverse(), 64);
            return Keys(seed, 500).All(k => ring.Owner(k) == shuffled.Owner(k));
        }).Check(Quick);
    }

    [Fact]
    public void Adding_a_node_moves_about_one_nth_of_the_ring_and_only_to_the_new_node()
    {
        Prop.ForAll(NodeSets.ToArbitrary(), Gen.Choose(0, int.MaxValue).ToArbitrary(), (nodes, seed) =>
        {
            string joining = "joining-" + seed % 1000;
            var before = new HashRing(nodes);
            var after = new HashRing(nodes.Append(joining));
            foreach (ulong key in Keys(seed, 2_000))
            {
                string was = before.Owner(key), now = after.Owner(key);
                if (was != now && now != joining)
                {
                    return false.Label($"key {key} moved from {was} to {now}, not to the joining node");
                }
            }

            // The moved part of the ring is exactly the joining node's share; it is 1/(N+1) within ±20%.
            double moved = after.Shares()[joining];
            double expected = 1.0 / (nodes.Length + 1);
            return (Math.Abs(moved - expected) <= 0.2 * expected).Label($"moved {moved:F4} of the ring, expected {expected:F4} ± 20%");
        }).Check(Quick);
    }

    [Fact]
    public void Removing_a_node_moves_only_its_ranges()
    {
        Prop.ForAll(NodeSets.Where(n => n.Length >= 2).ToArbitrary(), Gen.Choose(0, int.MaxValue).ToArbitrary(), (nodes, seed) =>
        {
            string leaving = nodes[seed % nodes.Length];
            var before = new HashRing(nodes);
            var after = new HashRing(nodes.Where(n => n != leaving));
            return Keys(seed, 2_000).All(key => before.Owner(key) == leaving ? after.Owner(key) != leaving : after.Owner(key) == before.Owner(key));
        }).Check(Quick);
    }

    [Fact]
    public void Members_must_be_distinct_and_non_empty()
    {
        Assert.Throws<ArgumentException>(() => new HashRing([]));
        Assert.Throws<ArgumentException>(() => new HashRing(["a", "a"]));
        Assert.Throws<ArgumentException>(() => new HashRing(["a", ""]));
        Assert.Throws<ArgumentOutOfRangeException>(() => new HashRing(["a"], 0));
    }

    private static IEnumerable<ulong> Keys(int seed, int count)
    {
        var random = new Random(seed);
        for (int i = 0; i < count; i++)
        {
            yield return (ulong)random.NextInt64() ^ ((ulong)random.Next(2) << 63);
        }
    }
}
