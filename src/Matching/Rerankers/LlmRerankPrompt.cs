using System.Globalization;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.AI;

namespace VectorEngine.Matching;

/// <summary>
/// The LLM reranker's prompt and the reading of its reply. Candidates are numbered 1..N (ids may be long UUIDs, and a
/// model copies small numbers more reliably); the reply is a JSON array of {"candidate": n, "score": 0-10}.
/// </summary>
internal static class LlmRerankPrompt
{
    public const double MaxScore = 10;

    public static IList<ChatMessage> Build(MatchQuery query, IReadOnlyList<MatchCandidate> candidates, LlmRerankerOptions options)
    {
        string system = options.Instructions + "\n" +
            "Score every candidate from 0 (no fit) to 10 (perfect fit). Reply with JSON only, no prose: an array of " +
            "objects {\"candidate\": <number>, \"score\": <0-10>}, one per candidate.";
        var user = new StringBuilder();
        user.Append("Query:\n").Append(Cut(query.Text ?? "(no text: match by meaning only)", options.MaxQueryChars)).Append("\n\nCandidates:\n");
        for (int i = 0; i < candidates.Count; i++)
        {
            string text = candidates[i].Payload is { } payload && payload.TryGetValue(options.TextField, out PayloadValue value) && value.Kind == PayloadValueKind.String
                ? value.AsString
                : "(no text)";
            user.Append('[').Append(i + 1).Append("] ").Append(Cut(text, options.MaxCharsPerCandidate).ReplaceLineEndings(" ")).Append('\n');
        }

        return [new ChatMessage(ChatRole.System, system), new ChatMessage(ChatRole.User, user.ToString())];
    }

    /// <summary>
    /// One score per candidate from the model's reply. Candidates the model left out rank after every scored one, in
    /// their candidate order. A reply with no usable score at all is an error (the pipeline then keeps the candidate order).
    /// </summary>
    public static IReadOnlyList<double> Parse(string? reply, int count)
    {
        int start = reply?.IndexOf('[') ?? -1;
        int end = reply?.LastIndexOf(']') ?? -1;
        if (reply is null || start < 0 || end <= start)
        {
            throw new FormatException("the model's reply holds no JSON array of scores");
        }

        var scores = new double[count];
        var seen = new bool[count];
        int used = 0;
        try
        {
            using JsonDocument document = JsonDocument.Parse(reply.AsMemory(start, end - start + 1));
            foreach (JsonElement item in document.RootElement.EnumerateArray())
            {
                if (item.ValueKind == JsonValueKind.Object
                    && TryNumber(item, "candidate", out double candidate) && candidate == Math.Floor(candidate) && candidate >= 1 && candidate <= count
                    && TryNumber(item, "score", out double score) && double.IsFinite(score) && !seen[(int)candidate - 1])
                {
                    scores[(int)candidate - 1] = Math.Clamp(score, 0, MaxScore);
                    seen[(int)candidate - 1] = true;
                    used++;
                }
            }
        }
        catch (JsonException e)
        {
            throw new FormatException($"the model's reply is not valid JSON ({e.Message})", e);
        }

        if (used == 0)
        {
            throw new FormatException("the model's reply scores none of the candidates");
        }

        for (int i = 0; i < count; i++)
        {
            if (!seen[i])
            {
                scores[i] = -1 - (i * 1e-6);
            }
        }

        return scores;
    }

    private static bool TryNumber(JsonElement item, string name, out double value)
    {
        value = 0;
        if (!item.TryGetProperty(name, out JsonElement property))
        {
            return false;
        }

        return property.ValueKind switch
        {
            JsonValueKind.Number => property.TryGetDouble(out value),
            JsonValueKind.String => double.TryParse(property.GetString(), NumberStyles.Float, CultureInfo.InvariantCulture, out value),
            _ => false,
        };
    }

    private static string Cut(string text, int max) => text.Length <= max ? text : text[..max] + "…";
}
