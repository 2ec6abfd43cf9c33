using Lucene.Net.Analysis;
using Lucene.Net.Analysis.En;
using Lucene.Net.Analysis.Miscellaneous;
using Lucene.Net.Analysis.Core;
using Lucene.Net.Analysis.Standard;
using Lucene.Net.Analysis.TokenAttributes;
using Lucene.Net.Util;

namespace VectorEngine.Text;

/// <summary>
/// Cuts text into index terms by <see cref="TextAnalyzerOptions"/>, with Lucene's analysis chain (the reference BM25
/// implementations, Elasticsearch and Anserini, analyze the same way). Thread-safe: Lucene keeps one token stream per
/// thread.
/// </summary>
internal sealed class TextAnalyzer : IDisposable
{
    private const LuceneVersion Version = LuceneVersion.LUCENE_48;

    private readonly Analyzer _analyzer;

    public TextAnalyzer(TextAnalyzerOptions options)
    {
        Options = options;
        _analyzer = Analyzer.NewAnonymous((field, reader) =>
        {
            var source = new StandardTokenizer(Version, reader) { MaxTokenLength = 255 };
            TokenStream stream = new StandardFilter(Version, source);
            if (options.Stemmer == TextStemmer.English)
            {
                stream = new EnglishPossessiveFilter(Version, stream);
            }

            stream = new LowerCaseFilter(Version, stream);
            if (options.FoldAccents)
            {
                stream = new ASCIIFoldingFilter(stream);
            }

            if (options.StopWords == TextStopWords.English)
            {
                stream = new StopFilter(Version, stream, StopAnalyzer.ENGLISH_STOP_WORDS_SET);
            }

            if (options.Stemmer == TextStemmer.English)
            {
                stream = new PorterStemFilter(stream);
            }

            stream = new LengthFilter(Version, stream, options.MinTokenLength, options.MaxTokenLength);
            return new TokenStreamComponents(source, stream);
        });
    }

    /// <summary>The default analyzer, for text filters on fields without a text index.</summary>
    public static TextAnalyzer Default { get; } = new(TextAnalyzerOptions.English);

    public TextAnalyzerOptions Options { get; }

    /// <summary>Texts analyzed so far (tests check that an open or a merge reuses saved indexes instead).</summary>
    public long AnalyzedTexts => Interlocked.Read(ref _analyzedTexts);

    private long _analyzedTexts;

    /// <summary>Appends the terms of <paramref name="text"/>, in order, repeats kept (they are term frequencies).</summary>
    public void Analyze(string text, List<string> terms)
    {
        Interlocked.Increment(ref _analyzedTexts);
        using TokenStream stream = _analyzer.GetTokenStream("f", text);
        ICharTermAttribute term = stream.AddAttribute<ICharTermAttribute>();
        stream.Reset();
        while (stream.IncrementToken())
        {
            terms.Add(term.ToString());
        }

        stream.End();
    }

    /// <summary>The distinct terms of <paramref name="text"/>.</summary>
    public string[] DistinctTerms(string text)
    {
        var terms = new List<string>();
        Analyze(text, terms);
        return terms.Distinct(StringComparer.Ordinal).ToArray();
    }

    public void Dispose() => _analyzer.Dispose();
}
