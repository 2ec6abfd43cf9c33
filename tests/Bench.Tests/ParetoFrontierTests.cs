using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using VectorEngine.Bench.Runs;

namespace VectorEngine.Bench.Tests;

/// <summary>The Pareto marking against its definition, evaluated pairwise.</summary>
public sealed class ParetoFrontierTests
{
    [Property(MaxTest = 200)]
    public Property A_run_is_on_the_frontier_when_no_run_of_its_series_beats_it_on_both() =>
        Prop.ForAll(Gen.Choose(0, int.MaxValue).ToArbitrary(), seed =>
        {
            var random = new Random(seed);
            int count = random.Next(1, 30);

            // Distinct recalls and QPS (ties are broken by order, which the definition below does not model).
            double[] recalls = Enumerable.Range(0, 1000).OrderBy(_ => random.Next()).Take(count).Select(v => v / 1000.0).ToArray();
            double[] qps = Enumerable.Range(1, 1000).OrderBy(_ => random.Next()).Take(count).Select(v => v * 10.0).ToArray();
            List<AnnRun> runs = Enumerable.Range(0, count).Select(i => new AnnRun
            {
                Index = "hnsw",
                Engine = random.Next(2) == 0 ? "vectorengine" : "hnswlib",
                Threads = 1 + random.Next(2),
                RecallAtK = recalls[i],
                Qps = qps[i],
            }).ToList();

            ParetoFrontier.Mark(runs);

            foreach (AnnRun run in runs)
            {
                bool dominated = runs.Any(other => other != run && ParetoFrontier.SeriesOf(other) == ParetoFrontier.SeriesOf(run)
                    && other.RecallAtK > run.RecallAtK && other.Qps > run.Qps);
                Assert.Equal(!dominated, run.Pareto);
            }
        });
}
