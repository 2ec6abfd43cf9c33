using Microsoft.Extensions.VectorData;

namespace VectorEngine.VectorData.Tests;

/// <summary>Get, upsert, delete and search of typed records: the conformance suite's record and batch behaviours.</summary>
public abstract class RecordTests(StoreTarget target) : TargetTests(target)
{
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Get_returns_the_record_with_or_without_its_vector(bool includeVectors)
    {
        var items = await SampleItemsAsync("get");
        Item expected = Item.Samples()[0];
        Same.Item(expected, await items.GetAsync(expected.Key, new() { IncludeVectors = includeVectors }), includeVectors);

        Item[] both = await items.GetAsync([1UL, 2UL], new() { IncludeVectors = includeVectors }).ToArrayAsync();
        Assert.Equal(2, both.Length);
        foreach (Item sample in Item.Samples().Take(2))
        {
            Same.Item(sample, both.Single(r => r.Key == sample.Key), includeVectors);
        }
    }

    [Fact]
    public async Task Missing_keys_give_null_or_are_left_out_and_empty_key_lists_give_nothing()
    {
        var items = await SampleItemsAsync("missing");
        Assert.Null(await items.GetAsync(999UL));
        Assert.Equal([1UL, 2UL], (await items.GetAsync([1UL, 999UL, 2UL]).ToArrayAsync()).Select(r => r.Key).Order());
        Assert.Empty(await items.GetAsync([]).ToArrayAsync());
    }

    [Fact]
    public async Task Null_arguments_are_ArgumentNullExceptions_naming_the_parameter()
    {
        var items = await SampleItemsAsync("nulls");
        Assert.Equal("keys", (await Assert.ThrowsAsync<ArgumentNullException>(() => items.GetAsync(keys: null!).ToArrayAsync().AsTask())).ParamName);
        Assert.Equal("keys", (await Assert.ThrowsAsync<ArgumentNullException>(() => items.DeleteAsync(keys: null!))).ParamName);
        Assert.Equal("records", (await Assert.ThrowsAsync<ArgumentNullException>(() => items.UpsertAsync(records: null!))).ParamName);
        Assert.Equal("filter", (await Assert.ThrowsAsync<ArgumentNullException>(() => items.GetAsync(filter: null!, 3).ToArrayAsync().AsTask())).ParamName);

        var strings = Target.Store().GetCollection<string, StringKeyed>(Target.NewName("string-nulls"));
        await strings.EnsureCollectionExistsAsync();
        Assert.Equal("key", (await Assert.ThrowsAsync<ArgumentNullException>(() => strings.GetAsync((string)null!))).ParamName);
        Assert.Equal("key", (await Assert.ThrowsAsync<ArgumentNullException>(() => strings.DeleteAsync((string)null!))).ParamName);
    }

    [Fact]
    public async Task Upsert_inserts_and_updates_singly_and_in_one_batch()
    {
        var items = await SampleItemsAsync("upsert");
        var inserted = new Item { Key = 100, String = "new", Int = 123, Created = DateTime.UnixEpoch, Vector = new([10, 0, 0]) };
        await items.UpsertAsync(inserted);
        Same.Item(inserted, await items.GetAsync(100UL, new() { IncludeVectors = true }), withVector: true);

        Item updated = Item.Samples()[1].Copy();
        updated.String = "updated";
        updated.Vector = new([10, 0, 2]);
        var another = new Item { Key = 101, String = "another", Int = 5, Vector = new([10, 0, 1]) };
        await items.UpsertAsync([updated, another]);
        Same.Item(updated, await items.GetAsync(2UL, new() { IncludeVectors = true }), withVector: true);
        Same.Item(another, await items.GetAsync(101UL, new() { IncludeVectors = true }), withVector: true);
        Assert.Equal(7, await items.GetAsync(r => true, top: 100).CountAsync());
    }

    [Fact]
    public async Task Empty_batches_change_nothing()
    {
        var items = await SampleItemsAsync("empty");
        await items.UpsertAsync([]);
        await items.DeleteAsync([]);
        await items.DeleteAsync(999UL);
        Assert.Equal(5, await items.GetAsync(r => true, top: 100).CountAsync());
    }

    [Fact]
    public async Task A_batch_with_a_bad_record_is_refused_whole()
    {
        var items = await SampleItemsAsync("whole");
        var good = new Item { Key = 200, String = "good", Vector = new([1, 2, 3]) };
        var wrongDimension = new Item { Key = 201, String = "bad", Vector = new([1, 2]) };
        await Assert.ThrowsAnyAsync<ArgumentException>(() => items.UpsertAsync([good, wrongDimension]));
        Assert.Null(await items.GetAsync(200UL));
        Assert.Equal(5, await items.GetAsync(r => true, top: 100).CountAsync());
    }

    [Fact]
    public async Task Delete_removes_single_records_and_batches()
    {
        var items = await SampleItemsAsync("delete");
        await items.DeleteAsync(1UL);
        Assert.Null(await items.GetAsync(1UL));
        await items.DeleteAsync([2UL, 3UL]);
        Assert.Empty(await items.GetAsync([1UL, 2UL, 3UL]).ToArrayAsync());
        Assert.Equal(new ulong[] { 4UL, 5UL }, await items.GetAsync(r => true, top: 10).Select(r => r.Key).OrderBy(k => k).ToArrayAsync());
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Search_finds_nearest_first_with_skip_filter_and_vectors(bool includeVectors)
    {
        var items = await SampleItemsAsync("search");
        VectorSearchResult<Item> nearest = await items.SearchAsync(new ReadOnlyMemory<float>([1, 0, 0]), top: 1, new() { IncludeVectors = includeVectors }).SingleAsync();
        Same.Item(Item.Samples()[0], nearest.Record, includeVectors);
        Assert.Equal(0, nearest.Score);

        VectorSearchResult<Item> second = await items.SearchAsync(new[] { 1f, 0, 0 }, top: 1, new() { Skip = 1 }).SingleAsync();
        Assert.Equal(2UL, second.Record.Key);
        Assert.Equal(1, second.Score);

        VectorSearchResult<Item> filtered = await items.SearchAsync(new ReadOnlyMemory<float>([1, 0, 0]), top: 1, new() { Filter = r => r.Int == 9 }).SingleAsync();
        Assert.Equal(2UL, filtered.Record.Key);

        Assert.Equal(new ulong[] { 1UL, 2UL }, await items.SearchAsync(new ReadOnlyMemory<float>([1, 0, 0]), top: 5, new() { ScoreThreshold = 1.0 }).Select(r => r.Record.Key).ToArrayAsync());
    }

    [Fact]
    public async Task Get_by_filter_orders_skips_and_takes()
    {
        var items = await SampleItemsAsync("order");
        Assert.Equal(new ulong[] { 3UL }, await items.GetAsync(r => r.Int == 9 && r.Int2 == 9, top: 2).Select(r => r.Key).ToArrayAsync());
        Assert.Equal(5, await items.GetAsync(r => true, top: 100).CountAsync());
        Assert.Equal(2, await items.GetAsync(r => true, top: 2).CountAsync());

        int[] ascending = await items.GetAsync(r => r.Int > 8, top: 2, new() { OrderBy = o => o.Ascending(r => r.Int2) }).Select(r => r.Int2).ToArrayAsync();
        Assert.Equal([9, 90], ascending);
        int[] descending = await items.GetAsync(r => r.Int > 8, top: 2, new() { OrderBy = o => o.Descending(r => r.Int2) }).Select(r => r.Int2).ToArrayAsync();
        Assert.Equal([100, 100], descending);

        ulong[] twoKeys = await items.GetAsync(r => true, top: 3, new() { OrderBy = o => o.Descending(r => r.Int2).Ascending(r => r.Int) }).Select(r => r.Key).ToArrayAsync();
        Assert.Equal([4UL, 5UL, 2UL], twoKeys);
        ulong[] skipped = await items.GetAsync(r => r.Int > 8, top: 2, new() { OrderBy = o => o.Ascending(r => r.Int), Skip = 1 }).Select(r => r.Key).ToArrayAsync();
        Assert.Equal(Item.Samples().Where(r => r.Int > 8).OrderBy(r => r.Int).ThenBy(r => r.Key).Skip(1).Take(2).Select(r => r.Int),
            (await items.GetAsync([.. skipped]).ToArrayAsync()).Select(r => r.Int).Order());
    }

    [Fact]
    public async Task Dynamic_records_round_trip_through_the_same_collection_as_typed_ones()
    {
        var items = await SampleItemsAsync("dynamic");
        VectorEngineDynamicCollection dynamic = Target.Store().GetDynamicCollection(items.Name, DynamicItems.Definition);

        Dictionary<string, object?> first = (await dynamic.GetAsync((object)1UL, new() { IncludeVectors = true }))!;
        Assert.Equal(1UL, first["Key"]);
        Assert.Equal("foo", first["String"]);
        Assert.Equal(80, first["Int2"]);
        Assert.Equal(new[] { "x", "y" }, first["Tags"]);
        Assert.Equal(new List<string> { "x" }, first["TagList"]);
        Assert.Equal(new[] { 1f, 0, 0 }, ((ReadOnlyMemory<float>)first["Vector"]!).ToArray());
        Assert.DoesNotContain("Vector", (await dynamic.GetAsync((object)1UL))!.Keys);

        var added = new Dictionary<string, object?> { ["Key"] = 50UL, ["String"] = "dyn", ["Int"] = 3, ["Vector"] = new ReadOnlyMemory<float>([5, 5, 5]) };
        await dynamic.UpsertAsync(added);
        Item typed = (await items.GetAsync(50UL))!;
        Assert.Equal(("dyn", 3, 0, (string[])[]), (typed.String, typed.Int, typed.Int2, typed.Tags));
        Assert.Equal(50UL, (await dynamic.SearchAsync(new ReadOnlyMemory<float>([5, 5, 5]), 1).SingleAsync()).Record["Key"]);
        await dynamic.DeleteAsync([(object)50UL, 1UL]);
        Assert.Empty(await dynamic.GetAsync([(object)50UL, 1UL]).ToArrayAsync());
        Assert.Throws<NotSupportedException>(() => Target.Store().GetCollection<object, Dictionary<string, object?>>(items.Name, DynamicItems.Definition));
    }

    [Fact]
    public async Task Engine_failures_are_VectorStoreExceptions_with_the_engine_error_inside()
    {
        var missing = Target.Store().GetCollection<ulong, Item>(Target.NewName("never-created"));
        VectorStoreException e = await Assert.ThrowsAsync<VectorStoreException>(() => missing.GetAsync(1UL));
        Assert.Equal(VectorEngineErrorKind.NotFound, Assert.IsAssignableFrom<VectorEngineException>(e.InnerException).Kind);
        Assert.Equal("vectorengine", e.VectorStoreSystemName);
        Assert.Equal(missing.Name, e.CollectionName);
        Assert.Equal("Get", e.OperationName);
    }

    public sealed class StringKeyed
    {
        [VectorStoreKey]
        public string Key { get; set; } = "";

        [VectorStoreVector(2)]
        public float[] Vector { get; set; } = [];
    }
}

public sealed class EmbeddedRecordTests(EmbeddedTarget target) : RecordTests(target), IClassFixture<EmbeddedTarget>;

public sealed class ServerRecordTests(ServerTarget target) : RecordTests(target), IClassFixture<ServerTarget>;
