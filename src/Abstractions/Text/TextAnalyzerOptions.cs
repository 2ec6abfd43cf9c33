namespace VectorEngine;

/// <summary>
/// How a text field is cut into terms, for its index and for the queries against it alike: Unicode word boundaries
/// (UAX #29), lower case, then the steps below. The default suits English prose (Lucene's English analyzer plus
/// accent folding).
/// </summary>
public sealed record TextAnalyzerOptions
{
    /// <summary>The default: accents folded, English stop words dropped, Porter stemming.</summary>
    public static TextAnalyzerOptions English { get; } = new();

    /// <summary>Words only: lower case and accent folding, every word kept as written (names, codes, other languages).</summary>
    public static TextAnalyzerOptions Plain { get; } = new() { StopWords = TextStopWords.None, Stemmer = TextStemmer.None };

    /// <summary>Fold accents and other marks to ASCII where a mapping exists ("Kraków" = "krakow", "Straße" = "strasse").</summary>
    public bool FoldAccents { get; init; } = true;

    /// <summary>Which words are dropped as too common to mean anything.</summary>
    public TextStopWords StopWords { get; init; } = TextStopWords.English;

    /// <summary>How words are reduced to a stem ("running" = "run").</summary>
    public TextStemmer Stemmer { get; init; } = TextStemmer.English;

    /// <summary>Terms shorter than this are dropped (in characters, after stemming).</summary>
    public int MinTokenLength { get; init; } = 1;

    /// <summary>Terms longer than this are dropped (in characters): base64 blobs and hashes are not words.</summary>
    public int MaxTokenLength { get; init; } = 64;

    internal void Validate(string field)
    {
        if (!Enum.IsDefined(StopWords) || !Enum.IsDefined(Stemmer))
        {
            throw new VectorEngineArgumentException($"Text analyzer of '{field}': unknown stop-word list or stemmer.", "textAnalyzers");
        }

        if (MinTokenLength < 1 || MaxTokenLength < MinTokenLength || MaxTokenLength > 1024)
        {
            throw new VectorEngineArgumentException(
                $"Text analyzer of '{field}': token lengths must satisfy 1 <= min <= max <= 1024; got {MinTokenLength}..{MaxTokenLength}.", "textAnalyzers");
        }
    }
}

/// <summary>Stop-word lists.</summary>
public enum TextStopWords
{
    /// <summary>Keep every word.</summary>
    None = 0,

    /// <summary>Lucene's English list ("a", "the", "of", ...: 33 words).</summary>
    English = 1,
}

/// <summary>Stemmers.</summary>
public enum TextStemmer
{
    /// <summary>Words as written.</summary>
    None = 0,

    /// <summary>The Porter stemmer, with English possessives ('s) removed first.</summary>
    English = 1,
}
