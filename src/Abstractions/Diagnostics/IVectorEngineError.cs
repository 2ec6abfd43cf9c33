namespace VectorEngine;

/// <summary>
/// Implemented by every exception the engine throws on purpose. Bad input derives from <see cref="ArgumentException"/>
/// (so callers can catch it the .NET way), other faults from <see cref="VectorEngineException"/>; both carry a kind.
/// </summary>
public interface IVectorEngineError
{
    /// <summary>The class of the error.</summary>
    VectorEngineErrorKind Kind { get; }
}
