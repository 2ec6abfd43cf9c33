namespace VectorEngine.Indexing.Scoring;

/// <summary>
/// Stored rows scored against one another: what a graph build links with. A struct generic, so each space's scorer
/// compiles into the build loop.
/// </summary>
/// <typeparam name="TScorer">The scorer whose query is one stored row.</typeparam>
public interface IRowSpace<TScorer>
    where TScorer : struct, IVectorScorer
{
    /// <summary>A scorer of every row against row <paramref name="row"/>.</summary>
    /// <param name="row">The row that serves as the query.</param>
    TScorer From(uint row);
}

/// <summary>Receives a row space (from a code container that offers one) and returns what it computed.</summary>
/// <typeparam name="TResult">What the user returns.</typeparam>
public interface IRowSpaceUser<TResult>
{
    /// <summary>Runs with <paramref name="space"/>.</summary>
    /// <typeparam name="TSpace">The space.</typeparam>
    /// <typeparam name="TScorer">Its scorer.</typeparam>
    /// <param name="space">The rows.</param>
    TResult Use<TSpace, TScorer>(TSpace space)
        where TSpace : struct, IRowSpace<TScorer>
        where TScorer : struct, IVectorScorer;
}
