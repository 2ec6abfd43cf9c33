namespace VectorEngine;

/// <summary>Base of every bad-input error. Nothing was written when one is thrown.</summary>
public class VectorEngineArgumentException : ArgumentException, IVectorEngineError
{
    /// <summary>Creates the exception.</summary>
    /// <param name="message">What is wrong, naming the field.</param>
    /// <param name="paramName">The field or parameter at fault.</param>
    public VectorEngineArgumentException(string message, string? paramName = null)
        : base(message, paramName)
    {
    }

    /// <inheritdoc />
    public VectorEngineErrorKind Kind => VectorEngineErrorKind.InvalidArgument;
}

/// <summary>A vector's length differs from the collection's dimension.</summary>
public sealed class DimensionMismatchException : VectorEngineArgumentException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="expected">The collection's dimension.</param>
    /// <param name="actual">The length given.</param>
    /// <param name="paramName">The field at fault.</param>
    public DimensionMismatchException(int expected, int actual, string? paramName = "vector")
        : base($"Vector has {actual} dimensions; expected {expected}.", paramName)
    {
        Expected = expected;
        Actual = actual;
    }

    /// <summary>The expected dimension.</summary>
    public int Expected { get; }

    /// <summary>The length that was given.</summary>
    public int Actual { get; }
}

/// <summary>A vector holds NaN or infinity, or is otherwise unusable (a zero vector under cosine).</summary>
public sealed class InvalidVectorException : VectorEngineArgumentException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="message">What is wrong.</param>
    /// <param name="paramName">The field at fault.</param>
    public InvalidVectorException(string message, string? paramName = "vector")
        : base(message, paramName)
    {
    }
}

/// <summary>A filter is malformed, too deep, or names a field with a value of the wrong type.</summary>
public sealed class InvalidFilterException : VectorEngineArgumentException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="message">What is wrong.</param>
    public InvalidFilterException(string message)
        : base(message, "filter")
    {
    }
}

/// <summary>A payload value is malformed or clashes with a declared payload index type.</summary>
public sealed class InvalidPayloadException : VectorEngineArgumentException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="message">What is wrong.</param>
    public InvalidPayloadException(string message)
        : base(message, "payload")
    {
    }
}
