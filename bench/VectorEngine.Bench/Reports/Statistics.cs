namespace VectorEngine.Bench.Reports;

/// <summary>Small summaries the bench's measurements share.</summary>
internal static class Statistics
{
    /// <summary>The middle value, or the mean of the two middle ones for an even count.</summary>
    public static double Median(IEnumerable<double> values)
    {
        double[] sorted = [.. values.Order()];
        return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[(sorted.Length / 2) - 1] + sorted[sorted.Length / 2]) / 2;
    }
}
