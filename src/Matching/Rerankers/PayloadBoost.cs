namespace VectorEngine.Matching;

/// <summary>A business rule added to a blended score: fresher postings, the candidate's city, a premium flag.</summary>
public abstract record PayloadBoost
{
    private protected PayloadBoost(string field, double weight)
    {
        if (string.IsNullOrEmpty(field))
        {
            throw new VectorEngineArgumentException("A boost needs a payload field.", nameof(field));
        }

        if (!double.IsFinite(weight))
        {
            throw new VectorEngineArgumentException($"Boost weight on '{field}' must be a finite number; got {weight}.", nameof(weight));
        }

        Field = field;
        Weight = weight;
    }

    /// <summary>The payload field read.</summary>
    public string Field { get; }

    /// <summary>The most this boost adds (negative to penalise).</summary>
    public double Weight { get; }

    /// <summary>Adds up to <paramref name="weight"/>, halving every <paramref name="halfLife"/> of age of a datetime field (a future date counts as now).</summary>
    /// <param name="field">A datetime payload field (posted, updated).</param>
    /// <param name="halfLife">Age at which the boost is half its weight.</param>
    /// <param name="weight">The boost of a brand-new point.</param>
    public static PayloadBoost Recency(string field, TimeSpan halfLife, double weight) => new RecencyBoost(field, halfLife, weight);

    /// <summary>Adds <paramref name="weight"/> when the field equals <paramref name="value"/> (for arrays, any element does): a location, a seniority, a flag.</summary>
    /// <param name="field">The payload field.</param>
    /// <param name="value">The value that earns the boost.</param>
    /// <param name="weight">The boost.</param>
    public static PayloadBoost Matching(string field, PayloadValue value, double weight) => new MatchBoost(field, value, weight);

    internal abstract double Score(Payload? payload, DateTime now);

    private sealed record RecencyBoost : PayloadBoost
    {
        private readonly TimeSpan _halfLife;

        public RecencyBoost(string field, TimeSpan halfLife, double weight)
            : base(field, weight)
        {
            if (halfLife <= TimeSpan.Zero)
            {
                throw new VectorEngineArgumentException($"Recency half-life on '{field}' must be positive; got {halfLife}.", nameof(halfLife));
            }

            _halfLife = halfLife;
        }

        internal override double Score(Payload? payload, DateTime now)
        {
            if (payload is null || !payload.TryGetValue(Field, out PayloadValue value) || value.Kind != PayloadValueKind.DateTime)
            {
                return 0;
            }

            double age = Math.Max(0, (now - value.AsDateTime).TotalSeconds);
            return Weight * Math.Pow(0.5, age / _halfLife.TotalSeconds);
        }
    }

    private sealed record MatchBoost(string Key, PayloadValue Value, double BoostWeight) : PayloadBoost(Key, BoostWeight)
    {
        internal override double Score(Payload? payload, DateTime now)
        {
            if (payload is null || !payload.TryGetValue(Field, out PayloadValue found))
            {
                return 0;
            }

            return found.Kind == PayloadValueKind.Array ? (found.AsArray.Contains(Value) ? Weight : 0) : found.Equals(Value) ? Weight : 0;
        }
    }
}
