namespace VectorEngine.Server.Cluster;

/// <summary>
/// A token bucket shared by every peer call of this node (Finagle's retry budget): each call deposits 0.2 tokens, a
/// retry spends one, and the bucket holds at most 20. When many peers fail at once, retries stop at about 20% extra
/// load instead of multiplying it (no retry storm); a few retries are always possible after a quiet spell.
/// </summary>
public sealed class RetryBudget
{
    private const double DepositPerCall = 0.2;
    private const double Capacity = 20;
    private readonly Lock _gate = new();
    private double _tokens = Capacity / 2;

    /// <summary>Records a call (first attempts only).</summary>
    public void Deposit()
    {
        lock (_gate)
        {
            _tokens = Math.Min(Capacity, _tokens + DepositPerCall);
        }
    }

    /// <summary>Takes a token for one retry; false when the budget is spent.</summary>
    public bool TryWithdraw()
    {
        lock (_gate)
        {
            if (_tokens < 1)
            {
                return false;
            }

            _tokens--;
            return true;
        }
    }
}
