namespace VectorEngine.Sharding.Routing;

/// <summary>A fanned-out read's answer and the shards that did not contribute to it.</summary>
/// <typeparam name="T">The merged answer.</typeparam>
/// <param name="Value">The answer from the shards that answered.</param>
/// <param name="Partial">Shards that did not answer in time or whose node is down; empty when every shard answered.</param>
public sealed record RoutedResult<T>(T Value, IReadOnlyList<int> Partial);
