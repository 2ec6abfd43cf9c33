using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using VectorEngine.Filters;
using VectorEngine.Tests.TestKit;

namespace VectorEngine.Tests.Collections;

/// <summary>Every kind of bad input gets a typed exception naming the problem, and nothing is written.</summary>
public sealed class BadInputTests
{
    [Fact]
    public void Each_bad_input_gets_its_typed_error()
    {
        using var t = new TestDatabase();
        Collection c = t.Db.CreateCollection("c", new CollectionOptions(3, DistanceMetric.Cosine) { PayloadIndexes = { ["year"] = PayloadIndexType.Integer } });
        c.Upsert(new Point(1UL, [1, 2, 3]));

        Assert.Equal(2, Assert.Throws<DimensionMismatchException>(() => c.Upsert(new Point(2UL, [1, 2]))).Actual);
        Assert.Contains("NaN", Assert.Throws<InvalidVectorException>(() => c.Upsert(new Point(2UL, [1, float.NaN, 3]))).Message);
        Assert.Throws<InvalidVectorException>(() => c.Upsert(new Point(2UL, [1, float.PositiveInfinity, 3])));
        Assert.Contains("zero vector", Assert.Throws<InvalidVectorException>(() => c.Upsert(new Point(2UL, [0, 0, 0]))).Message);
        Assert.Throws<InvalidVectorException>(() => c.Upsert(new Point(2UL, null!)));
        Assert.Contains("'year'", Assert.Throws<InvalidPayloadException>(() => c.Upsert(new Point(2UL, [1, 1, 1], new Payload { ["year"] = "2024" }))).Message);
        Assert.Throws<InvalidPayloadException>(() => c.Upsert(new Point(2UL, [1, 1, 1], new Payload { ["year"] = new[] { 1.5 } })));
        Assert.Throws<VectorEngineArgumentException>(() => c.Upsert(new Point(default, [1, 1, 1])));
        Assert.Throws<InvalidPayloadException>(() => new Payload { [""] = 1 });
        Assert.Throws<InvalidPayloadException>(() => PayloadValue.From(double.NaN));
        Assert.Throws<VectorEngineArgumentException>(() => new PointId(""));

        Assert.Equal("limit", Assert.Throws<VectorEngineArgumentException>(() => c.Search([1, 1, 1], 0)).ParamName);
        Assert.Throws<VectorEngineArgumentException>(() => c.Search([1, 1, 1], Collection.MaxLimit + 1));
        Assert.Throws<DimensionMismatchException>(() => c.Search([1, 1], 3));
        Assert.Throws<InvalidVectorException>(() => c.Search([1, float.NaN, 1], 3));
        Assert.Throws<VectorEngineArgumentException>(() => c.Search(new SearchRequest([1, 1, 1], 3) { ScoreThreshold = float.NaN }));
        Assert.Throws<VectorEngineArgumentException>(() => c.Scroll(new ScrollRequest { Limit = 0 }));

        Assert.Contains("deeper", Assert.Throws<InvalidFilterException>(() => c.Count(Nest(Filter.MaxDepth + 1))).Message);
        c.Count(Nest(Filter.MaxDepth));
        Assert.Throws<InvalidFilterException>(() => c.Count(new Filter { Must = { Condition.Range("year") } }));
        Assert.Throws<InvalidFilterException>(() => c.Count(new Filter { Must = { Condition.MatchAny("year") } }));
        Assert.Throws<InvalidFilterException>(() => c.Count(new Filter { Must = { Condition.Match("year", 1.5) } }));
        Assert.Throws<InvalidFilterException>(() => c.Count(new Filter { Must = { null! } }));
        Assert.Throws<InvalidFilterException>(() => c.Count(new Filter { Must = null! }));
        Assert.Throws<InvalidFilterException>(() => c.Delete(new Filter { Should = { Condition.IsNull("") } }));

        Assert.Throws<CollectionNotFoundException>(() => t.Db.GetCollection("nope"));
        Assert.Throws<CollectionAlreadyExistsException>(() => t.Db.CreateCollection("c", new CollectionOptions(3, DistanceMetric.L2)));
        Assert.Throws<VectorEngineArgumentException>(() => t.Db.CreateCollection("", new CollectionOptions(3, DistanceMetric.L2)));
        Assert.Throws<VectorEngineArgumentException>(() => t.Db.CreateCollection("../escape", new CollectionOptions(3, DistanceMetric.L2)));
        Assert.Throws<VectorEngineArgumentException>(() => t.Db.CreateCollection("d", new CollectionOptions(0, DistanceMetric.L2)));
        Assert.Throws<VectorEngineArgumentException>(() => t.Db.CreateCollection("d", new CollectionOptions(3, (DistanceMetric)9)));
        Assert.Throws<VectorEngineArgumentException>(() => t.Db.CreateCollection("d", new CollectionOptions(3, DistanceMetric.L2) { Index = new Indexing.IndexSpec("nope", new Dictionary<string, string>()) }));

        Assert.Equal(1, c.Count());
        Assert.Equal(new[] { "c" }, t.Db.ListCollections());
    }

    /// <summary>
    /// Finite components whose squared norm overflows float32: under cosine the vector would be stored unnormalised and
    /// score far above 1 in every query; under L2 every distance to it would be infinite.
    /// </summary>
    [Theory]
    [InlineData(DistanceMetric.Cosine)]
    [InlineData(DistanceMetric.L2)]
    [InlineData(DistanceMetric.InnerProduct)]
    public void A_vector_whose_norm_overflows_is_refused(DistanceMetric metric)
    {
        using var t = new TestDatabase();
        Collection c = t.Db.CreateCollection("c", new CollectionOptions(3, metric));
        c.Upsert(new Point(1UL, [1, 2, 3]));
        Assert.Contains("norm", Assert.Throws<InvalidVectorException>(() => c.Upsert(new Point(2UL, [1e20f, 1, 1]))).Message);
        Assert.Throws<InvalidVectorException>(() => c.Search([1e20f, 1e20f, 1], 1));
        Assert.Equal(1, c.Count());
        Assert.True(c.Search([1, 2, 3], 1)[0].Score is > -1e30f and < 1e30f);
    }

    [Fact]
    public void Search_work_per_call_is_bounded()
    {
        using var t = new TestDatabase();
        Collection c = t.Db.CreateCollection("c", new CollectionOptions(3, DistanceMetric.L2));
        c.Upsert(new Point(1UL, [1, 2, 3]));
        Assert.Equal("params", Assert.Throws<VectorEngineArgumentException>(() =>
            c.Search(new SearchRequest([1, 2, 3], Collection.MaxLimit) { Params = new SearchParams { Oversampling = 50_000 } })).ParamName);
        Assert.Throws<VectorEngineArgumentException>(() => c.Search(new SearchRequest([1, 2, 3], 1) { Params = new SearchParams { Oversampling = double.NaN } }));
        Assert.Throws<VectorEngineArgumentException>(() => c.Search(new SearchRequest([1, 2, 3], 1) { Params = new SearchParams { Oversampling = 0.5 } }));
        Assert.Single(c.Search(new SearchRequest([1, 2, 3], 10) { Params = new SearchParams { Oversampling = 4 } }));
    }

    [Fact]
    public void A_batch_with_one_bad_point_writes_nothing_even_after_reopen()
    {
        using var t = new TestDatabase();
        Collection c = t.Db.CreateCollection("c", new CollectionOptions(2, DistanceMetric.L2));
        var batch = Enumerable.Range(0, 100).Select(i => new Point((ulong)i, [i, i])).ToList();
        batch[57] = new Point(57UL, [1, float.NaN]);
        Assert.Throws<InvalidVectorException>(() => c.Upsert(batch));
        Assert.Equal(0, c.Count());
        t.Reopen();
        Assert.Equal(0, t.Db.GetCollection("c").Count());
    }

    [Fact]
    public void A_directory_that_is_not_a_database_is_refused_and_left_alone()
    {
        using TempDirectory dir = Data.TempDir();
        File.WriteAllText(Path.Combine(dir.Path, "notes.txt"), "hello");
        Assert.Throws<NotADatabaseException>(() => VectorDatabase.Open(dir.Path));
        Assert.Equal(new[] { "notes.txt" }, Directory.GetFileSystemEntries(dir.Path).Select(Path.GetFileName));
        Assert.Throws<NotADatabaseException>(() => VectorDatabase.Open(Path.Combine(dir.Path, "notes.txt")));

        string db = Path.Combine(dir.Path, "db");
        using (VectorDatabase.Open(db))
        {
            Assert.Contains("in use", Assert.Throws<NotADatabaseException>(() => VectorDatabase.Open(db)).Message);
        }

        File.WriteAllText(Path.Combine(db, "vectorengine.db"), "garbage!garbage!");
        Assert.Throws<NotADatabaseException>(() => VectorDatabase.Open(db));
    }

    /// <summary>Random malformed requests of every kind; afterwards the data is exactly what it was.</summary>
    [Property(MaxTest = 30)]
    public Property Random_bad_requests_change_nothing() =>
        Prop.ForAll(Gen.Choose(0, int.MaxValue).ToArbitrary(), seed =>
        {
            var r = new Random(seed);
            using var t = new TestDatabase(o => o.MaxMutableSegmentPoints = 30);
            Collection c = t.Db.CreateCollection("c", new CollectionOptions(4, DistanceMetric.L2) { PayloadIndexes = RandomFilters.Schema });
            c.Upsert(Enumerable.Range(0, 80).Select(i => new Point((ulong)i, Data.RandomVector(r, 4), RandomFilters.Payload(r))).ToList());
            string before = Fingerprint(c);
            for (int i = 0; i < 40; i++)
            {
                Action bad = BadRequest(r, c, t.Db);
                Exception e = Assert.ThrowsAny<Exception>(bad);
                Assert.True(e is IVectorEngineError, $"{e.GetType().Name}: {e.Message}");
                Assert.False(string.IsNullOrWhiteSpace(e.Message));
            }

            Assert.Equal(before, Fingerprint(c));
            t.Reopen();
            Assert.Equal(before, Fingerprint(t.Db.GetCollection("c")));
        });

    private static Action BadRequest(Random r, Collection c, VectorDatabase db)
    {
        Point Good() => new((ulong)r.Next(1000, 2000), Data.RandomVector(r, 4), RandomFilters.Payload(r));
        List<Point> BatchWith(Point bad)
        {
            var batch = Enumerable.Range(0, r.Next(1, 10)).Select(_ => Good()).ToList();
            batch.Insert(r.Next(batch.Count + 1), bad);
            return batch;
        }

        float[] BadVector() => r.Next(4) switch
        {
            0 => Data.RandomVector(r, r.Next(0, 4)),
            1 => Data.RandomVector(r, r.Next(5, 9)),
            2 => [1, float.NaN, 0, 0],
            _ => [float.NegativeInfinity, 0, 0, 1],
        };

        return r.Next(9) switch
        {
            0 => () => c.Upsert(BatchWith(new Point((ulong)r.Next(100), BadVector()))),
            1 => () =>
            {
                // A value of the wrong type for each declared index (a keyword where a number is declared, and so on).
                (string key, PayloadValue wrong) = r.Next(5) switch
                {
                    0 => ("kw", (PayloadValue)3),
                    1 => ("int", PayloadValue.FromArray(["x"])),
                    2 => ("flt", true),
                    3 => ("when", "2025-01-01"),
                    _ => ("flag", 1),
                };
                c.Upsert(BatchWith(new Point(5UL, [1, 2, 3, 4], new Payload { [key] = wrong })));
            },
            2 => () => c.Upsert(BatchWith(new Point(default, [1, 2, 3, 4]))),
            3 => () => c.Search(BadVector(), 5),
            4 => () => c.Search(Data.RandomVector(r, 4), r.Next(2) == 0 ? -r.Next(5) : Collection.MaxLimit + 1 + r.Next(5)),
            5 => () => c.Delete(Nest(Filter.MaxDepth + 1 + r.Next(3))),
            6 => () => c.Delete(new Filter { Must = { r.Next(2) == 0 ? Condition.Range("int") : Condition.Match("kw", 2.5) } }),
            7 => () => db.CreateCollection(r.Next(2) == 0 ? "c" : "bad name!", new CollectionOptions(4, DistanceMetric.L2)),
            _ => () => c.Delete([(PointId)1UL, default]),
        };
    }

    private static string Fingerprint(Collection c)
    {
        var points = c.Scroll(new ScrollRequest { Limit = Collection.MaxLimit, WithVector = true }).Points;
        return string.Join("\n", points.Select(p => $"{p.Id}|{string.Join(",", p.Vector!)}|{string.Join(",", p.Payload!.OrderBy(kv => kv.Key, StringComparer.Ordinal).Select(kv => $"{kv.Key}={kv.Value}"))}"));
    }

    private static Filter Nest(int depth)
    {
        var f = new Filter { Must = { Condition.IsEmpty("x") } };
        for (int i = 1; i < depth; i++)
        {
            f = new Filter { Must = { f } };
        }

        return f;
    }
}
