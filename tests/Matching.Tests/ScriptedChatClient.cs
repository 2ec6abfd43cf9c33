using System.Runtime.CompilerServices;
using Microsoft.Extensions.AI;

namespace VectorEngine.Matching.Tests;

/// <summary>
/// A chat model that answers from a script: the LLM is a boundary we do not own, so tests drive the reranker's prompt,
/// parsing, timeouts and breaker with replies computed from the prompt, delays and failures.
/// </summary>
internal sealed class ScriptedChatClient(Func<string, string, CancellationToken, Task<string>> reply) : IChatClient
{
    private int _calls;

    public int Calls => Volatile.Read(ref _calls);

    public string? LastPrompt { get; private set; }

    public async Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        Interlocked.Increment(ref _calls);
        ChatMessage[] all = messages.ToArray();
        string system = all.Single(m => m.Role == ChatRole.System).Text;
        string user = all.Single(m => m.Role == ChatRole.User).Text;
        LastPrompt = system + "\n" + user;
        return new ChatResponse(new ChatMessage(ChatRole.Assistant, await reply(system, user, cancellationToken)));
    }

    public async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ChatResponse response = await GetResponseAsync(messages, options, cancellationToken);
        foreach (ChatResponseUpdate update in response.ToChatResponseUpdates())
        {
            yield return update;
        }
    }

    public object? GetService(Type serviceType, object? serviceKey = null) => null;

    public void Dispose()
    {
    }
}
