using System.Buffers;
using VectorEngine.Filters;
using VectorEngine.Indexing;
using VectorEngine.PayloadIndexes;
using VectorEngine.Segments;

namespace VectorEngine.Searching;

/// <summary>
/// BM25 over a collection's segments with statistics of the whole live collection: first every segment's live document
/// and term counts and each query term's live document frequency are summed, then each segment scores its rows with
/// those totals. A collection of many segments therefore ranks exactly as one index over the same live points.
/// </summary>
/// <remarks>
/// score(d) = sum over query terms t (with their multiplicity in the query) of
/// idf(t) * tf * (k1 + 1) / (tf + k1 * (1 - b + b * |d| / avgdl)), idf(t) = ln(1 + (N - df + 0.5) / (df + 0.5)):
/// Lucene's BM25 with exact document lengths (Lucene stores them in one lossy byte) and the (k1 + 1) factor.
/// Term-at-a-time into a per-segment accumulator: exact, and fast for the short queries this serves; a top-k
/// pruning scheme (WAND, MaxScore) is the next step for long queries over millions of rows.
/// </remarks>
internal sealed class Bm25Scorer
{
    private readonly string _field;
    private readonly Bm25Parameters _parameters;
    private readonly string[] _terms;
    private readonly int[] _queryFrequencies;
    private readonly long[] _documentFrequencies;
    private long _documents;
    private long _termsTotal;
    private double[] _idf = [];
    private double _averageLength;

    public Bm25Scorer(string field, Bm25Parameters parameters, IReadOnlyList<string> queryTerms)
    {
        _field = field;
        _parameters = parameters;
        var counts = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (string term in queryTerms)
        {
            counts[term] = counts.GetValueOrDefault(term) + 1;
        }

        _terms = counts.Keys.ToArray();
        _queryFrequencies = counts.Values.ToArray();
        _documentFrequencies = new long[_terms.Length];
    }

    public bool HasTerms => _terms.Length > 0;

    /// <summary>Pass 1: adds one segment's live totals and live document frequencies.</summary>
    public void Count(Segment segment)
    {
        if (segment.PayloadIndexes.GetValueOrDefault(_field) is not TextFieldIndex index)
        {
            return;
        }

        _documents += index.LiveDocuments;
        _termsTotal += index.LiveTerms;
        for (int t = 0; t < _terms.Length; t++)
        {
            TermPostings? postings = index.PostingsOf(_terms[t]);
            if (postings is null)
            {
                continue;
            }

            long live = 0;
            foreach (uint offset in postings.Offsets)
            {
                if (segment.IsLive(offset))
                {
                    live++;
                }
            }

            _documentFrequencies[t] += live;
        }
    }

    /// <summary>Between the passes: the collection-wide idf of each term and the average length.</summary>
    public void Finish()
    {
        _averageLength = _documents == 0 ? 1 : (double)_termsTotal / _documents;
        _idf = new double[_terms.Length];
        for (int t = 0; t < _terms.Length; t++)
        {
            double df = _documentFrequencies[t];
            _idf[t] = Math.Log(1 + ((_documents - df + 0.5) / (df + 0.5)));
        }
    }

    /// <summary>Pass 2: offers the segment's best <c>results.K</c> rows that pass <paramref name="filter"/> (distance = -score).</summary>
    public void Score(Segment segment, Filter? filter, TopKCollector results, CancellationToken cancellationToken)
    {
        if (segment.PayloadIndexes.GetValueOrDefault(_field) is not TextFieldIndex index || _documents == 0)
        {
            return;
        }

        double k1 = _parameters.K1;
        double b = _parameters.B;
        // Pooled arrays come back dirty (other searches rent float arrays too): clear the rows this segment uses.
        float[] scores = ArrayPool<float>.Shared.Rent(segment.Count);
        Array.Clear(scores, 0, segment.Count);
        var touched = new List<uint>();
        try
        {
            for (int t = 0; t < _terms.Length; t++)
            {
                cancellationToken.ThrowIfCancellationRequested();
                TermPostings? postings = index.PostingsOf(_terms[t]);
                if (postings is null)
                {
                    continue;
                }

                double weight = _idf[t] * _queryFrequencies[t] * (k1 + 1);
                ReadOnlySpan<uint> offsets = postings.Offsets;
                ReadOnlySpan<int> frequencies = postings.Frequencies;
                for (int i = 0; i < offsets.Length; i++)
                {
                    uint offset = offsets[i];
                    if (!segment.IsLive(offset))
                    {
                        continue;
                    }

                    double tf = frequencies[i];
                    double norm = k1 * (1 - b + (b * index.LengthOf(offset) / _averageLength));
                    if (scores[offset] == 0)
                    {
                        touched.Add(offset);
                    }

                    scores[offset] += (float)(weight * tf / (tf + norm));
                }
            }

            foreach (uint offset in touched)
            {
                if (filter is null || filter.Matches(segment, offset))
                {
                    results.Add(-scores[offset], offset);
                }
            }
        }
        finally
        {
            ArrayPool<float>.Shared.Return(scores);
        }
    }
}
