using System.Text.RegularExpressions;
using VectorEngine.Filters;
using VectorEngine.Tests.TestKit;

namespace VectorEngine.Tests;

/// <summary>The README's embedded example, compiled and run here; a second test keeps the README's copy identical.</summary>
public sealed class ReadmeExampleTests
{
    [Fact]
    public void The_readme_example_runs()
    {
        using TempDirectory dir = Data.TempDir();
        string previous = Environment.CurrentDirectory;
        Environment.CurrentDirectory = dir.Path;
        IReadOnlyList<ScoredPoint> hits;
        try
        {
            hits = ReadmeExample();
        }
        finally
        {
            Environment.CurrentDirectory = previous;
        }

        Assert.Equal(2UL, hits.Single().Id.Number);
        Assert.Equal("de", hits.Single().Payload!["lang"].AsString);
    }

    [Fact]
    public void The_readme_shows_exactly_this_example()
    {
        string root = AppContext.BaseDirectory;
        while (!File.Exists(Path.Combine(root, "README.md")))
        {
            root = Path.GetDirectoryName(root) ?? throw new FileNotFoundException("README.md not found above the test folder");
        }

        string readme = File.ReadAllText(Path.Combine(root, "README.md"));
        string source = File.ReadAllText(Path.Combine(root, "tests", "VectorCore.Tests", "ReadmeExampleTests.cs"));
        string snippet = Regex.Match(source, @"// README:BEGIN\r?\n(.*?)\r?\n\s*// README:END", RegexOptions.Singleline).Groups[1].Value;
        string Normalise(string s) => string.Join("\n", s.Split('\n').Select(l => l.Trim()).Where(l => l.Length > 0));
        Assert.NotEmpty(snippet);
        Assert.Contains(Normalise(snippet), Normalise(readme));
    }

    private static IReadOnlyList<ScoredPoint> ReadmeExample()
    {
        // README:BEGIN
        using var db = VectorDatabase.Open("./data");
        var docs = db.CreateCollection("docs", new CollectionOptions(4, DistanceMetric.Cosine)
        {
            PayloadIndexes = { ["lang"] = PayloadIndexType.Keyword },
        });
        docs.Upsert([
            new Point(1UL, [0.9f, 0.1f, 0.0f, 0.0f], new Payload { ["lang"] = "en", ["title"] = "Senior C# developer" }),
            new Point(2UL, [0.8f, 0.2f, 0.1f, 0.0f], new Payload { ["lang"] = "de", ["title"] = "C#-Entwickler" }),
            new Point(3UL, [0.0f, 0.1f, 0.9f, 0.3f], new Payload { ["lang"] = "de", ["title"] = "Bäcker" }),
        ]);
        var hits = docs.Search(new SearchRequest([1.0f, 0.1f, 0.0f, 0.0f], limit: 1)
        {
            Filter = new Filter { Must = { Condition.Match("lang", "de") } },
        });
        Console.WriteLine($"{hits[0].Id}: {hits[0].Payload!["title"]} ({hits[0].Score:F3})");
        // README:END
        return hits;
    }
}
