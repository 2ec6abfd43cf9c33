using System.Runtime.Intrinsics;

namespace VectorEngine.Distances.Engine;

/// <summary>
/// A per-element step of a pairwise reduction, at every SIMD width. The loops in <see cref="PairwiseAggregate"/> are written
/// once and specialised per kernel by the JIT (struct generic), as TensorPrimitives does with its aggregation operators.
/// </summary>
internal interface IAggregationKernel
{
    /// <summary>Folds one element pair into the accumulator.</summary>
    static abstract float Step(float acc, float a, float b);

    static abstract Vector128<float> Step(Vector128<float> acc, Vector128<float> a, Vector128<float> b);

    static abstract Vector256<float> Step(Vector256<float> acc, Vector256<float> a, Vector256<float> b);

    static abstract Vector512<float> Step(Vector512<float> acc, Vector512<float> a, Vector512<float> b);

    /// <summary>Maps the reduced sum to the internal distance (smaller is closer).</summary>
    static abstract float Finish(float sum);
}
