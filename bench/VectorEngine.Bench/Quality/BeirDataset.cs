using System.IO.Compression;
using System.Text.Json;

namespace VectorEngine.Bench.Quality;

/// <summary>A retrieval set in BEIR's layout: corpus.jsonl(.gz), queries.jsonl, qrels/{test,train}.tsv.</summary>
internal sealed class BeirDataset
{
    private BeirDataset(string name, IReadOnlyList<(string Id, string Title, string Text)> corpus, IReadOnlyDictionary<string, string> queries,
        IReadOnlyDictionary<string, Dictionary<string, int>> qrels)
    {
        Name = name;
        Corpus = corpus;
        Queries = queries;
        Qrels = qrels;
    }

    public string Name { get; }

    public IReadOnlyList<(string Id, string Title, string Text)> Corpus { get; }

    /// <summary>Query id to text, for the queries the chosen qrels judge.</summary>
    public IReadOnlyDictionary<string, string> Queries { get; }

    /// <summary>Query id to (document id to relevance).</summary>
    public IReadOnlyDictionary<string, Dictionary<string, int>> Qrels { get; }

    public static BeirDataset Load(string folder, string split)
    {
        var corpus = new List<(string, string, string)>();
        foreach (JsonElement row in ReadJsonLines(Path.Combine(folder, "corpus.jsonl")))
        {
            corpus.Add((row.GetProperty("_id").GetString()!, row.TryGetProperty("title", out JsonElement t) ? t.GetString() ?? "" : "", row.GetProperty("text").GetString() ?? ""));
        }

        var qrels = new Dictionary<string, Dictionary<string, int>>();
        foreach (string line in File.ReadLines(Path.Combine(folder, "qrels", split + ".tsv")).Skip(1))
        {
            string[] parts = line.Split('\t');
            if (parts.Length < 3)
            {
                continue;
            }

            if (!qrels.TryGetValue(parts[0], out Dictionary<string, int>? judged))
            {
                qrels[parts[0]] = judged = [];
            }

            judged[parts[1]] = int.Parse(parts[2]);
        }

        var queries = new Dictionary<string, string>();
        foreach (JsonElement row in ReadJsonLines(Path.Combine(folder, "queries.jsonl")))
        {
            string id = row.GetProperty("_id").GetString()!;
            if (qrels.ContainsKey(id))
            {
                queries[id] = row.GetProperty("text").GetString()!;
            }
        }

        return new BeirDataset(Path.GetFileName(Path.GetFullPath(folder).TrimEnd('/')), corpus, queries, qrels);
    }

    private static IEnumerable<JsonElement> ReadJsonLines(string path)
    {
        Stream stream = File.Exists(path) ? File.OpenRead(path) : new GZipStream(File.OpenRead(path + ".gz"), CompressionMode.Decompress);
        using var reader = new StreamReader(stream);
        while (reader.ReadLine() is { } line)
        {
            if (line.Length > 0)
            {
                using JsonDocument document = JsonDocument.Parse(line);
                yield return document.RootElement.Clone();
            }
        }
    }
}
