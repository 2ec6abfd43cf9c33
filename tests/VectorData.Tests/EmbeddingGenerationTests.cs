using Microsoft.Extensions.AI;
using Microsoft.Extensions.VectorData;
using VectorEngine.Embeddings;
using VectorEngine.Embeddings.Tests;

namespace VectorEngine.VectorData.Tests;

/// <summary>
/// Records whose vector property is text: embedded on upsert and search by the generator of the property, else the
/// collection, else the store. The precedence is checked with a generator that marks which level made a vector; the real
/// MiniLM model is checked against the vectors sentence-transformers made for the same job postings.
/// </summary>
public abstract class EmbeddingGenerationTests(StoreTarget target) : TargetTests(target)
{
    [Theory]
    [InlineData(true, true, true, "property", 3f)]
    [InlineData(true, true, false, "collection", 2f)]
    [InlineData(true, false, false, "store", 1f)]
    public async Task The_nearest_generator_embeds_upserts_and_searches(bool store, bool collection, bool property, string level, float marker)
    {
        VectorEngineCollection<string, Note> notes = NotesCollection(store, collection, property);
        await notes.EnsureCollectionExistsAsync();
        await notes.UpsertAsync([new Note { Key = "near", Text = "1 1 0" }, new Note { Key = "far", Text = "9 9 0" }]);

        // Each level's generator writes its own marker into the last component of what it embeds.
        PointRecord stored = (await Target.Database.OpenCollection(notes.Name).GetAsync(["near"], withVector: true)).Single();
        Assert.Equal(new[] { 1f, 1f, marker }, stored.Vector!);
        Assert.Equal("near", (await notes.SearchAsync("1 1 0", top: 1).SingleAsync()).Record.Key);
        Assert.Equal(level, Assert.Single(MarkerGenerator.Used.Value!.Distinct()));
    }

    [Fact]
    public async Task Vectors_that_were_generated_cannot_be_included_and_other_inputs_are_refused()
    {
        VectorEngineCollection<string, Note> notes = NotesCollection(store: true, collection: false, property: false);
        await notes.EnsureCollectionExistsAsync();
        await notes.UpsertAsync(new Note { Key = "a", Text = "1 0 0" });
        const string included = "When an embedding generator is configured, `Include Vectors` cannot be enabled.";
        Assert.Equal(included, (await Assert.ThrowsAsync<NotSupportedException>(() => notes.GetAsync("a", new() { IncludeVectors = true }))).Message);
        Assert.Equal(included, (await Assert.ThrowsAsync<NotSupportedException>(() => notes.SearchAsync("1 0 0", 1, new() { IncludeVectors = true }).ToArrayAsync().AsTask())).Message);

        InvalidOperationException wrongInput = await Assert.ThrowsAsync<InvalidOperationException>(() => notes.SearchAsync(8, 1).ToArrayAsync().AsTask());
        Assert.Equal($"An input of type 'int' was provided, but an incompatible embedding generator of type '{nameof(MarkerGenerator)}' was configured.", wrongInput.Message);
        Assert.Equal("a", (await notes.SearchAsync(new ReadOnlyMemory<float>([1, 0, 1]), 1).SingleAsync()).Record.Key);
    }

    [Fact]
    public async Task Text_search_without_a_generator_says_which_vector_types_it_takes()
    {
        var raw = Target.Store().GetCollection<ulong, Item>(Target.NewName("raw"));
        await raw.EnsureCollectionExistsAsync();
        NotSupportedException e = await Assert.ThrowsAsync<NotSupportedException>(() => raw.SearchAsync("foo", 1).ToArrayAsync().AsTask());
        Assert.StartsWith("A value of type 'string' was passed to 'SearchAsync', but that isn't a supported vector type by your provider and no embedding generator was configured.", e.Message);
    }

    [Fact]
    public async Task A_vector_property_searched_with_text_uses_the_store_generator_for_the_query_only()
    {
        VectorEngineVectorStore store = Target.Store(new MarkerGenerator("store", 1));
        var items = store.GetCollection<ulong, Item>(Target.NewName("search-only"));
        await items.EnsureCollectionExistsAsync();
        await items.UpsertAsync(Item.Samples().Select(i => i.Copy()));
        Assert.Equal(2UL, (await items.SearchAsync("1 1 0", 1).SingleAsync()).Record.Key);
    }

    [Fact]
    public async Task MiniLM_through_the_connector_stores_the_vectors_sentence_transformers_makes()
    {
        using var minilm = new OnnxEmbeddingGenerator();
        (int Id, string Text, float[] Vector)[] jobs = JobsFixture.All.Take(40).ToArray();
        VectorEngineVectorStore store = Target.Store(minilm);
        var postings = store.GetCollection<ulong, Posting>(Target.NewName("postings"));
        await postings.EnsureCollectionExistsAsync();
        await postings.UpsertAsync(jobs.Select(j => new Posting { Id = (ulong)j.Id, Text = j.Text, Embedding = j.Text }));

        IReadOnlyList<PointRecord> stored = await Target.Database.OpenCollection(postings.Name).GetAsync(jobs.Select(j => (PointId)(ulong)j.Id), withVector: true);
        foreach (PointRecord point in stored)
        {
            float[] reference = jobs.Single(j => (ulong)j.Id == point.Id.Number).Vector;
            Assert.True(System.Numerics.Tensors.TensorPrimitives.CosineSimilarity(reference, point.Vector!) > 0.999f, $"posting {point.Id}");
        }

        // Each posting's own text finds it first.
        foreach (var job in jobs.Take(10))
        {
            VectorSearchResult<Posting> hit = await postings.SearchAsync(job.Text, 1).SingleAsync();
            Assert.Equal((ulong)job.Id, hit.Record.Id);
            Assert.True(hit.Score > 0.99);
        }
    }

    private VectorEngineCollection<string, Note> NotesCollection(bool store, bool collection, bool property)
    {
        MarkerGenerator.Used.Value = [];
        var definition = new VectorStoreCollectionDefinition
        {
            EmbeddingGenerator = collection ? new MarkerGenerator("collection", 2) : null,
            Properties =
            [
                new VectorStoreKeyProperty(nameof(Note.Key), typeof(string)),
                new VectorStoreVectorProperty(nameof(Note.Text), typeof(string), 3)
                {
                    DistanceFunction = DistanceFunction.EuclideanSquaredDistance,
                    EmbeddingGenerator = property ? new MarkerGenerator("property", 3) : null,
                },
            ],
        };
        return Target.Store(store ? new MarkerGenerator("store", 1) : null).GetCollection<string, Note>(Target.NewName("notes"), definition);
    }

    public sealed class Note
    {
        public string Key { get; set; } = "";

        public string? Text { get; set; }
    }

    public sealed class Posting
    {
        [VectorStoreKey]
        public ulong Id { get; set; }

        [VectorStoreData(IsFullTextIndexed = true)]
        public string Text { get; set; } = "";

        [VectorStoreVector(384)]
        public string? Embedding { get; set; }
    }

    /// <summary>
    /// Reads "x y z" as a vector and overwrites the last component with its level's marker, so a stored vector tells
    /// which generator made it; records which levels ran (per test). A double at a boundary we do not own (any
    /// IEmbeddingGenerator); the real model is tested below.
    /// </summary>
    private sealed class MarkerGenerator(string level, float marker) : IEmbeddingGenerator<string, Embedding<float>>
    {
        public static readonly AsyncLocal<List<string>?> Used = new();

        public Task<GeneratedEmbeddings<Embedding<float>>> GenerateAsync(IEnumerable<string> values, EmbeddingGenerationOptions? options = null,
            CancellationToken cancellationToken = default)
        {
            var embeddings = new GeneratedEmbeddings<Embedding<float>>();
            foreach (string value in values)
            {
                Used.Value?.Add(level);
                float[] vector = value.Split(' ').Select(float.Parse).ToArray();
                vector[^1] = marker;
                embeddings.Add(new Embedding<float>(vector));
            }

            return Task.FromResult(embeddings);
        }

        public object? GetService(Type serviceType, object? serviceKey = null) => null;

        public void Dispose()
        {
        }
    }
}

public sealed class EmbeddedEmbeddingGenerationTests(EmbeddedTarget target) : EmbeddingGenerationTests(target), IClassFixture<EmbeddedTarget>;

public sealed class ServerEmbeddingGenerationTests(ServerTarget target) : EmbeddingGenerationTests(target), IClassFixture<ServerTarget>;
