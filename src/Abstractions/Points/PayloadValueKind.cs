namespace VectorEngine;

/// <summary>The type of a <see cref="PayloadValue"/>.</summary>
public enum PayloadValueKind : byte
{
    /// <summary>An explicit null.</summary>
    Null = 0,

    /// <summary>A string (keyword).</summary>
    String = 1,

    /// <summary>A 64-bit integer.</summary>
    Integer = 2,

    /// <summary>A 64-bit float.</summary>
    Float = 3,

    /// <summary>A boolean.</summary>
    Bool = 4,

    /// <summary>A UTC date and time.</summary>
    DateTime = 5,

    /// <summary>An array of scalar values (no nested arrays).</summary>
    Array = 6,
}
