namespace VectorEngine.Bench.Planning;

/// <summary>
/// Fits ln y = c0 + c1·ln knob + c2·ln n for extrapolation in n. The knob's exponent comes from all sizes (one
/// intercept per size, so that sizes do not blur it); the exponent in n comes from the two largest sizes, and the
/// curve passes through the largest. Smaller indexes sit deeper in the CPU caches and their graphs are easier, so a
/// slope fitted over all sizes understates how time grows beyond them (measured: fitted over 4k-16k points it
/// predicted 32k 25-35% fast; the local slope, within 15%).
/// </summary>
internal static class PowerLawFit
{
    /// <summary>The coefficients (c0, c1, c2); c1 is 0 when <paramref name="rows"/> have no knob (knob 0).</summary>
    /// <param name="rows">Measurements: index size, knob value (0: none), ln y.</param>
    public static (double C0, double C1, double C2) Fit(IReadOnlyList<(int Points, int Knob, double LogY)> rows)
    {
        int[] sizes = rows.Select(r => r.Points).Distinct().Order().ToArray();
        if (sizes.Length < 2)
        {
            throw new ArgumentException("A fit in n needs two or more sizes.", nameof(rows));
        }

        double c1 = 0;
        bool hasKnob = rows.Any(r => r.Knob > 0) && rows.Select(r => r.Knob).Distinct().Count() > 1;
        if (hasKnob)
        {
            // Within-size regression: centre ln knob and ln y per size, then one common slope.
            double sxy = 0, sxx = 0;
            foreach (IGrouping<int, (int Points, int Knob, double LogY)> size in rows.GroupBy(r => r.Points))
            {
                double mx = size.Average(r => Math.Log(r.Knob)), my = size.Average(r => r.LogY);
                foreach ((int _, int knob, double logY) in size)
                {
                    sxy += (Math.Log(knob) - mx) * (logY - my);
                    sxx += (Math.Log(knob) - mx) * (Math.Log(knob) - mx);
                }
            }

            c1 = sxx == 0 ? 0 : sxy / sxx;
        }

        double Level(int points) => rows.Where(r => r.Points == points).Average(r => r.LogY - (hasKnob ? c1 * Math.Log(r.Knob) : 0));
        int largest = sizes[^1], previous = sizes[^2];
        double c2 = (Level(largest) - Level(previous)) / (Math.Log(largest) - Math.Log(previous));
        double c0 = Level(largest) - (c2 * Math.Log(largest));
        return (c0, c1, c2);
    }
}
