namespace VectorEngine.Bench.Planning;

/// <summary>
/// What a node's engine process holds in memory for the index copies on it: more than the engine's index accounting,
/// because the managed heap carries object headers, arrays' slack and the id maps beside the indexes, and the runtime
/// holds its code, native libraries and thread stacks. The planner fits this process, not the bare indexes, into the
/// share of a node's memory it may fill, and leaves the rest to the page cache.
/// </summary>
/// <remarks>
/// Measured with <c>bench tiers</c> (1M text-like 384-d points in five warm hnsw-pq segments): 236 MiB of index
/// accounting opened into a 309 MiB managed heap and a 478-485 MiB resident set; at 10M, a heap of 2.0 GiB for about
/// 1.6 GiB. With three of the five segments hot (their float rows mapped), 1,188 MiB of accounting ran in 1,620-1,715
/// MiB, where this reads 1,724. Under a 640 MiB memory cap, where the process took 76% of the node and left 155 MiB of
/// page cache, a warm search slowed by 20-27 µs per rescoring row, far beyond what the rows themselves cost; most likely
/// the runtime's own mapped pages (code, native libraries) were reclaimed and read back, which was not measured apart.
/// </remarks>
internal static class EngineProcess
{
    /// <summary>Managed heap per byte of the engine's index accounting: 309 MiB for 236 at 1M, 2.0 GiB for about 1.6 at 10M.</summary>
    public const double HeapPerIndexByte = 1.3;

    /// <summary>What the runtime holds besides that heap: the 1M process's 485 MiB resident set less its 309 MiB heap.</summary>
    public const double RuntimeBytes = 180L << 20;

    /// <summary>The process's resident bytes for <paramref name="indexBytes"/> of index copies on the node.</summary>
    public static double Bytes(double indexBytes) => (indexBytes * HeapPerIndexByte) + RuntimeBytes;

    /// <summary>
    /// How many copies of <paramref name="copyIndexBytes"/> each fit in <paramref name="nodeRamBytes"/> when the process
    /// may fill <paramref name="ramFraction"/> of it (0 when not even one does).
    /// </summary>
    public static int CopiesThatFit(double nodeRamBytes, double ramFraction, double copyIndexBytes)
    {
        double room = (nodeRamBytes * ramFraction) - RuntimeBytes;
        if (room <= 0)
        {
            return 0;
        }

        return copyIndexBytes <= 0 ? int.MaxValue : (int)Math.Min(int.MaxValue, Math.Floor(room / (copyIndexBytes * HeapPerIndexByte)));
    }
}
