using FsCheck;
using FsCheck.Fluent;
using VectorEngine.Hnsw.Search;
using VectorEngine.Indexing;

namespace VectorEngine.Hnsw.Tests;

/// <summary>
/// The sorted beam that unfiltered searches and inserts use in place of hnswlib's two heaps: it keeps exactly the best
/// ef, hands out the closest unexpanded node, and a search through it finds what the two-heap search finds.
/// </summary>
public class BeamSearchTests
{
    [Fact]
    public void The_beam_keeps_the_best_ef_sorted_and_expands_closest_first()
    {
        // Interleaved inserts and expansions: after each step the beam holds the ef smallest distances offered so
        // far, sorted, and TryNext returns the closest one not yet expanded.
        Gen<(int Ef, (float Distance, bool Expand)[] Steps)> cases =
            from ef in Gen.Choose(1, 24)
            from steps in Gen.Zip(Gen.Choose(0, 1_000).Select(d => d / 10f), Gen.Elements(false, false, true)).ArrayOf()
            select (ef, steps);
        Prop.ForAll(cases.ToArbitrary(), c =>
        {
            var beam = new BeamBuffer();
            beam.Reset(c.Ef);
            var offered = new List<Scored>();
            var expanded = new HashSet<uint>();
            uint node = 0;
            foreach ((float distance, bool expand) in c.Steps)
            {
                if (expand)
                {
                    List<Scored> kept = offered.OrderBy(s => s.Distance).ThenBy(s => s.Node).Take(c.Ef).ToList();
                    Scored[] waiting = kept.Where(s => !expanded.Contains(s.Node)).ToArray();
                    bool got = beam.TryNext(out uint next);
                    if (got != waiting.Length > 0 || (got && beam.Items.ToArray().Single(s => (s.Node & ~(1u << 31)) == next).Distance != waiting[0].Distance))
                    {
                        return false.Label($"TryNext gave {(got ? next : "nothing")}, expected {(waiting.Length > 0 ? waiting[0] : "nothing")}");
                    }

                    if (got)
                    {
                        expanded.Add(next);
                    }

                    continue;
                }

                if (distance < beam.Bound)
                {
                    beam.Insert(distance, node);
                }

                offered.Add(new Scored(distance, node++));
            }

            beam.Finish();
            float[] expected = offered.Select(s => s.Distance).Order().Take(c.Ef).ToArray();
            float[] actual = beam.Items.ToArray().Select(s => s.Distance).ToArray();
            return expected.SequenceEqual(actual).Label($"kept [{string.Join(", ", actual)}], expected [{string.Join(", ", expected)}]");
        }).Check(Config.QuickThrowOnFailure.WithMaxTest(300));
    }

    [Fact]
    public void An_unfiltered_search_through_the_beam_finds_what_the_two_heap_search_finds()
    {
        // LiveFilter with no tombstone takes the beam; a filter that accepts everything (but is not known to) takes the
        // two heaps. Same graph, same expansions: the same results, with the same distances, at every ef.
        Gen<(int Seed, DistanceMetric Metric, int Dim, int Ef)> cases =
            from seed in Gen.Choose(1, 1_000_000)
            from metric in Gen.Elements(DistanceMetric.L2, DistanceMetric.Cosine, DistanceMetric.InnerProduct)
            from dim in Gen.Elements(5, 16, 40)
            from ef in Gen.Elements(10, 16, 40, 100)
            select (seed, metric, dim, ef);
        Prop.ForAll(cases.ToArbitrary(), c =>
        {
            using var harness = new IndexHarness(c.Metric, c.Dim);
            harness.Append(Clustered.Vectors(c.Seed, 1_500, c.Dim));
            using HnswIndex index = HnswIndex.Build(harness.Store, new HnswParameters { M = 12, EfConstruction = 80 });
            var parameters = new SearchParams { Ef = c.Ef };
            foreach (float[] query in Clustered.Vectors(c.Seed + 1, 20, c.Dim))
            {
                float[] q = harness.Prepare(query);
                var beam = new TopKCollector(10);
                index.Search(q, parameters, new LiveFilter(harness.Deleted), beam);
                var heaps = new TopKCollector(10);
                index.Search(q, parameters, new AcceptEverything(), heaps);
                (float, uint)[] a = Drain(beam), b = Drain(heaps);
                if (!a.SequenceEqual(b))
                {
                    return false.Label($"beam [{string.Join(", ", a)}] vs heaps [{string.Join(", ", b)}] for {c}");
                }
            }

            return true.ToProperty();
        }).Check(Config.QuickThrowOnFailure.WithMaxTest(12));
    }

    [Fact]
    public void A_tombstone_sends_searches_back_to_the_filtered_traversal_and_it_is_never_returned()
    {
        using var harness = new IndexHarness(DistanceMetric.L2, 8);
        harness.Append(Clustered.Vectors(5, 800, 8));
        using HnswIndex index = HnswIndex.Build(harness.Store, new HnswParameters { M = 12, EfConstruction = 80 });
        uint nearest = harness.Search(index, harness.Vectors[42], 1, 32)[0];
        Assert.Equal(42u, nearest);

        harness.Deleted.Set(42);
        Assert.False(harness.Deleted.IsEmpty);
        uint[] after = harness.Search(index, harness.Vectors[42], 10, 32);
        Assert.DoesNotContain(42u, after);
        Assert.Equal(10, after.Length);
    }

    private static (float, uint)[] Drain(TopKCollector collector)
    {
        var distances = new float[collector.K];
        var offsets = new uint[collector.K];
        int n = collector.DrainSorted(distances, offsets);
        return Enumerable.Range(0, n).Select(i => (distances[i], offsets[i])).ToArray();
    }

    private readonly struct AcceptEverything : IOffsetFilter
    {
        public bool Accept(uint offset) => true;
    }
}
