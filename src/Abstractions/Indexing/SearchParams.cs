namespace VectorEngine;

/// <summary>Per-search options.</summary>
public sealed record SearchParams
{
    /// <summary>Default parameters.</summary>
    public static SearchParams Default { get; } = new();

    /// <summary>Skip any approximate index and scan exactly.</summary>
    public bool Exact { get; init; }

    /// <summary>Beam width for graph indexes (ef in the HNSW paper); null uses the index's default. Ignored by the flat index.</summary>
    public int? Ef { get; init; }

    /// <summary>Inverted lists to probe for IVF indexes; null uses the index's default. Ignored by the flat index.</summary>
    public int? NProbe { get; init; }

    /// <summary>
    /// Quantized indexes: candidates taken from the codes per result asked for, before rescoring with the float vectors
    /// (k · oversampling are rescored); null uses the index's setting. Ignored by unquantized indexes.
    /// </summary>
    public double? Oversampling { get; init; }

    /// <summary>Quantized indexes: rescore candidates with the float vectors; null uses the index's setting.</summary>
    public bool? Rescore { get; init; }
}
