using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using VectorEngine.Filters;
using VectorEngine.Quantization.Ivf;
using VectorEngine.Quantization.Product;
using VectorEngine.Tests.TestKit;
using VectorEngine.Tiers.Tests.Support;

namespace VectorEngine.Tiers.Tests;

/// <summary>
/// Warm segments' candidates are pooled over the search and rescored together, nearest code distance first, until the
/// rest cannot get in: the answers carry exact scores, keep the hot recall, and honour limits, thresholds and filters.
/// </summary>
public sealed class WarmRescoringTests(WarmRescoringTests.WarmCollection warm) : IClassFixture<WarmRescoringTests.WarmCollection>
{
    [Theory]
    [InlineData("int8")]
    [InlineData("pq")]
    [InlineData("ivf-sq8")]
    public void Warm_answers_carry_exact_scores_and_keep_the_hot_recall(string quantizer)
    {
        using var db = new TieredDatabase(o => o.UseIvf());
        string name = $"pooled-{quantizer}";
        Collection collection = db.Create(name, 3300, Spec(quantizer));
        List<(PointId Id, float[] Vector)> all = [.. TieredDatabase.PointsFor(3300, 7).Select(p => (p.Id, p.Vector))];
        float[][] queries = Data.RandomVectors(17, 40, TieredDatabase.Dim);
        double hot = Recall(collection, queries, all);
        foreach (SegmentTierInfo segment in collection.GetSegmentTiers())
        {
            collection.MoveSegment(segment.SegmentId, SegmentTier.Warm);
        }

        Assert.Equal(5, collection.GetSegmentTiers().Count(s => s.Tier == SegmentTier.Warm));
        long rows = 0;
        using var listener = new System.Diagnostics.Metrics.MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Name == "vectorengine.tiers.warm_rows_rescored")
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<long>((_, value, tags, _) =>
        {
            foreach (KeyValuePair<string, object?> tag in tags)
            {
                if (tag.Value as string == name)
                {
                    Interlocked.Add(ref rows, value);
                }
            }
        });
        listener.Start();
        double warmRecall = Recall(collection, queries, all);
        listener.Dispose();

        // The pooled path read the rows: at least the limit per query, at most five segments x k x oversampling (8 at most).
        Assert.InRange(rows / (double)queries.Length, 10, 5 * 10 * 8);
        Assert.True(warmRecall >= hot - 0.03, $"{quantizer}: warm recall {warmRecall:F3}, hot {hot:F3}");
        foreach (float[] q in queries)
        {
            AssertExactScores(collection.Search(new SearchRequest(q, 10) { WithPayload = false, WithVector = true }), q);
        }
    }

    [Fact]
    public void Without_rescoring_warm_segments_answer_with_code_distances()
    {
        float[] q = Data.RandomVectors(3, 1, TieredDatabase.Dim)[0];
        SearchResults codes = warm.Collection.Search(new SearchRequest(q, 10) { Params = new SearchParams { Rescore = false }, WithVector = true });
        Assert.Equal(10, codes.Count);

        // Codes approximate: some score differs from the exact one (the check above is not vacuous).
        Assert.Contains(codes, h => Math.Abs(h.Score - Exact(q, h.Vector!)) > 1e-3f);
        AssertExactScores(warm.Collection.Search(new SearchRequest(q, 10) { WithVector = true }), q);
    }

    [Fact]
    public void A_warm_vector_file_cut_short_is_reported_as_corrupt_and_never_scored()
    {
        using var db = new TieredDatabase();
        Collection collection = db.Create("cut", 1300, Spec("pq"));
        foreach (SegmentTierInfo segment in collection.GetSegmentTiers())
        {
            collection.MoveSegment(segment.SegmentId, SegmentTier.Warm);
        }

        // A disk that lost the files' tails: the header and four rows are left. Rescoring reads rows with positional
        // reads (the mapping is not touched by a search without vectors), so a row past the end is a typed error.
        string[] files = [.. Directory.EnumerateFiles(db.Path, "vectors.bin", SearchOption.AllDirectories)];
        Assert.Equal(2, files.Length);
        foreach (string file in files)
        {
            using FileStream stream = File.Open(file, FileMode.Open, FileAccess.ReadWrite, FileShare.ReadWrite | FileShare.Delete);
            stream.SetLength(64 + (4 * 32 * sizeof(float)));
        }

        float[] q = Data.RandomVectors(3, 1, TieredDatabase.Dim)[0];
        var error = Assert.Throws<DataCorruptionException>(() => collection.Search(new SearchRequest(q, 10) { WithPayload = false }));
        Assert.Contains("ends inside row", error.Message);
    }

    /// <summary>
    /// Any limit, oversampling, score threshold and filter: the answer is at most the limit, nearest first, each point
    /// once, each with its exact score, inside the threshold and passing the filter; and unfiltered, unthresholded
    /// searches fill the limit.
    /// </summary>
    [Property(MaxTest = 60)]
    public Property Pooled_answers_honour_limit_threshold_and_filter()
    {
        Gen<(int Seed, int Limit, int Oversampling, int Threshold, int Group)> cases =
            from seed in Gen.Choose(0, 10_000)
            from limit in Gen.Choose(1, 40)
            from oversampling in Gen.Choose(0, 6)
            from threshold in Gen.Choose(0, 3)
            from kept in Gen.Choose(-1, 4)
            select (seed, limit, oversampling, threshold, kept);
        return Prop.ForAll(cases.ToArbitrary(), c =>
        {
            float[] q = Data.RandomVectors(c.Seed, 1, TieredDatabase.Dim)[0];

            // Thresholds at the exact 1st, 5th and 20th nearest scores: some cut inside the limit, some beyond it.
            float? threshold = c.Threshold == 0 ? null : warm.ExactScores(q)[(c.Threshold switch { 1 => 1, 2 => 5, _ => 20 }) - 1];
            var request = new SearchRequest(q, c.Limit)
            {
                Params = new SearchParams { Oversampling = c.Oversampling == 0 ? null : c.Oversampling },
                ScoreThreshold = threshold,
                Filter = c.Group < 0 ? null : new Filter { Must = { Condition.Match("group", $"g{c.Group}") } },
                WithPayload = true,
                WithVector = true,
            };
            SearchResults hits = warm.Collection.Search(request);
            Assert.InRange(hits.Count, 0, c.Limit);
            Assert.Equal(hits.Count, hits.Select(h => h.Id).Distinct().Count());
            // L2 scores are squared distances: smaller is nearer.
            Assert.True(hits.Zip(hits.Skip(1)).All(p => p.First.Score <= p.Second.Score), "nearest first");
            AssertExactScores(hits, q);
            Assert.All(hits, h => Assert.True(threshold is null || h.Score <= threshold.Value + 1e-4f));
            Assert.All(hits, h => Assert.True(c.Group < 0 || h.Payload!["group"].AsString == $"g{c.Group}"));
            if (threshold is null && c.Group < 0)
            {
                Assert.Equal(c.Limit, hits.Count);
            }
        });
    }

    private static IndexSpec Spec(string quantizer) => quantizer == "ivf-sq8"
        ? IvfOptionsExtensions.Spec(new IvfParameters { Encoding = IvfEncoding.Sq8, NList = 16, NProbe = 6 })
        : Hnsw.HnswOptionsExtensions.Spec(new Hnsw.HnswParameters
        {
            M = 8,
            EfConstruction = 64,
            Ef = 64,
            Quantizer = quantizer == "pq" ? new PqParameters { SubQuantizers = 8 } : new Int8Parameters(),
        });

    private static float Exact(float[] q, float[] v) => DistanceMetric.L2.ToScore((float)BruteForce.Distance(DistanceMetric.L2, q, v));

    private static void AssertExactScores(SearchResults hits, float[] q)
    {
        foreach (ScoredPoint hit in hits)
        {
            float exact = Exact(q, hit.Vector!);
            Assert.True(Math.Abs(hit.Score - exact) <= 1e-4f * Math.Max(1, Math.Abs(exact)), $"{hit.Id}: score {hit.Score}, exact {exact}");
        }
    }

    private static double Recall(Collection collection, float[][] queries, List<(PointId Id, float[] Vector)> all)
    {
        int found = 0;
        foreach (float[] q in queries)
        {
            HashSet<PointId> truth = [.. BruteForce.TopK(DistanceMetric.L2, q, all, 10).Select(t => t.Id)];
            found += collection.Search(new SearchRequest(q, 10) { WithPayload = false }).Count(h => truth.Contains(h.Id));
        }

        return found / (queries.Length * 10.0);
    }

    /// <summary>Five warm segments on PQ codes and a mutable one, shared by the property's cases.</summary>
    public sealed class WarmCollection : IDisposable
    {
        private readonly TieredDatabase _db = new();
        private readonly List<(PointId Id, float[] Vector)> _all = [.. TieredDatabase.PointsFor(3300, 11).Select(p => (p.Id, p.Vector))];

        public WarmCollection()
        {
            Collection = _db.Create("c", 3300, Spec("pq"), seed: 11);
            foreach (SegmentTierInfo segment in Collection.GetSegmentTiers())
            {
                Collection.MoveSegment(segment.SegmentId, SegmentTier.Warm);
            }
        }

        public Collection Collection { get; }

        /// <summary>Every point's exact score (squared distance) for <paramref name="q"/>, nearest first.</summary>
        public float[] ExactScores(float[] q) => [.. _all.Select(p => Exact(q, p.Vector)).Order()];

        public void Dispose() => _db.Dispose();
    }
}
