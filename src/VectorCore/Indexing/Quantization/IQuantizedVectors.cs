using VectorEngine.Storage;
using VectorEngine.Indexing.Scoring;

namespace VectorEngine.Indexing.Quantization;

/// <summary>
/// Compressed codes of one segment's vectors (int8, PQ, binary), row for row with its <see cref="IVectorStore"/>. An
/// index traverses the codes through a struct scorer and rescores its best candidates with the float rows.
/// </summary>
/// <remarks>
/// The scorer's type belongs to the quantization package, so the index cannot name it: <see cref="Score{TUser,TResult}"/>
/// prepares the query and hands a scorer to the index's <see cref="IScorerUser{TResult}"/>, whose generic method then
/// compiles into one specialised loop per scorer type (double dispatch, once per query, no virtual call per distance).
/// </remarks>
public interface IQuantizedVectors : IDisposable
{
    /// <summary>The quantizer's registered name ("int8", "pq", ...).</summary>
    string Name { get; }

    /// <summary>Rows encoded.</summary>
    int Count { get; }

    /// <summary>Bytes held in memory for one row: its code and any per-row terms.</summary>
    int BytesPerVector { get; }

    /// <summary>Bytes held in memory in all: codes, per-row terms and trained tables.</summary>
    long MemoryBytes { get; }

    /// <summary>
    /// Candidates per result to rescore with the float vectors when neither the index nor the search sets an
    /// oversampling: what these codes need to keep recall (int8 codes measure it on a sample when trained).
    /// </summary>
    double DefaultOversampling { get; }

    /// <summary>Encodes the store's rows [<paramref name="fromOffset"/>, store count) appended since the last call.</summary>
    /// <param name="fromOffset">The first new row.</param>
    void Add(uint fromOffset);

    /// <summary>Writes the trained tables and codes into <paramref name="folder"/> (the segment folder).</summary>
    /// <param name="folder">The segment folder, on the database's file system.</param>
    void Save(StorageFolder folder);

    /// <summary>
    /// Prepares <paramref name="query"/> in <paramref name="scratch"/> and calls <paramref name="user"/> with a scorer
    /// of approximate distances (same order and scale as the float metric's internal distance) to the codes.
    /// </summary>
    /// <typeparam name="TUser">The search that needs the scorer.</typeparam>
    /// <typeparam name="TResult">What the search returns.</typeparam>
    /// <param name="query">The query, preprocessed for the metric (normalised for cosine).</param>
    /// <param name="scratch">Per-search memory for the prepared query; valid while the user runs.</param>
    /// <param name="user">The search.</param>
    TResult Score<TUser, TResult>(ReadOnlySpan<float> query, ScratchBuffer scratch, ref TUser user)
        where TUser : struct, IScorerUser<TResult>;

    /// <summary>
    /// Hands <paramref name="user"/> a space that scores code rows against code rows, when these codes rank neighbours
    /// as the floats do (a graph build then links on them); returns false, without calling it, when they do not.
    /// </summary>
    /// <typeparam name="TUser">The receiver.</typeparam>
    /// <param name="user">Called with the space.</param>
    bool TryUseRowSpace<TUser>(ref TUser user)
        where TUser : struct, IRowSpaceUser<bool> => false;
}

/// <summary>A search that runs over whichever struct scorer a <see cref="IQuantizedVectors"/> provides.</summary>
/// <typeparam name="TResult">What the search returns.</typeparam>
public interface IScorerUser<TResult>
{
    /// <summary>Runs the search with <paramref name="scorer"/>.</summary>
    /// <typeparam name="TScorer">The scorer type (a struct, so calls on it inline).</typeparam>
    /// <param name="scorer">Scores rows against the prepared query.</param>
    TResult Use<TScorer>(TScorer scorer)
        where TScorer : struct, IVectorScorer;
}
