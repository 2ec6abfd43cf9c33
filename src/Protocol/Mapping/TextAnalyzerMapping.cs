using WireTextAnalyzer = VectorEngine.Api.V1.TextAnalyzer;

namespace VectorEngine.Protocol.Mapping;

/// <summary>Text analyzer settings between the wire and the engine; unset wire fields are the English defaults.</summary>
internal static class TextAnalyzerMapping
{
    public static TextAnalyzerOptions ToEngine(this WireTextAnalyzer? wire, string key)
    {
        if (wire is null)
        {
            return TextAnalyzerOptions.English;
        }

        if (!Enum.IsDefined(wire.StopWords) || !Enum.IsDefined(wire.Stemmer))
        {
            throw new VectorEngineArgumentException($"text_analyzers['{key}'] has an unknown stop-word list or stemmer.", "text_analyzers");
        }

        return new TextAnalyzerOptions
        {
            FoldAccents = !wire.HasFoldAccents || wire.FoldAccents,
            StopWords = wire.StopWords == Api.V1.TextStopWords.None ? TextStopWords.None : TextStopWords.English,
            Stemmer = wire.Stemmer == Api.V1.TextStemmer.None ? TextStemmer.None : TextStemmer.English,
            MinTokenLength = wire.HasMinTokenLength ? (int)Math.Min(wire.MinTokenLength, int.MaxValue) : 1,
            MaxTokenLength = wire.HasMaxTokenLength ? (int)Math.Min(wire.MaxTokenLength, int.MaxValue) : 64,
        };
    }

    public static WireTextAnalyzer ToWire(this TextAnalyzerOptions options) => new()
    {
        FoldAccents = options.FoldAccents,
        StopWords = options.StopWords == TextStopWords.None ? Api.V1.TextStopWords.None : Api.V1.TextStopWords.English,
        Stemmer = options.Stemmer == TextStemmer.None ? Api.V1.TextStemmer.None : Api.V1.TextStemmer.English,
        MinTokenLength = (uint)Math.Max(0, options.MinTokenLength),
        MaxTokenLength = (uint)Math.Max(0, options.MaxTokenLength),
    };
}
