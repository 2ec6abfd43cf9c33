namespace VectorEngine.Tests.Text;

/// <summary>BM25 straight from its definition over a list of analyzed live documents: the oracle for the engine's scorer.</summary>
internal static class Bm25Reference
{
    public static Dictionary<ulong, double> Scores(IReadOnlyDictionary<ulong, string[]> documents, string[] query, double k1 = 1.2, double b = 0.75)
    {
        var withText = documents.Where(d => d.Value.Length > 0).ToList();
        double n = withText.Count;
        double average = withText.Sum(d => d.Value.Length) / Math.Max(1, n);
        var scores = new Dictionary<ulong, double>();
        foreach (var group in query.GroupBy(t => t))
        {
            double df = withText.Count(d => d.Value.Contains(group.Key));
            double idf = Math.Log(1 + ((n - df + 0.5) / (df + 0.5)));
            foreach ((ulong id, string[] terms) in withText)
            {
                int tf = terms.Count(t => t == group.Key);
                if (tf > 0)
                {
                    scores[id] = scores.GetValueOrDefault(id) + (group.Count() * idf * tf * (k1 + 1) / (tf + (k1 * (1 - b + (b * terms.Length / average)))));
                }
            }
        }

        return scores;
    }
}
