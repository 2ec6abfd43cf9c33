using VectorEngine.Indexing;
using VectorEngine.Indexing.Scoring;

namespace VectorEngine.Quantization.Ivf;

/// <summary>One search's reusable state, pooled per index so that a warm query allocates nothing.</summary>
internal sealed class IvfSearchContext
{
    /// <summary>The nprobe nearest lists.</summary>
    public TopKCollector Probes { get; } = new(16);

    /// <summary>Candidates by code distance, before rescoring.</summary>
    public TopKCollector Candidates { get; } = new(64);

    /// <summary>Probed lists, nearest first, with their distances.</summary>
    public float[] ProbeDistances { get; private set; } = new float[16];

    /// <summary>Probed lists, nearest first.</summary>
    public uint[] ProbeLists { get; private set; } = new uint[16];

    /// <summary>Candidates drained for rescoring.</summary>
    public float[] CandidateDistances { get; private set; } = new float[64];

    /// <summary>Candidate offsets drained for rescoring.</summary>
    public uint[] CandidateOffsets { get; private set; } = new uint[64];

    /// <summary>The zero-padded float query.</summary>
    public QueryBuffer Query { get; } = new();

    /// <summary>Prepared query codes or ADC tables.</summary>
    public ScratchBuffer Scratch { get; } = new();

    /// <summary>Sizes the drain buffers for <paramref name="probes"/> lists and <paramref name="candidates"/> candidates.</summary>
    public void Reserve(int probes, int candidates)
    {
        if (ProbeLists.Length < probes)
        {
            ProbeDistances = new float[probes];
            ProbeLists = new uint[probes];
        }

        if (CandidateOffsets.Length < candidates)
        {
            CandidateDistances = new float[candidates];
            CandidateOffsets = new uint[candidates];
        }
    }
}
