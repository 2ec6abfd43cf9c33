namespace VectorEngine.Sharding.Tests;

/// <summary>StableHash values recorded when it was written (XxHash64, seed 0, kind tag + little-endian bytes).</summary>
internal static class StableHashGolden
{
    public const ulong Number1 = 8872220978401710467UL;
    public const ulong StringAbc = 559364408974705281UL;
    public const ulong Uuid = 6224817344695529883UL;
    public const ulong Tenant = 12342762469224151115UL;
}
