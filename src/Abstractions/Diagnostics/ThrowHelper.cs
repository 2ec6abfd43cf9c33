using System.Diagnostics.CodeAnalysis;

namespace VectorEngine.Diagnostics;

/// <summary>Throw sites kept out of line so the callers stay small enough to inline.</summary>
internal static class ThrowHelper
{
    [DoesNotReturn]
    public static void ThrowArgument(string paramName, string message) =>
        throw new VectorEngineArgumentException(message, paramName);

    [DoesNotReturn]
    public static void ThrowDimensionMismatch(int expected, int actual, string paramName = "vector") =>
        throw new DimensionMismatchException(expected, actual, paramName);

    [DoesNotReturn]
    public static void ThrowInvalidVector(string message, string paramName = "vector") =>
        throw new InvalidVectorException(message, paramName);

    [DoesNotReturn]
    public static void ThrowFilter(string message) => throw new InvalidFilterException(message);

    [DoesNotReturn]
    public static void ThrowPayload(string message) => throw new InvalidPayloadException(message);

    [DoesNotReturn]
    public static void ThrowCorrupt(string message, Exception? inner = null) => throw new DataCorruptionException(message, inner);

    [DoesNotReturn]
    public static void ThrowClosed(string what) =>
        throw new VectorEngineException(VectorEngineErrorKind.Closed, $"{what} has been closed.");
}
