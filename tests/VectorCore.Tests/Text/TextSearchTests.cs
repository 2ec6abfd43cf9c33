using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using VectorEngine.Filters;
using VectorEngine.Tests.Collections;
using VectorEngine.Text;

namespace VectorEngine.Tests.Text;

public sealed class TextSearchTests
{
    private static readonly string[] Vocabulary = ["rust", "kotlin", "data", "remote", "senior", "berlin", "lisbon", "ml", "platform", "go", "staff", "intern"];

    /// <summary>A document: a few words from a small vocabulary, so terms repeat and lengths vary.</summary>
    private static readonly Gen<string[]> Document = Gen.Elements(Vocabulary).ArrayOf().Select(words => words.Take(12).ToArray());

    /// <summary>A history: documents (id = position), then ids deleted and ids rewritten, then a query.</summary>
    private static readonly Arbitrary<(string[][] Docs, int[] Deleted, (int Id, string[] Doc)[] Rewritten, string[] Query)> Histories =
        (from docs in Document.ListOf().Select(l => l.ToArray())
         from deleted in Gen.Choose(0, 60).ArrayOf()
         from rewritten in Gen.Zip(Gen.Choose(0, 60), Document).ArrayOf()
         from query in Gen.Elements(Vocabulary.Append("absent").ToArray()).NonEmptyListOf().Select(q => q.Take(4).ToArray())
         select (docs.Take(60).ToArray(), deleted, rewritten, query)).ToArbitrary();

    [Property(MaxTest = 60)]
    public Property BM25_over_many_segments_with_deletes_scores_as_one_index_over_the_live_points() =>
        Prop.ForAll(Histories, history =>
        {
            using var t = new TestDatabase(o => o.MaxMutableSegmentPoints = 7);
            Collection c = t.Db.CreateCollection("c", new CollectionOptions(2, DistanceMetric.L2)
            {
                PayloadIndexes = { ["body"] = PayloadIndexType.Text },
                TextAnalyzers = { ["body"] = TextAnalyzerOptions.Plain },
            });
            var live = new Dictionary<ulong, string[]>();
            foreach (string[][] chunk in history.Docs.Chunk(5).Select(c => c.ToArray()))
            {
                c.Upsert(chunk.Select(d => Point((ulong)live.Count + 0, d)).Select((p, i) => p with { Id = (ulong)(live.Count + i) }).ToList());
                foreach (string[] d in chunk)
                {
                    live[(ulong)live.Count] = d;
                }
            }

            foreach ((int id, string[] doc) in history.Rewritten.Where(r => live.ContainsKey((ulong)r.Id)))
            {
                c.Upsert([Point((ulong)id, doc)]);
                live[(ulong)id] = doc;
            }

            c.Delete(history.Deleted.Select(id => (PointId)(ulong)id).ToList());
            history.Deleted.ToList().ForEach(id => live.Remove((ulong)id));

            Dictionary<ulong, double> expected = Bm25Reference.Scores(live, history.Query);
            IReadOnlyList<ScoredPoint> hits = c.SearchText(new TextSearchRequest("body", string.Join(' ', history.Query), 10));
            double[] expectedTop = expected.Values.OrderDescending().Take(10).ToArray();
            bool sameScores = hits.Count == expectedTop.Length
                && hits.Select((h, i) => Math.Abs(h.Score - expectedTop[i]) <= 1e-4 * Math.Max(1, expectedTop[i])).All(x => x)
                && hits.All(h => expected.TryGetValue(h.Id.Number, out double s) && Math.Abs(s - h.Score) <= 1e-4 * Math.Max(1, s));
            return sameScores.Label($"expected {string.Join(", ", expectedTop.Select(s => s.ToString("F4")))}; got {string.Join(", ", hits.Select(h => $"{h.Id}={h.Score:F4}"))}");
        });

    [Fact]
    public void The_text_filter_needs_every_term_and_equals_the_unindexed_evaluation_across_segments_and_a_reopen()
    {
        using var t = new TestDatabase(o => o.MaxMutableSegmentPoints = 4);
        Collection indexed = t.Db.CreateCollection("indexed", new CollectionOptions(2, DistanceMetric.L2) { PayloadIndexes = { ["body"] = PayloadIndexType.Text } });
        Collection plain = t.Db.CreateCollection("plain", new CollectionOptions(2, DistanceMetric.L2));
        string[] bodies =
        [
            "Senior Rust engineer in Kraków, remote friendly",
            "Data engineers wanted: Spark and Rust",
            "Running the platform team (Go, Kubernetes)",
            "Staff ML engineer, Lisbon",
            "The résumé screening is automated",
            "Engineering manager — remote",
            "",
        ];
        var points = bodies.Select((b, i) => Point((ulong)i, b)).Append(new Point(99, [0, 0], new Payload { ["body"] = new[] { "Rust", "Krakow office" } })).ToList();
        indexed.Upsert(points);
        plain.Upsert(points);

        var cases = new (string Query, ulong[] Expected)[]
        {
            ("rust engineer", [0, 1]),
            ("krakow", [0, 99]),                   // accents folded on both sides; an array of strings is one text
            ("engineering", [0, 1, 3, 5]),          // stemmed: engineer, engineers, engineering
            ("run platform", [2]),
            ("RESUME", [4]),
            ("the", []),                            // only a stop word: no term, no match
            ("rust absent", []),
        };
        foreach ((string query, ulong[] expected) in cases)
        {
            var filter = new Filter { Must = { Condition.Text("body", query) } };
            Assert.Equal(expected, indexed.Scroll(new ScrollRequest { Filter = filter }).Points.Select(p => p.Id.Number));
            Assert.Equal(expected, plain.Scroll(new ScrollRequest { Filter = filter }).Points.Select(p => p.Id.Number));
            Assert.Equal(expected.Length, indexed.Count(filter));
        }

        // Deleted points leave the index's answers; a reopen rebuilds the same index.
        indexed.Delete([(PointId)0UL]);
        t.Reopen();
        Collection reopened = t.Db.GetCollection("indexed");
        Assert.Equal([1UL], reopened.Scroll(new ScrollRequest { Filter = new Filter { Must = { Condition.Text("body", "rust engineer") } } }).Points.Select(p => p.Id.Number));
        Assert.Equal([1UL, 99UL], reopened.SearchText(new TextSearchRequest("body", "rust", 10)).Select(h => h.Id.Number).Order());
    }

    [Fact]
    public void The_analyzer_folds_accents_drops_stop_words_and_stems_unless_told_not_to()
    {
        Assert.Equal(["krakow", "run", "resum", "cafe", "strass"], TextAnalyzer.Default.DistinctTerms("The Kraków's running résumés at the café, Straße"));
        using var plain = new TextAnalyzer(TextAnalyzerOptions.Plain);
        Assert.Equal(["the", "krakow's", "running", "resumes"], plain.DistinctTerms("The Kraków's running résumés"));
        using var unfolded = new TextAnalyzer(TextAnalyzerOptions.Plain with { FoldAccents = false });
        Assert.Equal(["kraków", "résumé"], unfolded.DistinctTerms("Kraków résumé"));
        using var short4 = new TextAnalyzer(TextAnalyzerOptions.Plain with { MaxTokenLength = 4 });
        Assert.Equal(["c", "rust"], short4.DistinctTerms("C# rust kotlin"));
    }

    [Fact]
    public void Bad_text_searches_and_schemas_are_refused_with_typed_errors_and_change_nothing()
    {
        using var t = new TestDatabase();
        Collection c = t.Db.CreateCollection("c", new CollectionOptions(2, DistanceMetric.L2)
        {
            PayloadIndexes = { ["body"] = PayloadIndexType.Text, ["city"] = PayloadIndexType.Keyword },
        });
        c.Upsert([Point(1, "rust")]);
        Assert.Throws<VectorEngineArgumentException>(() => c.SearchText(new TextSearchRequest("city", "x", 10)));
        Assert.Throws<VectorEngineArgumentException>(() => c.SearchText(new TextSearchRequest("nope", "x", 10)));
        Assert.Throws<VectorEngineArgumentException>(() => c.SearchText(new TextSearchRequest("body", null!, 10)));
        Assert.Throws<VectorEngineArgumentException>(() => c.SearchText(new TextSearchRequest("body", "x", 0)));
        Assert.Throws<VectorEngineArgumentException>(() => c.SearchText(new TextSearchRequest("body", "x", 10) { Bm25 = new Bm25Parameters(-1, 0.5) }));
        Assert.Throws<VectorEngineArgumentException>(() => c.SearchText(new TextSearchRequest("body", new string('x', 10_001), 10)));
        Assert.Throws<InvalidFilterException>(() => c.Count(new Filter { Must = { Condition.Text("body", null!) } }));

        // A text field holds strings only; the whole batch is refused.
        Assert.Throws<InvalidPayloadException>(() => c.Upsert([Point(2, "fine"), new Point(3, [0, 0], new Payload { ["body"] = 42 })]));
        Assert.Equal(1, c.Count());

        // An analyzer for a key that is not a text index, or a malformed analyzer: nothing is created.
        Assert.Throws<VectorEngineArgumentException>(() => t.Db.CreateCollection("d", new CollectionOptions(2, DistanceMetric.L2)
        {
            PayloadIndexes = { ["city"] = PayloadIndexType.Keyword },
            TextAnalyzers = { ["city"] = TextAnalyzerOptions.Plain },
        }));
        Assert.Throws<VectorEngineArgumentException>(() => t.Db.CreateCollection("e", new CollectionOptions(2, DistanceMetric.L2)
        {
            PayloadIndexes = { ["body"] = PayloadIndexType.Text },
            TextAnalyzers = { ["body"] = TextAnalyzerOptions.Plain with { MinTokenLength = 0 } },
        }));
        Assert.False(t.Db.TryGetCollection("d", out _));
        Assert.False(t.Db.TryGetCollection("e", out _));
    }

    [Fact]
    public void A_text_analyzer_survives_a_reopen()
    {
        using var t = new TestDatabase();
        Collection c = t.Db.CreateCollection("c", new CollectionOptions(2, DistanceMetric.L2)
        {
            PayloadIndexes = { ["body"] = PayloadIndexType.Text },
            TextAnalyzers = { ["body"] = TextAnalyzerOptions.Plain },
        });
        c.Upsert([Point(1, "the running dogs")]);
        t.Reopen();
        Collection reopened = t.Db.GetCollection("c");
        Assert.Equal(TextAnalyzerOptions.Plain, reopened.Options.TextAnalyzers["body"]);
        Assert.Single(reopened.SearchText(new TextSearchRequest("body", "the running", 10)));
        Assert.Empty(reopened.SearchText(new TextSearchRequest("body", "run", 10)));
    }

    [Fact]
    public void Each_sealed_segment_saves_its_text_index_merges_keep_it_and_a_damaged_file_is_rebuilt_with_the_same_answers()
    {
        using var t = new TestDatabase(o => o.MaxMutableSegmentPoints = 10);
        // An analyzer of its own (not the shared default), so its count of analyzed texts is this test's alone.
        Collection c = t.Db.CreateCollection("c", new CollectionOptions(2, DistanceMetric.L2)
        {
            PayloadIndexes = { ["body"] = PayloadIndexType.Text },
            TextAnalyzers = { ["body"] = TextAnalyzerOptions.English with { MaxTokenLength = 63 } },
        });
        long Analyzed() => t.Db.GetCollection("c").Options.IndexSchema.AnalyzerOf("body").AnalyzedTexts;
        var random = new Random(5);
        string[] words = ["rust", "kotlin", "engineer", "remote", "lisbon", "data", "platform", "senior", "intern", "go"];
        c.Upsert(Enumerable.Range(0, 95).Select(i => Point((ulong)i, string.Join(' ', Enumerable.Range(0, 1 + random.Next(8)).Select(_ => words[random.Next(words.Length)])))).ToList());
        c.Delete(Enumerable.Range(0, 95).Where(i => i % 7 == 0).Select(i => (PointId)(ulong)i).ToList());
        string Answers(Collection collection) => string.Join(";", new[] { "rust engineer", "remote data", "go", "senior intern lisbon" }.Select(q =>
            string.Join(",", collection.SearchText(new TextSearchRequest("body", q, 20)).Select(h => $"{h.Id}:{h.Score:F5}")) + "|" +
            collection.Count(new Filter { Must = { Condition.Text("body", q) } })));
        string expected = Answers(c);

        string[] files = Directory.GetFiles(t.Path, TextIndexFileName, SearchOption.AllDirectories);
        Assert.Equal(c.GetInfo().SealedSegmentCount, files.Length);
        t.Reopen();
        Assert.Equal(expected, Answers(t.Db.GetCollection("c")));

        // Only the mutable segment's few rows (replayed from the WAL) and the queries were analyzed, not the sealed rows.
        Assert.InRange(Analyzed(), 1, 20);

        // A merge renumbers the postings of its sources; the merged segment saves them too.
        long beforeMerge = Analyzed();
        t.Db.GetCollection("c").Optimize();
        Assert.Equal(beforeMerge, Analyzed());
        Assert.Equal(expected, Answers(t.Db.GetCollection("c")));
        t.Reopen();
        Assert.Equal(expected, Answers(t.Db.GetCollection("c")));
        Assert.InRange(Analyzed(), 1, 20);

        // Derived data: a damaged or missing file is rebuilt from the payloads.
        string[] saved = Directory.GetFiles(t.Path, TextIndexFileName, SearchOption.AllDirectories);
        Assert.NotEmpty(saved);
        byte[] bytes = File.ReadAllBytes(saved[0]);
        bytes[bytes.Length / 2] ^= 0x55;
        File.WriteAllBytes(saved[0], bytes);
        foreach (string other in saved.Skip(1))
        {
            File.Delete(other);
        }

        t.Reopen();
        Assert.True(Analyzed() > 50, "a damaged or missing file is rebuilt by analyzing the rows");
        Assert.Equal(expected, Answers(t.Db.GetCollection("c")));
    }

    private const string TextIndexFileName = "text.idx";

    private static Point Point(ulong id, string[] words) => Point(id, string.Join(' ', words));

    private static Point Point(ulong id, string body) => new(id, [id % 7, 1], new Payload { ["body"] = body });
}
