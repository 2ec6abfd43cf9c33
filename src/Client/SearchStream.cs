using System.Collections.Concurrent;
using Grpc.Core;
using VectorEngine.Api.V1;
using VectorEngine.Protocol;
using VectorEngine.Protocol.Mapping;

namespace VectorEngine.Client;

/// <summary>
/// Searches over one long-lived call (Points/SearchStream): each search is one message each way, without a call's
/// set-up, headers and trailers. Safe for concurrent use: searches from several callers are pipelined on the stream
/// and answered in the order sent (the server runs one stream's searches one after another, so open one stream per
/// concurrent worker for parallelism). A failed search throws what a unary search would and leaves the stream open;
/// a broken stream fails every search waiting on it and every later one.
/// </summary>
public sealed class SearchStream : IAsyncDisposable
{
    private readonly AsyncDuplexStreamingCall<SearchPoints, SearchStreamResponse> _call;
    private readonly string _collection;
    private readonly SemaphoreSlim _sendLock = new(1, 1);

    // Filled under _sendLock in the order requests are written, so the n-th response completes the n-th entry.
    private readonly ConcurrentQueue<TaskCompletionSource<SearchStreamResponse>> _waiting = new();
    private readonly Task _receiver;
    private volatile Exception? _broken;

    internal SearchStream(AsyncDuplexStreamingCall<SearchPoints, SearchStreamResponse> call, string collection)
    {
        _call = call;
        _collection = collection;
        _receiver = Task.Run(ReceiveAsync);
    }

    /// <summary>The nearest points to a vector, as <see cref="RemoteCollection.SearchAsync"/> (on a cluster every shard must answer).</summary>
    /// <param name="request">Vector, limit, filter and parameters.</param>
    /// <param name="cancellationToken">Stops waiting for the answer; the server, which answers in order, still runs
    /// the search (cancel the token the stream was opened with to stop everything).</param>
    public async Task<IReadOnlyList<ScoredPoint>> SearchAsync(SearchRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        SearchPoints wire = request.ToWire(_collection);
        wire.RequireAll = true;
        var answer = new TaskCompletionSource<SearchStreamResponse>(TaskCreationOptions.RunContinuationsAsynchronously);
        await _sendLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_broken is { } broken)
            {
                throw broken;
            }

            _waiting.Enqueue(answer);
            await _call.RequestStream.WriteAsync(wire, CancellationToken.None).ConfigureAwait(false);
            if (_broken is { } since)
            {
                // The receiver broke between the check and the enqueue: nobody else will answer this search.
                Fail(since);
            }
        }
        catch (RpcException e)
        {
            // The send failed: the stream is gone; fail what is queued (this search included). A write to a call the
            // server has already ended (a refused key, say) fails as Cancelled; the real status arrives with the
            // response, which the receiver reads: let it report first (bounded: the call is over either way).
            await Task.WhenAny(_receiver, Task.Delay(TimeSpan.FromSeconds(5))).ConfigureAwait(false);
            Fail(StatusMapping.ToException(e));
        }
        finally
        {
            _sendLock.Release();
        }

        SearchStreamResponse response = await answer.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
        if (response.Error is { } error)
        {
            throw StatusMapping.ToException((StatusCode)error.Code, error.Message, error.Field);
        }

        var hits = new List<ScoredPoint>(response.Result.Count);
        foreach (Api.V1.ScoredPoint hit in response.Result)
        {
            hits.Add(hit.ToEngine());
        }

        return hits;
    }

    /// <summary>Ends the stream: searches already sent are answered first, then the call completes.</summary>
    public async ValueTask DisposeAsync()
    {
        await _sendLock.WaitAsync().ConfigureAwait(false);
        try
        {
            if (_broken is null)
            {
                await _call.RequestStream.CompleteAsync().ConfigureAwait(false);
            }
        }
        catch (RpcException)
        {
            // Already broken: the receiver reports it to whoever waits.
        }
        finally
        {
            _sendLock.Release();
        }

        await _receiver.ConfigureAwait(false);
        _call.Dispose();
        _sendLock.Dispose();
    }

    private async Task ReceiveAsync()
    {
        try
        {
            while (await _call.ResponseStream.MoveNext(CancellationToken.None).ConfigureAwait(false))
            {
                if (!_waiting.TryDequeue(out TaskCompletionSource<SearchStreamResponse>? answer))
                {
                    throw new InvalidOperationException("The server answered a search that was not sent.");
                }

                answer.TrySetResult(_call.ResponseStream.Current);
            }

            Fail(new ObjectDisposedException(nameof(SearchStream), "The search stream has ended."));
        }
        catch (RpcException e)
        {
            Fail(StatusMapping.ToException(e));
        }
        catch (Exception e)
        {
            Fail(e);
        }
    }

    /// <summary>Marks the stream broken and fails every search still waiting.</summary>
    private void Fail(Exception error)
    {
        _broken ??= error;
        while (_waiting.TryDequeue(out TaskCompletionSource<SearchStreamResponse>? answer))
        {
            answer.TrySetException(_broken);
        }
    }
}
