using VectorEngine.Filters;
using VectorEngine.Tests.Collections;

namespace VectorEngine.Tests.Text;

public sealed class HybridQueryTests
{
    [Fact]
    public void RRF_sums_weight_over_k_plus_rank_and_keeps_each_stages_own_scores_and_ranks()
    {
        using var t = new TestDatabase(o => o.MaxMutableSegmentPoints = 3);
        Collection c = Jobs(t);

        // Dense ranks 1, 2, 3, ... by distance to (0, 0); BM25 for "rust" ranks the two rust postings.
        IReadOnlyList<ScoredPoint> dense = c.Search(new SearchRequest([0, 0], 3) { WithPayload = false });
        IReadOnlyList<ScoredPoint> text = c.SearchText(new TextSearchRequest("body", "rust", 3) { WithPayload = false });
        IReadOnlyList<FusedPoint> fused = c.Query(new HybridQuery(5, new VectorPrefetch([0, 0], 3), new TextPrefetch("body", "rust", 3) { Weight = 2 }));

        var expected = new Dictionary<PointId, double>();
        for (int r = 0; r < dense.Count; r++)
        {
            expected[dense[r].Id] = expected.GetValueOrDefault(dense[r].Id) + (1.0 / (60 + r + 1));
        }

        for (int r = 0; r < text.Count; r++)
        {
            expected[text[r].Id] = expected.GetValueOrDefault(text[r].Id) + (2.0 / (60 + r + 1));
        }

        Assert.Equal(expected.OrderByDescending(e => e.Value).ThenBy(e => e.Key).Select(e => e.Key), fused.Select(f => f.Id));
        foreach (FusedPoint point in fused)
        {
            Assert.Equal(expected[point.Id], point.Score, 12);
            int denseRank = dense.Select(h => h.Id).ToList().IndexOf(point.Id) + 1;
            Assert.Equal(denseRank, point.StageRanks[0]);
            Assert.Equal(denseRank == 0 ? null : dense[denseRank - 1].Score, point.StageScores[0]);
            Assert.NotNull(point.Payload);
        }
    }

    [Fact]
    public void Weighted_scores_scale_each_stage_to_0_1_and_a_stage_filter_applies_to_that_stage_only()
    {
        using var t = new TestDatabase();
        Collection c = Jobs(t);
        var onlyLisbon = new Filter { Must = { Condition.Match("city", "lisbon") } };
        IReadOnlyList<FusedPoint> fused = c.Query(new HybridQuery(
            10,
            new VectorPrefetch([0, 0], 10) { Filter = onlyLisbon },
            new TextPrefetch("body", "rust engineer", 10))
        { Fusion = Fusion.WeightedScores() });

        // The dense stage saw Lisbon only; its best point scores 1 from it, its worst 0.
        Assert.All(fused.Where(f => f.StageRanks[0] > 0), f => Assert.Equal("lisbon", f.Payload!["city"].AsString));
        FusedPoint top = fused[0];
        Assert.True(top.Score <= 2 && fused[^1].Score >= 0);
        foreach (FusedPoint f in fused)
        {
            double expected = 0;
            expected += f.StageRanks[0] == 0 ? 0 : Normalised(fused, f, 0, lowerIsBetter: true);
            expected += f.StageRanks[1] == 0 ? 0 : Normalised(fused, f, 1, lowerIsBetter: false);
            Assert.Equal(expected, f.Score, 6);
        }

        // A query-wide filter applies to every stage.
        IReadOnlyList<FusedPoint> berlin = c.Query(new HybridQuery(10, new VectorPrefetch([0, 0], 10), new TextPrefetch("body", "rust", 10))
        {
            Filter = new Filter { Must = { Condition.Match("city", "berlin") } },
        });
        Assert.All(berlin, f => Assert.Equal("berlin", f.Payload!["city"].AsString));
    }

    [Fact]
    public void Bad_hybrid_queries_are_refused_with_typed_errors()
    {
        using var t = new TestDatabase();
        Collection c = Jobs(t);
        Assert.Throws<VectorEngineArgumentException>(() => c.Query(new HybridQuery(10)));
        Assert.Throws<VectorEngineArgumentException>(() => c.Query(new HybridQuery(0, new VectorPrefetch([0, 0], 10))));
        Assert.Throws<VectorEngineArgumentException>(() => c.Query(new HybridQuery(10, new VectorPrefetch([0, 0], 10) { Weight = 0 })));
        Assert.Throws<VectorEngineArgumentException>(() => c.Query(new HybridQuery(10, new VectorPrefetch([0, 0], 10)) { Fusion = Fusion.Rrf(0) }));
        Assert.Throws<DimensionMismatchException>(() => c.Query(new HybridQuery(10, new VectorPrefetch([0, 0, 0], 10))));
        Assert.Throws<VectorEngineArgumentException>(() => c.Query(new HybridQuery(10, new TextPrefetch("city", "rust", 10))));
        Assert.Throws<VectorEngineArgumentException>(() => c.Query(new HybridQuery(10, Enumerable.Range(0, 9).Select(_ => (Prefetch)new VectorPrefetch([0, 0], 1)).ToArray())));
    }

    private static double Normalised(IReadOnlyList<FusedPoint> fused, FusedPoint point, int stage, bool lowerIsBetter)
    {
        var scores = fused.Where(f => f.StageRanks[stage] > 0).Select(f => (double)f.StageScores[stage]!.Value * (lowerIsBetter ? -1 : 1)).ToList();
        double best = scores.Max(), worst = scores.Min();
        double mine = point.StageScores[stage]!.Value * (lowerIsBetter ? -1 : 1);
        return best > worst ? (mine - worst) / (best - worst) : 1;
    }

    private static Collection Jobs(TestDatabase t)
    {
        Collection c = t.Db.CreateCollection("jobs", new CollectionOptions(2, DistanceMetric.L2)
        {
            PayloadIndexes = { ["body"] = PayloadIndexType.Text, ["city"] = PayloadIndexType.Keyword },
        });
        string[] bodies = ["Rust engineer", "Kotlin developer", "Senior Rust engineer, systems", "Data analyst", "Go platform engineer", "ML engineer", "Rust and Go"];
        string[] cities = ["berlin", "lisbon", "lisbon", "berlin", "lisbon", "berlin", "lisbon"];
        c.Upsert(bodies.Select((b, i) => new Point((ulong)i, [i, i % 3], new Payload { ["body"] = b, ["city"] = cities[i] })).ToList());
        return c;
    }
}
