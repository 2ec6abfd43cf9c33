namespace VectorEngine.Hybrid;

/// <summary>
/// The rankings of a hybrid query's stages fused into one: by reciprocal rank or by weighted min-max normalised score.
/// Ties break by id so a fused ranking is deterministic.
/// </summary>
internal static class StageFusion
{
    /// <param name="stages">Each stage's results, best first, with a higher-is-better score.</param>
    /// <param name="rawScores">Each stage's scores as the stage reported them (for <see cref="FusedPoint.StageScores"/>).</param>
    /// <param name="weights">Each stage's weight.</param>
    /// <param name="fusion">How to fuse.</param>
    /// <param name="limit">How many to keep.</param>
    public static List<(PointId Id, double Score, float?[] Scores, int[] Ranks)> Fuse(
        IReadOnlyList<IReadOnlyList<(PointId Id, float Better)>> stages,
        IReadOnlyList<IReadOnlyList<float>> rawScores,
        IReadOnlyList<double> weights,
        Fusion fusion,
        int limit)
    {
        int count = stages.Count;
        var fused = new Dictionary<PointId, (double Score, float?[] Scores, int[] Ranks)>();
        for (int s = 0; s < count; s++)
        {
            IReadOnlyList<(PointId Id, float Better)> stage = stages[s];
            float best = stage.Count > 0 ? stage[0].Better : 0;
            float worst = stage.Count > 0 ? stage[^1].Better : 0;
            for (int r = 0; r < stage.Count; r++)
            {
                double contribution = fusion switch
                {
                    ReciprocalRankFusion rrf => weights[s] / (rrf.K + r + 1),
                    _ => weights[s] * (best > worst ? (stage[r].Better - worst) / (double)(best - worst) : 1.0),
                };
                if (!fused.TryGetValue(stage[r].Id, out (double Score, float?[] Scores, int[] Ranks) entry))
                {
                    entry = (0, new float?[count], new int[count]);
                }

                entry.Scores[s] = rawScores[s][r];
                entry.Ranks[s] = r + 1;
                fused[stage[r].Id] = (entry.Score + contribution, entry.Scores, entry.Ranks);
            }
        }

        return fused
            .Select(p => (p.Key, p.Value.Score, p.Value.Scores, p.Value.Ranks))
            .OrderByDescending(p => p.Score)
            .ThenBy(p => p.Key)
            .Take(limit)
            .ToList();
    }
}
