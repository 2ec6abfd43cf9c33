using System.Numerics.Tensors;
using VectorEngine.Embeddings;
using VectorEngine.Embeddings.Tests;

namespace VectorEngine.Matching.Tests;

/// <summary>A collection that embeds its own text: upserts without vectors, searches by text, with the real MiniLM.</summary>
public sealed class TextInVectorsMadeTests(JobsCollection data) : IClassFixture<JobsCollection>
{
    [Fact]
    public async Task Points_without_vectors_are_embedded_from_their_text_and_searches_may_carry_text()
    {
        string folder = Directory.CreateTempSubdirectory("ve-textin-").FullName;
        try
        {
            var options = new VectorDatabaseOptions { EmbeddingGenerators = { ["minilm"] = data.Embedder } };
            var rows = JobsFixture.All.Take(30).ToArray();
            using (VectorDatabase db = VectorDatabase.Open(folder, options))
            {
                Collection jobs = db.CreateCollection("jobs", new CollectionOptions(384, DistanceMetric.Cosine)
                {
                    PayloadIndexes = { ["text"] = PayloadIndexType.Text },
                    Embedding = new TextEmbedding("text", "minilm"),
                });

                // One batch: most points carry only text, one carries its own vector.
                jobs.Upsert(rows.Select((r, i) => new Point((ulong)r.Id, i == 0 ? r.Vector : [], new Payload { ["text"] = r.Text })).ToList());
                foreach (PointRecord stored in jobs.Get(rows.Select(r => (PointId)(ulong)r.Id), withPayload: false, withVector: true))
                {
                    float[] reference = rows.Single(r => (ulong)r.Id == stored.Id.Number).Vector;
                    Assert.True(TensorPrimitives.CosineSimilarity(stored.Vector!, reference) >= 0.9999f);
                }

                // A search by text equals the search by the text's vector; so does a hybrid stage by text.
                string query = "Senior iOS engineer, Swift, remote";
                float[] vector = await data.Embedder.EmbedAsync(query);
                var byVector = jobs.Search(new SearchRequest(vector, 5)).Select(h => h.Id).ToArray();
                Assert.Equal(byVector, jobs.Search(SearchRequest.ForText(query, 5)).Select(h => h.Id));
                Assert.Equal(byVector, jobs.Query(new HybridQuery(5, VectorPrefetch.ForText(query, 5))).Select(h => h.Id));

                // A point with neither vector nor text is refused, and the whole batch with it.
                long before = jobs.Count();
                Assert.Throws<InvalidPayloadException>(() => jobs.Upsert([new Point(900_001UL, [], new Payload { ["text"] = "fine" }), new Point(900_002UL, [], new Payload())]));
                Assert.Equal(before, jobs.Count());
                Assert.Throws<VectorEngineArgumentException>(() => jobs.Search(SearchRequest.ForText("", 5)));
            }

            // Reopened without the generator: stored vectors serve vector searches; text needs the generator again.
            using (VectorDatabase db = VectorDatabase.Open(folder))
            {
                Collection jobs = db.GetCollection("jobs");
                Assert.Equal(new TextEmbedding("text", "minilm"), jobs.Options.Embedding);
                Assert.Equal(5, jobs.Search(new SearchRequest(rows[0].Vector, 5)).Count);
                VectorEngineException missing = Assert.Throws<VectorEngineException>(() => jobs.Search(SearchRequest.ForText("rust", 5)));
                Assert.Equal(VectorEngineErrorKind.FailedPrecondition, missing.Kind);
            }
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public void A_collection_without_an_embedding_refuses_text_searches_and_empty_vectors()
    {
        Assert.Throws<VectorEngineArgumentException>(() => data.Jobs.Search(SearchRequest.ForText("rust", 5)));
        Assert.Throws<DimensionMismatchException>(() => data.Jobs.Upsert([new Point(1UL, [], new Payload { ["text"] = "x" })]));
    }
}
