namespace VectorEngine.Sharding.Coordination;

/// <summary>
/// Where the cluster keeps its state in etcd, all under one prefix: <c>/NAME/nodes/ID</c> (a live node, under its
/// lease), <c>/NAME/collections/COLLECTION</c> (definition and shard map) and the election <c>/NAME/coordinator</c>.
/// </summary>
internal sealed class EtcdKeys(string clusterName)
{
    public string Root { get; } = "/" + clusterName + "/";

    public string Nodes => Root + "nodes/";

    public string Collections => Root + "collections/";

    public string Election => Root + "coordinator";

    public string Node(string nodeId) => Nodes + nodeId;

    public string Collection(string name) => Collections + name;

    /// <summary>The end of the key range that holds every key starting with <paramref name="prefix"/> (etcd's range_end).</summary>
    public static string RangeEnd(string prefix)
    {
        char[] chars = prefix.ToCharArray();
        chars[^1]++;
        return new string(chars);
    }
}
