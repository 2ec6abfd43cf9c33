using System.Runtime.InteropServices;
using VectorEngine.Diagnostics;
using VectorEngine.PayloadIndexes;

namespace VectorEngine;

/// <summary>
/// The checks a point passes before any write: one place, used by <see cref="Collection.Upsert(IReadOnlyList{Point})"/>
/// and by <see cref="CollectionOptionsChecks.ValidatePoints"/> (a cluster checks a whole batch before splitting it by shard,
/// so a bad point fails the batch everywhere instead of only on its shard).
/// </summary>
internal static class PointChecks
{
    /// <summary>Checks one point of a batch: not null, an id, a valid vector, payload values that fit the payload indexes.</summary>
    public static void Check(Point? point, int index, CollectionOptions options)
    {
        if (point is null)
        {
            ThrowHelper.ThrowArgument("points", $"points[{index}] is null.");
        }

        if (point.Id.IsDefault)
        {
            ThrowHelper.ThrowArgument("id", $"points[{index}] has no id.");
        }

        CheckVector(point.Vector, options.Dimension, options.Metric, $"points[{index}].vector");
        if (point.Payload is { Count: > 0 } payload)
        {
            PayloadSchema.Validate(payload, options.PayloadIndexes, point.Id);
        }
    }

    /// <summary>Checks a stored or query vector and returns its squared norm.</summary>
    /// <exception cref="InvalidVectorException">Null, NaN or infinity, a squared norm past float's range, or zero under cosine.</exception>
    /// <exception cref="DimensionMismatchException">The wrong length.</exception>
    public static float CheckVector(float[]? vector, int dimension, DistanceMetric metric, string field)
    {
        if (vector is null)
        {
            ThrowHelper.ThrowInvalidVector($"{field} is null.", field);
        }

        if (vector.Length != dimension)
        {
            ThrowHelper.ThrowDimensionMismatch(dimension, vector.Length, field);
        }

        // NaN and ±inf are exactly the values with an all-ones exponent.
        ReadOnlySpan<uint> bits = MemoryMarshal.Cast<float, uint>(vector);
        for (int i = 0; i < bits.Length; i++)
        {
            if ((bits[i] & 0x7F80_0000u) == 0x7F80_0000u)
            {
                ThrowHelper.ThrowInvalidVector($"{field}[{i}] is {vector[i]}; vectors must be finite.", field);
            }
        }

        // Finite components can still overflow the squared norm (1e20 squared is past float's range): under cosine the
        // vector would be stored unnormalised and score far above 1, under L2 every distance to it would be infinite.
        float squaredNorm = VectorDistance.Dot(vector, vector);
        if (!float.IsFinite(squaredNorm))
        {
            ThrowHelper.ThrowInvalidVector($"{field} has a norm too large for float32 (its squared norm overflows); scale it down.", field);
        }

        if (metric == DistanceMetric.Cosine && squaredNorm == 0)
        {
            ThrowHelper.ThrowInvalidVector($"{field} is a zero vector, which has no direction under cosine.", field);
        }

        return squaredNorm;
    }
}
