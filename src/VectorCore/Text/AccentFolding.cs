using System.Collections.Frozen;
using System.Globalization;
using System.Text;

namespace VectorEngine.Text;

/// <summary>
/// Strips accents the way BERT's uncased tokenizer and the full-text analyzer both need: canonical decomposition (NFD),
/// then every non-spacing mark (Mn) dropped. "Kraków" becomes "Krakow", "ﬁ" stays (a compatibility form, not canonical).
/// </summary>
/// <remarks>
/// string.Normalize needs ICU, which invariant-globalization hosts lack, and a vector or a text index must not change
/// with the host: the decompositions come from a generated table (scripts/gen-accent-table.py) and Hangul syllables
/// decompose by the Unicode formula.
/// </remarks>
internal static partial class AccentFolding
{
    private const int HangulBase = 0xAC00;
    private const int HangulCount = 11172;
    private const int LeadBase = 0x1100;
    private const int VowelBase = 0x1161;
    private const int TrailBase = 0x11A7;
    private const int VowelTrailCount = 21 * 28;
    private const int TrailCount = 28;

    private static readonly FrozenDictionary<int, string> Table = ParseTable();

    /// <summary>Appends <paramref name="rune"/> with its accents stripped (nothing for a lone non-spacing mark).</summary>
    public static void Append(Rune rune, StringBuilder into)
    {
        int value = rune.Value;
        if (value < 0xC0)
        {
            into.Append((char)value);
        }
        else if (Rune.GetUnicodeCategory(rune) == UnicodeCategory.NonSpacingMark)
        {
            // Dropped.
        }
        else if (Table.TryGetValue(value, out string? folded))
        {
            into.Append(folded);
        }
        else if ((uint)(value - HangulBase) < HangulCount)
        {
            int s = value - HangulBase;
            into.Append((char)(LeadBase + s / VowelTrailCount));
            into.Append((char)(VowelBase + s % VowelTrailCount / TrailCount));
            if (s % TrailCount != 0)
            {
                into.Append((char)(TrailBase + s % TrailCount));
            }
        }
        else
        {
            into.Append(rune.ToString());
        }
    }

    /// <summary><paramref name="text"/> with its accents stripped.</summary>
    public static string Fold(string text)
    {
        var folded = new StringBuilder(text.Length);
        foreach (Rune rune in text.EnumerateRunes())
        {
            Append(rune, folded);
        }

        return folded.ToString();
    }

    private static FrozenDictionary<int, string> ParseTable()
    {
        var entries = new Dictionary<int, string>(2048);
        ReadOnlySpan<char> data = TableData;
        while (!data.IsEmpty)
        {
            int keyEnd = data.IndexOf('\0');
            int key = char.ConvertToUtf32(data[..keyEnd].ToString(), 0);
            data = data[(keyEnd + 1)..];
            int valueEnd = data.IndexOf('\0');
            entries[key] = data[..valueEnd].ToString();
            data = data[(valueEnd + 1)..];
        }

        return entries.ToFrozenDictionary();
    }
}
