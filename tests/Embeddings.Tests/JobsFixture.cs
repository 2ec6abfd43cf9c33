using System.IO.Compression;
using System.Runtime.InteropServices;
using System.Text.Json;

namespace VectorEngine.Embeddings.Tests;

/// <summary>
/// 200 texts of the jobs dataset with the vectors sentence-transformers made for them (Fixtures/make_jobs_fixture.py
/// picked them: CJK, emoji, accented and other non-ASCII texts, the longest ones, untitled ones, random others).
/// </summary>
internal static class JobsFixture
{
    private static readonly Lazy<IReadOnlyList<(int Id, string Text, float[] Vector)>> Rows = new(Load);

    public static IReadOnlyList<(int Id, string Text, float[] Vector)> All => Rows.Value;

    private static IReadOnlyList<(int Id, string Text, float[] Vector)> Load()
    {
        string path = Path.Combine(AppContext.BaseDirectory, "Fixtures", "jobs-200.jsonl.gz");
        using var reader = new StreamReader(new GZipStream(File.OpenRead(path), CompressionMode.Decompress));
        var rows = new List<(int, string, float[])>();
        while (reader.ReadLine() is { } line)
        {
            using JsonDocument row = JsonDocument.Parse(line);
            byte[] bytes = Convert.FromBase64String(row.RootElement.GetProperty("vector").GetString()!);
            rows.Add((row.RootElement.GetProperty("id").GetInt32(), row.RootElement.GetProperty("text").GetString()!, MemoryMarshal.Cast<byte, float>(bytes).ToArray()));
        }

        return rows;
    }
}
