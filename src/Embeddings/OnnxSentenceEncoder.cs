using System.Buffers;
using System.Numerics.Tensors;
using Microsoft.ML.OnnxRuntime;

namespace VectorEngine.Embeddings;

/// <summary>
/// One ONNX Runtime session over a sentence model: a padded batch of token ids in, one L2-normalised vector per text
/// out (the token embeddings averaged over the attention mask, as sentence-transformers' mean pooling).
/// </summary>
internal sealed class OnnxSentenceEncoder : IDisposable
{
    private readonly InferenceSession _session;
    private readonly string _tokenOutput;
    private readonly bool _takesTokenTypes;

    public OnnxSentenceEncoder(SentenceModel model, int threads, EmbeddingExecution execution)
    {
        using var options = new SessionOptions
        {
            GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL,
            ExecutionMode = ExecutionMode.ORT_SEQUENTIAL,
            IntraOpNumThreads = threads,
            InterOpNumThreads = 1,
        };
        Provider = UseCuda(options, execution) ? "CUDA" : "CPU";
        try
        {
            _session = new InferenceSession(model.Onnx, options);
        }
        catch (OnnxRuntimeException e)
        {
            throw new ArgumentException($"Model {model.Name} is not a loadable ONNX graph: {e.Message}", nameof(model), e);
        }

        _takesTokenTypes = _session.InputMetadata.ContainsKey("token_type_ids");
        if (!_session.InputMetadata.ContainsKey("input_ids") || !_session.InputMetadata.ContainsKey("attention_mask"))
        {
            throw new ArgumentException(
                $"Model {model.Name} is not a BERT-style encoder: it takes {string.Join(", ", _session.InputMetadata.Keys)}, not input_ids and attention_mask.",
                nameof(model));
        }

        // Token embeddings: 'last_hidden_state' or 'token_embeddings' by convention, else the first rank-3 output.
        _tokenOutput = _session.OutputMetadata
            .Where(o => o.Value.Dimensions.Length == 3)
            .OrderBy(o => o.Key is "last_hidden_state" or "token_embeddings" ? 0 : 1)
            .Select(o => o.Key)
            .FirstOrDefault()
            ?? throw new ArgumentException($"Model {model.Name} has no token-embedding output (batch x tokens x dimensions).", nameof(model));
        Dimensions = _session.OutputMetadata[_tokenOutput].Dimensions[2];
        if (Dimensions <= 0)
        {
            throw new ArgumentException($"Model {model.Name} does not declare its embedding width.", nameof(model));
        }
    }

    /// <summary>The vector width.</summary>
    public int Dimensions { get; }

    /// <summary>The execution provider the session runs on: CUDA or CPU.</summary>
    public string Provider { get; }

    /// <summary>Embeds <paramref name="texts"/> (token ids with [CLS]/[SEP]) into consecutive rows of <paramref name="vectors"/>.</summary>
    public void Encode(IReadOnlyList<int[]> texts, Span<float> vectors)
    {
        int batch = texts.Count;
        int length = 0;
        foreach (int[] ids in texts)
        {
            length = Math.Max(length, ids.Length);
        }

        int cells = batch * length;
        long[] idBuffer = ArrayPool<long>.Shared.Rent(cells);
        long[] maskBuffer = ArrayPool<long>.Shared.Rent(cells);
        long[] typeBuffer = ArrayPool<long>.Shared.Rent(cells);
        try
        {
            Array.Clear(idBuffer, 0, cells);
            Array.Clear(maskBuffer, 0, cells);
            Array.Clear(typeBuffer, 0, cells);
            for (int row = 0; row < batch; row++)
            {
                int[] ids = texts[row];
                for (int t = 0; t < ids.Length; t++)
                {
                    idBuffer[row * length + t] = ids[t];
                    maskBuffer[row * length + t] = 1;
                }
            }

            long[] shape = [batch, length];
            using OrtValue inputIds = OrtValue.CreateTensorValueFromMemory(OrtMemoryInfo.DefaultInstance, idBuffer.AsMemory(0, cells), shape);
            using OrtValue mask = OrtValue.CreateTensorValueFromMemory(OrtMemoryInfo.DefaultInstance, maskBuffer.AsMemory(0, cells), shape);
            using OrtValue types = OrtValue.CreateTensorValueFromMemory(OrtMemoryInfo.DefaultInstance, typeBuffer.AsMemory(0, cells), shape);
            var names = new List<string>(3) { "input_ids", "attention_mask" };
            var values = new List<OrtValue>(3) { inputIds, mask };
            if (_takesTokenTypes)
            {
                names.Add("token_type_ids");
                values.Add(types);
            }

            using var run = new RunOptions();
            using IDisposableReadOnlyCollection<OrtValue> outputs = _session.Run(run, names, values, [_tokenOutput]);
            Pool(outputs[0].GetTensorDataAsSpan<float>(), texts, length, vectors);
        }
        finally
        {
            ArrayPool<long>.Shared.Return(idBuffer);
            ArrayPool<long>.Shared.Return(maskBuffer);
            ArrayPool<long>.Shared.Return(typeBuffer);
        }
    }

    public void Dispose() => _session.Dispose();

    /// <summary>Mean over each text's real tokens (padding is masked out), then L2 normalisation.</summary>
    private void Pool(ReadOnlySpan<float> tokens, IReadOnlyList<int[]> texts, int length, Span<float> vectors)
    {
        int width = Dimensions;
        for (int row = 0; row < texts.Count; row++)
        {
            Span<float> vector = vectors.Slice(row * width, width);
            vector.Clear();
            int count = texts[row].Length;
            for (int t = 0; t < count; t++)
            {
                TensorPrimitives.Add(vector, tokens.Slice((row * length + t) * width, width), vector);
            }

            // Mean then normalise equals normalising the sum: the 1/count scale cancels.
            float norm = TensorPrimitives.Norm(vector);
            if (norm > 0)
            {
                TensorPrimitives.Divide(vector, norm, vector);
            }
        }
    }

    private static bool UseCuda(SessionOptions options, EmbeddingExecution execution)
    {
        if (execution == EmbeddingExecution.Cpu)
        {
            return false;
        }

        bool available = OrtEnv.Instance().GetAvailableProviders().Contains("CUDAExecutionProvider");
        if (available)
        {
            try
            {
                options.AppendExecutionProvider_CUDA(0);
                return true;
            }
            catch (OnnxRuntimeException) when (execution == EmbeddingExecution.Auto)
            {
                // The CUDA build is there but no GPU or driver answered: the CPU takes the work.
                return false;
            }
        }

        return execution == EmbeddingExecution.Cuda
            ? throw new InvalidOperationException("CUDA was asked for, but this build of ONNX Runtime has no CUDA provider: build with -p:OnnxGpu=true.")
            : false;
    }
}
