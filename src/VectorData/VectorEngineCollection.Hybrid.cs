using System.Runtime.CompilerServices;
using Microsoft.Extensions.VectorData;
using Microsoft.Extensions.VectorData.ProviderServices;
using VectorEngine.Filters;

namespace VectorEngine.VectorData;

/// <summary>Keyword hybrid search: the engine's hybrid query, a vector stage and a BM25 stage over a full-text-indexed property, fused by RRF.</summary>
public partial class VectorEngineCollection<TKey, TRecord>
{
    /// <summary>How many candidates each stage hands to the fusion, per result asked for (the engine caps a stage at 10,000).</summary>
    private const int CandidatesPerResult = 4;

    /// <inheritdoc />
    /// <remarks>
    /// The keywords are one BM25 query over the full-text-indexed property (<see cref="HybridSearchOptions{TRecord}.AdditionalProperty"/>,
    /// or the only one); scores are reciprocal-rank fusion scores (higher is better), and <c>ScoreThreshold</c> applies to them.
    /// </remarks>
    public async IAsyncEnumerable<VectorSearchResult<TRecord>> HybridSearchAsync<TInput>(TInput searchValue, ICollection<string> keywords, int top,
        HybridSearchOptions<TRecord>? options = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
        where TInput : notnull
    {
        ArgumentNullException.ThrowIfNull(searchValue);
        ArgumentNullException.ThrowIfNull(keywords);
        ArgumentOutOfRangeException.ThrowIfLessThan(top, 1);
        options ??= new HybridSearchOptions<TRecord>();
        ArgumentOutOfRangeException.ThrowIfNegative(options.Skip, nameof(options.Skip));
        bool withVector = IncludeVectors(options.IncludeVectors);
        VectorPropertyModel vectorProperty = _model.GetVectorPropertyOrSingle(new VectorSearchOptions<TRecord> { VectorProperty = options.VectorProperty });
        DataPropertyModel textProperty = _model.GetFullTextDataPropertyOrSingle(options.AdditionalProperty);
        Filter? filter = options.Filter is null ? null : FilterTranslator.Translate(options.Filter, _model);
        float[] vector = await QueryVectorAsync(vectorProperty, searchValue, cancellationToken).ConfigureAwait(false);

        int wanted = checked(options.Skip + top);
        int depth = Math.Min(10_000, Math.Max(wanted * CandidatesPerResult, 20));
        var query = new HybridQuery(wanted,
            new VectorPrefetch(vector, depth),
            new TextPrefetch(textProperty.StorageName, string.Join(' ', keywords), depth))
        {
            Filter = filter,
            Fusion = Fusion.Rrf(),
            WithPayload = true,
            WithVector = withVector,
        };
        IReadOnlyList<FusedPoint> fused = await Guard("HybridSearch", () => Collection().QueryAsync(query, cancellationToken)).ConfigureAwait(false);
        for (int i = options.Skip; i < fused.Count; i++)
        {
            FusedPoint point = fused[i];
            if (options.ScoreThreshold is { } threshold && point.Score < threshold)
            {
                yield break;
            }

            yield return new VectorSearchResult<TRecord>(_mapper.FromPoint(point.Id, point.Payload, point.Vector), point.Score);
        }
    }
}
