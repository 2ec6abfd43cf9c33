using Microsoft.Extensions.VectorData;

namespace VectorEngine.VectorData.Tests;

/// <summary>Collection management, distance functions and index kinds, through the store and its collections.</summary>
public abstract class CollectionTests(StoreTarget target) : TargetTests(target)
{
    [Fact]
    public async Task Collections_are_made_listed_and_deleted_idempotently()
    {
        VectorEngineVectorStore store = Target.Store();
        var items = store.GetCollection<ulong, Item>(Target.NewName("lifecycle"));
        Assert.False(await items.CollectionExistsAsync());
        Assert.False(await store.CollectionExistsAsync(items.Name));

        await items.EnsureCollectionExistsAsync();
        await items.EnsureCollectionExistsAsync();
        Assert.True(await items.CollectionExistsAsync());
        Assert.Contains(items.Name, await store.ListCollectionNamesAsync().ToListAsync());

        CollectionInfo info = await Target.Database.OpenCollection(items.Name).GetInfoAsync();
        Assert.Equal((3, DistanceMetric.L2), (info.Dimension, info.Metric));

        await items.EnsureCollectionDeletedAsync();
        await items.EnsureCollectionDeletedAsync();
        Assert.False(await items.CollectionExistsAsync());
        await store.EnsureCollectionDeletedAsync(items.Name);

        await items.EnsureCollectionExistsAsync();
        await store.EnsureCollectionDeletedAsync(items.Name);
        Assert.DoesNotContain(items.Name, await store.ListCollectionNamesAsync().ToListAsync());
    }

    [Fact]
    public async Task Metadata_and_the_database_are_served_by_GetService()
    {
        VectorEngineVectorStore store = Target.Store();
        var items = store.GetCollection<ulong, Item>("meta");
        Assert.Equal("vectorengine", ((VectorStoreMetadata)store.GetService(typeof(VectorStoreMetadata))!).VectorStoreSystemName);
        Assert.Equal("meta", ((VectorStoreCollectionMetadata)items.GetService(typeof(VectorStoreCollectionMetadata))!).CollectionName);
        Assert.Same(Target.Database, items.GetService(typeof(IVectorDatabase)));
        Assert.Null(items.GetService(typeof(string)));
    }

    public static TheoryData<string, double[], double> Functions => new()
    {
        { DistanceFunction.CosineSimilarity, [1, 0, -1], 0 },
        { DistanceFunction.CosineDistance, [0, 1, 2], 1 },
        { DistanceFunction.DotProductSimilarity, [1, 0, -1], 0 },
        { DistanceFunction.NegativeDotProductSimilarity, [-1, 0, 1], 0 },
        { DistanceFunction.EuclideanDistance, [0, Math.Sqrt(2), 2], 1.5 },
        { DistanceFunction.EuclideanSquaredDistance, [0, 2, 4], 2 },
    };

    [Theory]
    [MemberData(nameof(Functions))]
    public async Task Every_distance_function_orders_and_scores_as_defined(string function, double[] expectedScores, double threshold)
    {
        var collection = await ThreePointsAsync(function, IndexKind.Flat);
        VectorSearchResult<Dictionary<string, object?>>[] results = await collection.SearchAsync(new ReadOnlyMemory<float>([1, 0, 0]), 3).ToArrayAsync();
        Assert.Equal(new object[] { 1UL, 2UL, 3UL }, results.Select(r => r.Record["Key"]!));
        for (int i = 0; i < 3; i++)
        {
            Assert.Equal(expectedScores[i], results[i].Score!.Value, 5);
        }

        // The threshold is in the function's own units: similarities keep scores at or above it, distances at or below.
        Assert.Equal(new object[] { 1UL, 2UL }, await collection.SearchAsync(new ReadOnlyMemory<float>([1, 0, 0]), 3, new() { ScoreThreshold = threshold })
            .Select(r => r.Record["Key"]!).ToArrayAsync());
    }

    [Theory]
    [InlineData(IndexKind.Hnsw, "hnsw")]
    [InlineData(IndexKind.Flat, "flat")]
    public async Task Index_kinds_make_the_engine_index(string kind, string engineIndex)
    {
        var collection = await ThreePointsAsync(DistanceFunction.CosineSimilarity, kind);
        Assert.Equal(engineIndex, (await Target.Database.OpenCollection(collection.Name).GetInfoAsync()).IndexName);
        Assert.Equal(1UL, (await collection.SearchAsync(new ReadOnlyMemory<float>([1, 0.1f, 0]), 1).SingleAsync()).Record["Key"]);
    }

    [Theory]
    [InlineData(DistanceFunction.HammingDistance, null)]
    [InlineData(DistanceFunction.ManhattanDistance, null)]
    [InlineData(DistanceFunction.CosineSimilarity, IndexKind.DiskAnn)]
    [InlineData(DistanceFunction.CosineSimilarity, IndexKind.IvfFlat)]
    public void Unsupported_distance_functions_and_index_kinds_are_refused_by_name(string function, string? kind)
    {
        NotSupportedException e = Assert.Throws<NotSupportedException>(() => Target.Store().GetDynamicCollection("refused", Definition(function, kind)));
        Assert.Contains(kind ?? function, e.Message);
    }

    private async Task<VectorEngineDynamicCollection> ThreePointsAsync(string function, string? kind)
    {
        VectorEngineDynamicCollection collection = Target.Store().GetDynamicCollection(Target.NewName("distance"), Definition(function, kind));
        await collection.EnsureCollectionExistsAsync();
        await collection.UpsertAsync(
        [
            new() { ["Key"] = 1UL, ["Vector"] = new ReadOnlyMemory<float>([1, 0, 0]) },
            new() { ["Key"] = 2UL, ["Vector"] = new ReadOnlyMemory<float>([0, 1, 0]) },
            new() { ["Key"] = 3UL, ["Vector"] = new ReadOnlyMemory<float>([-1, 0, 0]) },
        ]);
        return collection;
    }

    private static VectorStoreCollectionDefinition Definition(string function, string? kind) => new()
    {
        Properties =
        [
            new VectorStoreKeyProperty("Key", typeof(ulong)),
            new VectorStoreVectorProperty("Vector", typeof(ReadOnlyMemory<float>), 3) { DistanceFunction = function, IndexKind = kind },
        ],
    };
}

public sealed class EmbeddedCollectionTests(EmbeddedTarget target) : CollectionTests(target), IClassFixture<EmbeddedTarget>;

public sealed class ServerCollectionTests(ServerTarget target) : CollectionTests(target), IClassFixture<ServerTarget>;
