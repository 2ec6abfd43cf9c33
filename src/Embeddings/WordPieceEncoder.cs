using Microsoft.ML.Tokenizers;

namespace VectorEngine.Embeddings;

/// <summary>
/// Turns text into the token ids a BERT-style sentence model reads: the standard uncased BERT pipeline (drop control
/// characters, space out CJK, lower case, strip accents, split on punctuation, greedy WordPiece), then [CLS] ... [SEP]
/// cut to the model's limit.
/// </summary>
/// <remarks>
/// Truncation keeps the first <c>maxTokens - 2</c> word pieces, as sentence-transformers does: the reference vectors
/// were made that way, and a model sees nothing past its limit anyway.
/// </remarks>
internal sealed class WordPieceEncoder
{
    private const int MaxPiecesPerWord = 100;

    private readonly WordPieceTokenizer _tokenizer;
    private readonly bool _lowerCase;
    private readonly int _maxTokens;

    public WordPieceEncoder(byte[] vocabulary, bool lowerCase, int maxTokens)
    {
        _lowerCase = lowerCase;
        _maxTokens = maxTokens;

        // WordPiece only: the words come from BertPreTokenizer, joined by single spaces.
        using var stream = new MemoryStream(vocabulary, writable: false);
        _tokenizer = WordPieceTokenizer.Create(stream, new WordPieceOptions
        {
            PreTokenizer = PreTokenizer.CreateWhiteSpace(),
            MaxInputCharsPerWord = 100,
        });
        string[] lines = System.Text.Encoding.UTF8.GetString(vocabulary).Split('\n');
        ClsId = IdOf(lines, "[CLS]");
        SepId = IdOf(lines, "[SEP]");
    }

    public int ClsId { get; }

    public int SepId { get; }

    /// <summary>A token's id is its line number in vocab.txt.</summary>
    private static int IdOf(string[] lines, string special)
    {
        int id = Array.FindIndex(lines, line => line.TrimEnd('\r') == special);
        return id >= 0 ? id : throw new ArgumentException($"The vocabulary has no {special} token.", nameof(lines));
    }

    /// <summary>Token ids with [CLS] first and [SEP] last, at most the model's limit.</summary>
    public int[] Encode(string text)
    {
        // The tokenizer's own limit stops at a word boundary, while the model's truncation cuts inside a word: ask for a
        // word's worth more (a word is at most MaxInputCharsPerWord = 100 pieces) and cut here.
        int keep = _maxTokens - 2;
        string words = BertPreTokenizer.Split(text, _lowerCase);
        IReadOnlyList<int> pieces = _tokenizer.EncodeToIds(words, keep + MaxPiecesPerWord, out _, out _);
        int count = Math.Min(pieces.Count, keep);
        var ids = new int[count + 2];
        ids[0] = ClsId;
        for (int i = 0; i < count; i++)
        {
            ids[i + 1] = pieces[i];
        }

        ids[^1] = SepId;
        return ids;
    }
}
