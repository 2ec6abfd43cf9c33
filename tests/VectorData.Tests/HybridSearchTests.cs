using Microsoft.Extensions.VectorData;

namespace VectorEngine.VectorData.Tests;

/// <summary>Keyword hybrid search (IKeywordHybridSearchable): a vector stage and a BM25 stage fused by reciprocal rank.</summary>
public abstract class HybridSearchTests(StoreTarget target) : TargetTests(target)
{
    [Fact]
    public async Task Keywords_bring_in_what_the_vector_misses_and_agreement_ranks_first()
    {
        var docs = await DocsAsync();
        float[] nearRust = [1, 0.1f, 0];

        // By vector alone the Kotlin posting is last of four...
        Assert.Equal(4UL, await docs.SearchAsync(nearRust, 4).Select(r => r.Record.Id).LastAsync());

        // ...with its keyword it is in the hybrid top two; the Rust posting is first in both stages and first fused.
        VectorSearchResult<Doc>[] hits = await docs.HybridSearchAsync(nearRust, ["kotlin", "rust"], 2).ToArrayAsync();
        Assert.Equal(1UL, hits[0].Record.Id);
        Assert.Equal((1.0 / 61) + (1.0 / 61), hits[0].Score!.Value, 6);
        Assert.Contains(hits, h => h.Record.Id == 4);
        Assert.Equal("Kotlin developer in Krakow", hits.Single(h => h.Record.Id == 4).Record.Text);
    }

    [Fact]
    public async Task Filter_skip_and_threshold_apply_to_the_fused_list()
    {
        var docs = await DocsAsync();
        float[] nearRust = [1, 0.1f, 0];
        Assert.All(await docs.HybridSearchAsync(nearRust, ["engineer"], 10, new() { Filter = d => d.Remote }).ToArrayAsync(), h => Assert.True(h.Record.Remote));

        ulong[] all = await docs.HybridSearchAsync(nearRust, ["engineer"], 4).Select(h => h.Record.Id).ToArrayAsync();
        Assert.Equal(all.Skip(1).Take(2), await docs.HybridSearchAsync(nearRust, ["engineer"], 2, new() { Skip = 1 }).Select(h => h.Record.Id).ToArrayAsync());
        Assert.All(await docs.HybridSearchAsync(nearRust, ["engineer"], 4, new() { ScoreThreshold = 0.02 }).ToArrayAsync(), h => Assert.True(h.Score >= 0.02));
    }

    [Fact]
    public async Task Hybrid_search_needs_a_full_text_property()
    {
        var items = await SampleItemsAsync("no-text");
        await Assert.ThrowsAsync<InvalidOperationException>(() => items.HybridSearchAsync(new ReadOnlyMemory<float>([1, 0, 0]), ["foo"], 3).ToArrayAsync().AsTask());
    }

    private async Task<VectorEngineCollection<ulong, Doc>> DocsAsync()
    {
        var docs = Target.Store().GetCollection<ulong, Doc>(Target.NewName("hybrid"));
        await docs.EnsureCollectionExistsAsync();
        await docs.UpsertAsync(
        [
            new Doc { Id = 1, Text = "Senior Rust engineer", Remote = true, Vector = new([1, 0, 0]) },
            new Doc { Id = 2, Text = "Data engineer, Python", Remote = false, Vector = new([0.9f, 0.3f, 0]) },
            new Doc { Id = 3, Text = "Platform engineer", Remote = true, Vector = new([0.7f, 0.7f, 0]) },
            new Doc { Id = 4, Text = "Kotlin developer in Krakow", Remote = false, Vector = new([0, 0.2f, 1]) },
        ]);
        return docs;
    }

    public sealed class Doc
    {
        [VectorStoreKey]
        public ulong Id { get; set; }

        [VectorStoreData(IsFullTextIndexed = true)]
        public string Text { get; set; } = "";

        [VectorStoreData(IsIndexed = true)]
        public bool Remote { get; set; }

        [VectorStoreVector(3)]
        public ReadOnlyMemory<float> Vector { get; set; }
    }
}

public sealed class EmbeddedHybridSearchTests(EmbeddedTarget target) : HybridSearchTests(target), IClassFixture<EmbeddedTarget>;

public sealed class ServerHybridSearchTests(ServerTarget target) : HybridSearchTests(target), IClassFixture<ServerTarget>;
