using System.Runtime.CompilerServices;
using VectorEngine.Indexing;

namespace VectorEngine.Tests.TestKit;

/// <summary>
/// An offset filter for cancellation tests: counts the offsets offered to it, cancels <paramref name="source"/> at the
/// <paramref name="cancelAfter"/>-th, and accepts (or rejects) every offset. Rejecting all keeps a graph traversal going.
/// </summary>
internal readonly struct CancellingFilter(CancellationTokenSource source, int cancelAfter, bool accept) : IOffsetFilter
{
    public StrongBox<int> Calls { get; } = new(0);

    public bool Accept(uint offset)
    {
        if (++Calls.Value == cancelAfter)
        {
            source.Cancel();
        }

        return accept;
    }
}
