using System.Diagnostics.Metrics;
using Polly.CircuitBreaker;

namespace VectorEngine.Matching;

/// <summary>
/// The pipeline's instruments on the "VectorEngine.Matching" meter: stage latency, fallbacks by reason, and whether the
/// rerank breaker is open. OpenTelemetry (or dotnet-counters) picks them up by meter name.
/// </summary>
internal sealed class MatchMetrics : IDisposable
{
    public const string MeterName = "VectorEngine.Matching";

    private readonly Meter _meter;
    private readonly bool _ownsMeter;
    private readonly Histogram<double> _stageDuration;
    private readonly Counter<long> _fallbacks;

    public MatchMetrics(IMeterFactory? factory, CircuitBreakerStateProvider breaker, string reranker)
    {
        // A factory's meters belong to the factory (shared by name, disposed with the host); a private one is ours.
        _ownsMeter = factory is null;
        _meter = factory?.Create(MeterName) ?? new Meter(MeterName);
        _stageDuration = _meter.CreateHistogram<double>("vectorengine.match.stage.duration", "ms", "Time per match stage (embed, candidates, rerank).");
        _fallbacks = _meter.CreateCounter<long>("vectorengine.match.fallbacks", description: "Matches answered degraded, by reason.");
        _meter.CreateObservableGauge(
            "vectorengine.match.rerank.breaker_open",
            () => new Measurement<int>(breaker.CircuitState is CircuitState.Open or CircuitState.Isolated ? 1 : 0, new KeyValuePair<string, object?>("reranker", reranker)),
            description: "1 while the rerank circuit breaker is open (the reranker is skipped).");
    }

    public void Stage(string stage, TimeSpan elapsed) =>
        _stageDuration.Record(elapsed.TotalMilliseconds, new KeyValuePair<string, object?>("stage", stage));

    public void Fallback(string reason) => _fallbacks.Add(1, new KeyValuePair<string, object?>("reason", reason));

    public void Dispose()
    {
        if (_ownsMeter)
        {
            _meter.Dispose();
        }
    }
}
