namespace VectorEngine.VectorData.Tests;

/// <summary>A test class run once per target: its subclasses bind it to the embedded database and to a server.</summary>
public abstract class TargetTests(StoreTarget target)
{
    protected StoreTarget Target { get; } = target;

    /// <summary>A new collection of the sample items.</summary>
    protected async Task<VectorEngineCollection<ulong, Item>> SampleItemsAsync(string stem)
    {
        VectorEngineCollection<ulong, Item> items = Target.Store().GetCollection<ulong, Item>(Target.NewName(stem));
        await items.EnsureCollectionExistsAsync();
        await items.UpsertAsync(Item.Samples().Select(i => i.Copy()));
        return items;
    }
}
