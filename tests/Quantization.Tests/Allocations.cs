namespace VectorEngine.Quantization.Tests;

/// <summary>Bytes a warm call allocates on this thread: the hot-path check of every search test.</summary>
internal static class Allocations
{
    /// <summary>Runs <paramref name="call"/> 50 times to warm it, then returns what 200 more calls allocated.</summary>
    public static long OfWarm(Action call)
    {
        for (int i = 0; i < 50; i++)
        {
            call();
        }

        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 200; i++)
        {
            call();
        }

        return GC.GetAllocatedBytesForCurrentThread() - before;
    }
}
