using System.Globalization;

namespace VectorEngine.Cluster.Tests;

/// <summary>Reads values out of Prometheus text.</summary>
internal static class Metrics
{
    /// <summary>The sum of every sample of <paramref name="name"/> whose labels contain all of <paramref name="labels"/>.</summary>
    public static double Sum(string text, string name, params string[] labels) => text.Split('\n')
        .Where(l => l.StartsWith(name, StringComparison.Ordinal) && (l.Length > name.Length && (l[name.Length] == '{' || l[name.Length] == ' ')))
        .Where(l => labels.All(label => l.Contains(label, StringComparison.Ordinal)))
        .Sum(l => double.Parse(l[(l.LastIndexOf(' ') + 1)..], CultureInfo.InvariantCulture));
}
