namespace VectorEngine.Bench.Planning;

/// <summary>
/// Waiting time in an M/M/c queue (Erlang C): a node's cores as c servers, shard searches as jobs. It tells how much a
/// load adds to a query's p95: nothing on a 16-core node at half load, a lot on a 2-core one.
/// </summary>
internal static class QueueingDelay
{
    /// <summary>The 95th percentile of the wait before a search starts, in seconds.</summary>
    /// <param name="servers">Cores (c).</param>
    /// <param name="utilization">Load over capacity (ρ), below 1.</param>
    /// <param name="serviceSeconds">Mean time of one search on one core (1/μ).</param>
    public static double P95WaitSeconds(int servers, double utilization, double serviceSeconds)
    {
        if (utilization <= 0)
        {
            return 0;
        }

        double waitProbability = ErlangC(servers, utilization);

        // P(W > t) = C · exp(-(cμ - λ) t); the 95th percentile is 0 when fewer than 5% of jobs wait at all.
        double drain = servers * (1 - utilization) / serviceSeconds;
        return waitProbability <= 0.05 ? 0 : Math.Log(waitProbability / 0.05) / drain;
    }

    /// <summary>The probability that a job waits, by the stable recurrence on Erlang B.</summary>
    public static double ErlangC(int servers, double utilization)
    {
        double offered = servers * utilization;
        double erlangB = 1;
        for (int k = 1; k <= servers; k++)
        {
            erlangB = offered * erlangB / (k + (offered * erlangB));
        }

        return erlangB / (1 - (utilization * (1 - erlangB)));
    }
}
