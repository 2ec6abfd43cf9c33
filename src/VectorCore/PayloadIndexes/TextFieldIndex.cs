using VectorEngine.Filters;
using VectorEngine.Text;

namespace VectorEngine.PayloadIndexes;

/// <summary>
/// An inverted index of one text field in one segment: term to postings (offset, frequency), each row's length in
/// terms, and the live totals BM25 needs. An array of strings is one document (its elements' terms together).
/// </summary>
/// <remarks>
/// Live totals (documents and terms) are kept exact under deletes (<see cref="Forget"/>), so BM25 statistics summed over
/// segments equal those of one index over the live collection; per-term live document counts are counted at query
/// time, since a delete does not know its row's terms.
/// </remarks>
internal sealed class TextFieldIndex : PayloadFieldIndex
{
    [ThreadStatic]
    private static List<string>? t_terms;

    [ThreadStatic]
    private static Dictionary<string, int>? t_frequencies;

    private readonly Dictionary<string, TermPostings> _postings = new(StringComparer.Ordinal);
    private int[] _lengths = [];
    private long _liveDocuments;
    private long _liveTerms;

    public TextFieldIndex(string key, TextAnalyzer analyzer)
        : base(key)
    {
        Analyzer = analyzer;
    }

    public TextAnalyzer Analyzer { get; }

    /// <summary>Live rows with at least one term.</summary>
    public long LiveDocuments => Interlocked.Read(ref _liveDocuments);

    /// <summary>Terms over the live rows (the sum of their lengths).</summary>
    public long LiveTerms => Interlocked.Read(ref _liveTerms);

    public int TermCount => _postings.Count;

    /// <summary>Every term's postings (for saving and remapping; not under concurrent appends).</summary>
    public IEnumerable<KeyValuePair<string, TermPostings>> AllPostings => _postings;

    /// <summary>Adds a term's postings, sorted by offset, to an index being loaded or remapped.</summary>
    public void AddPostings(string term, List<(uint Offset, int Frequency)> postings)
    {
        var list = new TermPostings();
        foreach ((uint offset, int frequency) in postings)
        {
            list.Add(offset, frequency);
        }

        _postings[term] = list;
    }

    /// <summary>Sets the rows' lengths of an index being loaded or remapped, and the live totals from them (every row live).</summary>
    public void SetLengths(int[] lengths)
    {
        _lengths = lengths;
        long documents = 0, terms = 0;
        foreach (int length in lengths)
        {
            documents += length > 0 ? 1 : 0;
            terms += length;
        }

        _liveDocuments = documents;
        _liveTerms = terms;
    }

    /// <summary>Appends the terms of a string, or of each string of an array, to <paramref name="terms"/>.</summary>
    public static void AnalyzeValue(PayloadValue value, TextAnalyzer analyzer, List<string> terms)
    {
        if (value.Kind == PayloadValueKind.String)
        {
            analyzer.Analyze(value.AsString, terms);
        }
        else if (value.Kind == PayloadValueKind.Array)
        {
            foreach (PayloadValue element in value.ArrayOrNull!)
            {
                if (element.Kind == PayloadValueKind.String)
                {
                    analyzer.Analyze(element.AsString, terms);
                }
            }
        }
    }

    public override void Add(uint offset, PayloadValue value)
    {
        List<string> terms = t_terms ??= [];
        Dictionary<string, int> frequencies = t_frequencies ??= new(StringComparer.Ordinal);
        terms.Clear();
        frequencies.Clear();
        AnalyzeValue(value, Analyzer, terms);
        if (terms.Count == 0)
        {
            return;
        }

        foreach (string term in terms)
        {
            frequencies[term] = frequencies.GetValueOrDefault(term) + 1;
        }

        foreach (KeyValuePair<string, int> pair in frequencies)
        {
            if (!_postings.TryGetValue(pair.Key, out TermPostings? postings))
            {
                postings = new TermPostings();
                _postings[pair.Key] = postings;
            }

            postings.Add(offset, pair.Value);
        }

        if (offset >= _lengths.Length)
        {
            Array.Resize(ref _lengths, Math.Max((int)offset + 1, _lengths.Length * 2));
        }

        _lengths[offset] = terms.Count;
        Interlocked.Increment(ref _liveDocuments);
        Interlocked.Add(ref _liveTerms, terms.Count);
    }

    /// <summary>A row was deleted: it leaves the live totals (its postings stay, and readers skip tombstoned rows).</summary>
    public void Forget(uint offset)
    {
        int length = LengthOf(offset);
        if (length > 0)
        {
            Interlocked.Decrement(ref _liveDocuments);
            Interlocked.Add(ref _liveTerms, -length);
        }
    }

    /// <summary>The row's length in terms (0 without text).</summary>
    public int LengthOf(uint offset) => offset < _lengths.Length ? _lengths[offset] : 0;

    public TermPostings? PostingsOf(string term) => _postings.GetValueOrDefault(term);

    /// <summary>Whether every one of <paramref name="terms"/> occurs in the row (false for no terms).</summary>
    public bool ContainsAll(uint offset, string[] terms)
    {
        if (terms.Length == 0)
        {
            return false;
        }

        foreach (string term in terms)
        {
            if (!_postings.TryGetValue(term, out TermPostings? postings) || !postings.Contains(offset))
            {
                return false;
            }
        }

        return true;
    }

    public override List<uint>? Candidates(Condition condition)
    {
        if (condition is not TextCondition text || text.Key != Key)
        {
            return null;
        }

        string[] terms = text.TermsFor(Analyzer);
        TermPostings[]? lists = ListsOf(terms);
        if (lists is null)
        {
            return [];
        }

        // Walk the rarest term's rows and keep those every other term holds.
        Array.Sort(lists, static (a, b) => a.Count.CompareTo(b.Count));
        var matches = new List<uint>(lists[0].Count);
        foreach (uint offset in lists[0].Offsets)
        {
            bool all = true;
            for (int i = 1; i < lists.Length && all; i++)
            {
                all = lists[i].Contains(offset);
            }

            if (all)
            {
                matches.Add(offset);
            }
        }

        return matches;
    }

    public override long EstimateCount(Condition condition)
    {
        if (condition is not TextCondition text || text.Key != Key)
        {
            return -1;
        }

        TermPostings[]? lists = ListsOf(text.TermsFor(Analyzer));
        return lists is null ? 0 : lists.Min(l => l.Count);
    }

    protected override void AddOne(uint offset, PayloadValue value) =>
        throw new InvalidOperationException("A text index adds whole values.");

    /// <summary>The postings of each term, or null when a term occurs nowhere (or there are no terms).</summary>
    private TermPostings[]? ListsOf(string[] terms)
    {
        if (terms.Length == 0)
        {
            return null;
        }

        var lists = new TermPostings[terms.Length];
        for (int i = 0; i < terms.Length; i++)
        {
            if (!_postings.TryGetValue(terms[i], out TermPostings? postings))
            {
                return null;
            }

            lists[i] = postings;
        }

        return lists;
    }
}
