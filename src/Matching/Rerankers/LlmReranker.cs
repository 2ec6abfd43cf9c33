using Microsoft.Extensions.AI;

namespace VectorEngine.Matching;

/// <summary>
/// Reranks with a language model through Microsoft.Extensions.AI's <see cref="IChatClient"/> (OpenAI, Azure, Ollama,
/// anything with a client): the query and numbered candidate texts go in, a JSON list of scores comes back. Slow and
/// fallible by nature, which is why the pipeline guards it with a timeout and a breaker.
/// </summary>
public sealed class LlmReranker : IReranker
{
    private readonly IChatClient _chat;
    private readonly LlmRerankerOptions _options;

    /// <summary>Creates the reranker.</summary>
    /// <param name="chat">The model.</param>
    /// <param name="options">Prompt settings; defaults when null.</param>
    public LlmReranker(IChatClient chat, LlmRerankerOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(chat);
        _chat = chat;
        _options = options ?? new LlmRerankerOptions();
        if (string.IsNullOrEmpty(_options.TextField) || _options.MaxCharsPerCandidate < 1 || _options.MaxQueryChars < 1 || _options.Instructions is null)
        {
            throw new VectorEngineArgumentException("LLM reranker: a text field, positive character limits and instructions are needed.", nameof(options));
        }
    }

    /// <inheritdoc />
    public string Name => "llm";

    /// <inheritdoc />
    public async Task<IReadOnlyList<double>> ScoreAsync(MatchQuery query, IReadOnlyList<MatchCandidate> candidates, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(query);
        ArgumentNullException.ThrowIfNull(candidates);
        IList<ChatMessage> prompt = LlmRerankPrompt.Build(query, candidates, _options);
        ChatResponse response = await _chat.GetResponseAsync(
            prompt,
            new ChatOptions { Temperature = 0, ModelId = _options.ModelId },
            cancellationToken).ConfigureAwait(false);
        return LlmRerankPrompt.Parse(response.Text, candidates.Count);
    }
}
