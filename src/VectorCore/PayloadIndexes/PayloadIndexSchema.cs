using VectorEngine.Text;

namespace VectorEngine.PayloadIndexes;

/// <summary>
/// A collection's declared payload indexes, ready for segments to build: the types, and one shared analyzer per text
/// field (analyzers are thread-safe, and building one per segment would waste their per-thread token streams).
/// </summary>
internal sealed class PayloadIndexSchema
{
    private readonly Dictionary<string, TextAnalyzer> _analyzers = new(StringComparer.Ordinal);

    public PayloadIndexSchema(IReadOnlyDictionary<string, PayloadIndexType> types, IReadOnlyDictionary<string, TextAnalyzerOptions> analyzers)
    {
        Types = types;
        foreach (KeyValuePair<string, PayloadIndexType> field in types)
        {
            if (field.Value == PayloadIndexType.Text)
            {
                TextAnalyzerOptions options = analyzers.GetValueOrDefault(field.Key) ?? TextAnalyzerOptions.English;
                _analyzers[field.Key] = options == TextAnalyzerOptions.English ? TextAnalyzer.Default : new TextAnalyzer(options);
            }
        }
    }

    public static PayloadIndexSchema Empty { get; } = new(new Dictionary<string, PayloadIndexType>(), new Dictionary<string, TextAnalyzerOptions>());

    public IReadOnlyDictionary<string, PayloadIndexType> Types { get; }

    /// <summary>The analyzer of a text field.</summary>
    public TextAnalyzer AnalyzerOf(string key) => _analyzers[key];

    public PayloadFieldIndex CreateIndex(string key, PayloadIndexType type) =>
        type == PayloadIndexType.Text ? new TextFieldIndex(key, _analyzers[key]) : PayloadFieldIndex.Create(key, type);
}
