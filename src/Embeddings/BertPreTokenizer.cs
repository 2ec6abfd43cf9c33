using System.Globalization;
using System.Text;
using VectorEngine.Text;

namespace VectorEngine.Embeddings;

/// <summary>
/// BERT's basic tokenization, before WordPiece: drop NUL, U+FFFD and control characters, turn every kind of white space
/// into a space, put spaces around CJK ideographs, lower-case and strip accents (uncased models), and split every
/// punctuation character into a word of its own. The result is the words joined by single spaces.
/// </summary>
/// <remarks>
/// Hand-written because the reference is exact: Microsoft.ML.Tokenizers' own basic tokenization keeps runs of
/// punctuation together ("____" is one word there, four here), drops symbols such as "♫" that BERT maps to [UNK], and
/// strips no accent without ICU. Any of those moves a vector away from what the model was trained on.
/// </remarks>
internal static class BertPreTokenizer
{
    public static string Split(string text, bool lowerCase)
    {
        // Pass 1: clean, space out CJK, lower-case and fold. Pass 2 splits punctuation: folding can produce punctuation
        // (U+037E GREEK QUESTION MARK is ';'), and BERT splits after stripping accents.
        var cleaned = new StringBuilder(text.Length + 8);
        foreach (Rune rune in text.EnumerateRunes())
        {
            int value = rune.Value;
            if (value == 0 || value == 0xFFFD || IsControl(rune))
            {
                continue;
            }

            if (IsWhitespace(rune))
            {
                cleaned.Append(' ');
            }
            else if (IsCjkIdeograph(value))
            {
                cleaned.Append(' ');
                Append(rune, lowerCase, cleaned);
                cleaned.Append(' ');
            }
            else
            {
                Append(rune, lowerCase, cleaned);
            }
        }

        var words = new StringBuilder(cleaned.Length + 16);
        foreach (ReadOnlyMemory<char> chunk in cleaned.GetChunks())
        {
            foreach (Rune rune in chunk.Span.EnumerateRunes())
            {
                if (rune.Value == ' ')
                {
                    Space(words);
                }
                else if (IsPunctuation(rune))
                {
                    Space(words);
                    words.Append(rune.ToString());
                    Space(words);
                }
                else
                {
                    words.Append(rune.ToString());
                }
            }
        }

        if (words.Length > 0 && words[^1] == ' ')
        {
            words.Length--;
        }

        return words.ToString();
    }

    private static void Append(Rune rune, bool lowerCase, StringBuilder into)
    {
        if (lowerCase)
        {
            AccentFolding.Append(Rune.ToLowerInvariant(rune), into);
        }
        else
        {
            into.Append(rune.ToString());
        }
    }

    private static void Space(StringBuilder words)
    {
        if (words.Length > 0 && words[^1] != ' ')
        {
            words.Append(' ');
        }
    }

    private static bool IsWhitespace(Rune rune) =>
        rune.Value is ' ' or '\t' or '\n' or '\r' || Rune.GetUnicodeCategory(rune) == UnicodeCategory.SpaceSeparator;

    private static bool IsControl(Rune rune)
    {
        if (rune.Value is '\t' or '\n' or '\r')
        {
            return false;
        }

        return Rune.GetUnicodeCategory(rune) is UnicodeCategory.Control or UnicodeCategory.Format or UnicodeCategory.Surrogate
            or UnicodeCategory.PrivateUse or UnicodeCategory.OtherNotAssigned;
    }

    /// <summary>ASCII symbols count as punctuation (BERT's rule: "$" and "^" split words too), then every P* category.</summary>
    private static bool IsPunctuation(Rune rune)
    {
        int value = rune.Value;
        if (value is (>= 33 and <= 47) or (>= 58 and <= 64) or (>= 91 and <= 96) or (>= 123 and <= 126))
        {
            return true;
        }

        return Rune.GetUnicodeCategory(rune) is UnicodeCategory.ConnectorPunctuation or UnicodeCategory.DashPunctuation
            or UnicodeCategory.OpenPunctuation or UnicodeCategory.ClosePunctuation or UnicodeCategory.InitialQuotePunctuation
            or UnicodeCategory.FinalQuotePunctuation or UnicodeCategory.OtherPunctuation;
    }

    /// <summary>The CJK Unified Ideographs blocks BERT spaces out (not Hangul, Hiragana or Katakana).</summary>
    private static bool IsCjkIdeograph(int value) =>
        value is (>= 0x4E00 and <= 0x9FFF) or (>= 0x3400 and <= 0x4DBF) or (>= 0x20000 and <= 0x2A6DF)
            or (>= 0x2A700 and <= 0x2B73F) or (>= 0x2B740 and <= 0x2B81F) or (>= 0x2B820 and <= 0x2CEAF)
            or (>= 0xF900 and <= 0xFAFF) or (>= 0x2F800 and <= 0x2FA1F);
}
