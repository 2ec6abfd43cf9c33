namespace VectorEngine;

/// <summary><see cref="IVectorDatabase"/> over the synchronous methods (see <see cref="Collection"/>'s).</summary>
public sealed partial class VectorDatabase : IVectorDatabase
{
    Task<IVectorCollection> IVectorDatabase.CreateCollectionAsync(string name, CollectionOptions options, CancellationToken cancellationToken) =>
        CompletedTasks.Run<IVectorCollection>(() => CreateCollection(name, options), cancellationToken);

    IVectorCollection IVectorDatabase.OpenCollection(string name) => GetCollection(name);

    Task<IReadOnlyList<string>> IVectorDatabase.ListCollectionsAsync(CancellationToken cancellationToken) =>
        CompletedTasks.Run(ListCollections, cancellationToken);

    Task IVectorDatabase.DropCollectionAsync(string name, CancellationToken cancellationToken) =>
        CompletedTasks.Run(() =>
        {
            DropCollection(name);
            return true;
        }, cancellationToken);
}
