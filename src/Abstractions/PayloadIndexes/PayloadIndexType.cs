namespace VectorEngine;

/// <summary>The type of a declared payload index. Values stored under an indexed key must have this type (or be null).</summary>
public enum PayloadIndexType
{
    /// <summary>Strings, indexed as posting lists per exact value (for match and match-any).</summary>
    Keyword = 1,

    /// <summary>64-bit integers, indexed for match and range.</summary>
    Integer = 2,

    /// <summary>Floats (integers are accepted too), indexed for range.</summary>
    Float = 3,

    /// <summary>Datetimes, indexed for range.</summary>
    DateTime = 4,

    /// <summary>Booleans, indexed for match.</summary>
    Bool = 5,

    /// <summary>
    /// Strings, analyzed into terms (see <see cref="CollectionOptions.TextAnalyzers"/>) and indexed for
    /// <see cref="Filters.Condition.Text"/> filters and BM25 search.
    /// </summary>
    Text = 6,
}
