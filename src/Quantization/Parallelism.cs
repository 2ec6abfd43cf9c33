namespace VectorEngine.Quantization;

/// <summary>Build-thread settings as the training and encoding loops take them.</summary>
internal static class Parallelism
{
    /// <summary>Options for <paramref name="threads"/> threads; 0 or less uses every core.</summary>
    public static ParallelOptions Options(int threads) => new() { MaxDegreeOfParallelism = threads > 0 ? threads : -1 };
}
