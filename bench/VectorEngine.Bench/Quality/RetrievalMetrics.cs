namespace VectorEngine.Bench.Quality;

/// <summary>
/// The BEIR metrics over one ranking per query, as pytrec_eval computes them: NDCG@10 (gain = relevance, log2
/// discount, ideal from the judged documents), recall@100 (relevant found / relevant judged) and MRR@10.
/// </summary>
internal static class RetrievalMetrics
{
    public static (double Ndcg10, double Recall100, double Mrr10) Score(
        IReadOnlyDictionary<string, Dictionary<string, int>> qrels, IReadOnlyDictionary<string, IReadOnlyList<string>> rankings)
    {
        double ndcg = 0, recall = 0, mrr = 0;
        foreach ((string query, Dictionary<string, int> judged) in qrels)
        {
            IReadOnlyList<string> ranking = rankings.GetValueOrDefault(query) ?? [];
            ndcg += Ndcg(judged, ranking, 10);
            int relevant = judged.Count(j => j.Value > 0);
            recall += relevant == 0 ? 0 : (double)ranking.Take(100).Count(d => judged.GetValueOrDefault(d) > 0) / relevant;
            int first = ranking.Take(10).ToList().FindIndex(d => judged.GetValueOrDefault(d) > 0);
            mrr += first < 0 ? 0 : 1.0 / (first + 1);
        }

        int n = qrels.Count;
        return (ndcg / n, recall / n, mrr / n);
    }

    private static double Ndcg(Dictionary<string, int> judged, IReadOnlyList<string> ranking, int k)
    {
        double dcg = 0;
        for (int i = 0; i < Math.Min(k, ranking.Count); i++)
        {
            dcg += judged.GetValueOrDefault(ranking[i]) / Math.Log2(i + 2);
        }

        double ideal = 0;
        int rank = 0;
        foreach (int gain in judged.Values.Where(v => v > 0).OrderByDescending(v => v).Take(k))
        {
            ideal += gain / Math.Log2(rank + 2);
            rank++;
        }

        return ideal == 0 ? 0 : dcg / ideal;
    }
}
