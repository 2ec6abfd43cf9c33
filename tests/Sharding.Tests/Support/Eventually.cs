using System.Diagnostics;

namespace VectorEngine.Sharding.Tests.Support;

/// <summary>Bounded waiting: polls a condition every 50 ms until it holds or the time is up.</summary>
public static class Eventually
{
    /// <summary>Returns how long it took; fails the test with <paramref name="what"/> when <paramref name="limit"/> passes.</summary>
    public static async Task<TimeSpan> Holds(Func<bool> condition, TimeSpan limit, string what)
    {
        var clock = Stopwatch.StartNew();
        while (!condition())
        {
            if (clock.Elapsed > limit)
            {
                Assert.Fail($"Not within {limit.TotalSeconds:F0} s: {what}");
            }

            await Task.Delay(50);
        }

        return clock.Elapsed;
    }
}
