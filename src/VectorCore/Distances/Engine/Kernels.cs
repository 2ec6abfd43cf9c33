using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace VectorEngine.Distances.Engine;

/// <summary>Squared Euclidean distance: sum of (a - b)^2.</summary>
internal readonly struct L2SquaredKernel : IAggregationKernel
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Step(float acc, float a, float b)
    {
        float d = a - b;
        return MathF.FusedMultiplyAdd(d, d, acc);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> Step(Vector128<float> acc, Vector128<float> a, Vector128<float> b)
    {
        Vector128<float> d = a - b;
        return Vector128.MultiplyAddEstimate(d, d, acc);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Step(Vector256<float> acc, Vector256<float> a, Vector256<float> b)
    {
        Vector256<float> d = a - b;
        return Vector256.MultiplyAddEstimate(d, d, acc);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Step(Vector512<float> acc, Vector512<float> a, Vector512<float> b)
    {
        Vector512<float> d = a - b;
        return Vector512.MultiplyAddEstimate(d, d, acc);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Finish(float sum) => sum;
}

/// <summary>Dot product: sum of a * b.</summary>
internal readonly struct DotKernel : IAggregationKernel
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Step(float acc, float a, float b) => MathF.FusedMultiplyAdd(a, b, acc);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> Step(Vector128<float> acc, Vector128<float> a, Vector128<float> b) =>
        Vector128.MultiplyAddEstimate(a, b, acc);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Step(Vector256<float> acc, Vector256<float> a, Vector256<float> b) =>
        Vector256.MultiplyAddEstimate(a, b, acc);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Step(Vector512<float> acc, Vector512<float> a, Vector512<float> b) =>
        Vector512.MultiplyAddEstimate(a, b, acc);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Finish(float sum) => sum;
}

/// <summary>
/// Negated dot product: the internal distance for inner product and (normalised) cosine, so that smaller is closer for
/// every metric and one top-k heap serves them all.
/// </summary>
internal readonly struct NegativeDotKernel : IAggregationKernel
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Step(float acc, float a, float b) => DotKernel.Step(acc, a, b);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> Step(Vector128<float> acc, Vector128<float> a, Vector128<float> b) => DotKernel.Step(acc, a, b);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Step(Vector256<float> acc, Vector256<float> a, Vector256<float> b) => DotKernel.Step(acc, a, b);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Step(Vector512<float> acc, Vector512<float> a, Vector512<float> b) => DotKernel.Step(acc, a, b);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Finish(float sum) => -sum;
}
