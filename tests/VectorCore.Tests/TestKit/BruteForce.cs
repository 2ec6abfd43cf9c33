namespace VectorEngine.Tests.TestKit;

/// <summary>Reference nearest-neighbour search in float64, independent of the engine's kernels.</summary>
internal static class BruteForce
{
    public static double Distance(DistanceMetric metric, float[] a, float[] b)
    {
        double sum = 0;
        switch (metric)
        {
            case DistanceMetric.L2:
                for (int i = 0; i < a.Length; i++)
                {
                    double d = (double)a[i] - b[i];
                    sum += d * d;
                }

                return sum;
            case DistanceMetric.InnerProduct:
                for (int i = 0; i < a.Length; i++)
                {
                    sum += (double)a[i] * b[i];
                }

                return -sum;
            default:
                double na = 0, nb = 0;
                for (int i = 0; i < a.Length; i++)
                {
                    sum += (double)a[i] * b[i];
                    na += (double)a[i] * a[i];
                    nb += (double)b[i] * b[i];
                }

                return -sum / Math.Sqrt(na * nb);
        }
    }

    public static List<(T Id, double Distance)> TopK<T>(DistanceMetric metric, float[] query, IEnumerable<(T Id, float[] Vector)> points, int k) =>
        points.Select(p => (p.Id, Distance(metric, query, p.Vector))).OrderBy(x => x.Item2).Take(k).ToList();
}
