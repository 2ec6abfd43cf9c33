using System.Diagnostics;
using System.Text;
using System.Text.RegularExpressions;
using VectorEngine.Tests.TestKit;

namespace VectorEngine.VectorData.Tests;

/// <summary>
/// What a new user does: take the packages from a feed, write the README's code into a new console app, run it. The
/// packages are packed from this build into a local folder feed; the app references them by version (no project
/// references) and its Program.cs is the README's marked code blocks, so the README cannot drift from what works.
/// </summary>
public sealed class PackageConsumerTests
{
#if DEBUG
    private const string Configuration = "Debug";
#else
    private const string Configuration = "Release";
#endif

    [Fact]
    public async Task Packages_from_a_local_feed_run_the_readme_examples_in_a_new_console_app()
    {
        string root = RepositoryRoot();
        using TempDirectory work = Data.TempDir();
        string feed = Path.Combine(work.Path, "feed");
        string app = Path.Combine(work.Path, "app");
        Directory.CreateDirectory(app);

        // A version of its own each run: the NuGet cache never serves an older package of the same version.
        string version = $"0.9.0-consumer.{DateTime.UtcNow:yyyyMMddHHmmssfff}";
        await RunAsync(root, "bash", ["scripts/pack.sh", feed, "--no-build", $"-p:PackageVersion={version}"], TimeSpan.FromMinutes(4),
            ("CONFIGURATION", Configuration));
        Assert.True(File.Exists(Path.Combine(feed, $"VectorEngine.{version}.nupkg")));
        Assert.True(File.Exists(Path.Combine(feed, $"VectorEngine.Client.{version}.snupkg")));

        // The client takes the shared types, not the engine (no storage, no Lucene): its whole dependency closure.
        IReadOnlySet<string> clientNeeds = DependencyClosure(feed, version, "VectorEngine.Client");
        Assert.Contains("VectorEngine.Abstractions", clientNeeds);
        Assert.Contains("Grpc.Net.Client", clientNeeds);
        Assert.DoesNotContain("VectorEngine", clientNeeds);
        Assert.DoesNotContain(clientNeeds, id => id.StartsWith("Lucene", StringComparison.Ordinal));

        string readme = await File.ReadAllTextAsync(Path.Combine(root, "README.md"));
        await File.WriteAllTextAsync(Path.Combine(app, "nuget.config"), """
            <?xml version="1.0" encoding="utf-8"?>
            <configuration>
              <packageSources>
                <add key="local-feed" value="../feed" />
              </packageSources>
            </configuration>
            """);
        await File.WriteAllTextAsync(Path.Combine(app, "Consumer.csproj"), $"""
            <Project Sdk="Microsoft.NET.Sdk">
              <PropertyGroup>
                <OutputType>Exe</OutputType>
                <TargetFramework>net10.0</TargetFramework>
                <Nullable>enable</Nullable>
                <ImplicitUsings>enable</ImplicitUsings>
                <InvariantGlobalization>true</InvariantGlobalization>
              </PropertyGroup>
              <ItemGroup>
                <PackageReference Include="VectorEngine" Version="{version}" />
                <PackageReference Include="VectorEngine.Hnsw" Version="{version}" />
                <PackageReference Include="VectorEngine.VectorData" Version="{version}" />
                <PackageReference Include="Microsoft.Extensions.Hosting" Version="10.0.0" />
              </ItemGroup>
            </Project>
            """);
        await File.WriteAllTextAsync(Path.Combine(app, "appsettings.json"), Block(readme, "appsettings", "json"));
        await File.WriteAllTextAsync(Path.Combine(app, "Program.cs"), string.Join("\n",
            "using Microsoft.Extensions.DependencyInjection;",
            "using Microsoft.Extensions.Hosting;",
            "using Microsoft.Extensions.VectorData;",
            "using VectorEngine;",
            "using VectorEngine.Filters;",
            "using VectorEngine.Hnsw;",
            "using VectorEngine.VectorData;",
            Block(readme, "embedded", "csharp"),
            Block(readme, "vectordata", "csharp"),
            Block(readme, "di", "csharp"),
            Block(readme, "types", "csharp")));

        string output;
        try
        {
            output = await RunAsync(app, "dotnet", ["run", "-c", "Release"], TimeSpan.FromMinutes(5));
        }
        finally
        {
            ForgetFromNuGetCache(feed, version);
        }

        Assert.Matches(@"(?m)^2: ""C#-Entwickler"" \(0\.9\d\d\)$", output);
        Assert.Matches(@"(?m)^Senior C# developer \(0\.9\d\d\)$", output);
        Assert.DoesNotMatch("Rust engineer|Baker", output);
        Assert.Contains("hosted: Data engineer", output);
    }

    // Our packages' dependencies, followed through the feed (others are listed, not followed).
    private static IReadOnlySet<string> DependencyClosure(string feed, string version, string id)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var pending = new Stack<string>([id]);
        while (pending.TryPop(out string? next))
        {
            string package = Path.Combine(feed, $"{next}.{version}.nupkg");
            if (!File.Exists(package))
            {
                continue;
            }

            using System.IO.Compression.ZipArchive zip = System.IO.Compression.ZipFile.OpenRead(package);
            using Stream nuspec = zip.Entries.Single(e => e.FullName.EndsWith(".nuspec", StringComparison.Ordinal)).Open();
            foreach (System.Xml.Linq.XElement dependency in System.Xml.Linq.XDocument.Load(nuspec).Descendants().Where(e => e.Name.LocalName == "dependency"))
            {
                string dependencyId = (string)dependency.Attribute("id")!;
                if (seen.Add(dependencyId))
                {
                    pending.Push(dependencyId);
                }
            }
        }

        return seen;
    }

    // Each run's packages would otherwise stay in the global packages folder, a version per run.
    private static void ForgetFromNuGetCache(string feed, string version)
    {
        string cache = Environment.GetEnvironmentVariable("NUGET_PACKAGES")
            ?? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
        foreach (string package in Directory.EnumerateFiles(feed, $"*.{version}.nupkg"))
        {
            string id = Path.GetFileName(package)[..^$".{version}.nupkg".Length].ToLowerInvariant();
            string folder = Path.Combine(cache, id, version);
            if (Directory.Exists(folder))
            {
                Directory.Delete(folder, recursive: true);
            }
        }
    }

    private static string Block(string readme, string name, string language)
    {
        Match block = Regex.Match(readme, $@"<!-- consumer:{name} -->\s*```{language}\r?\n(.*?)\r?\n```", RegexOptions.Singleline);
        Assert.True(block.Success, $"README has no ```{language} block marked consumer:{name}");
        return block.Groups[1].Value;
    }

    private static async Task<string> RunAsync(string directory, string command, string[] arguments, TimeSpan limit, params (string Name, string Value)[] environment)
    {
        var start = new ProcessStartInfo(command)
        {
            WorkingDirectory = directory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            Environment = { ["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1", ["DOTNET_NOLOGO"] = "1", ["MSBUILDNOINPROCNODE"] = "1" },
        };
        foreach (string argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        foreach ((string name, string value) in environment)
        {
            start.Environment[name] = value;
        }

        using Process process = Process.Start(start)!;
        var output = new StringBuilder();
        Task stdout = Pump(process.StandardOutput, output);
        Task stderr = Pump(process.StandardError, output);
        using var timeout = new CancellationTokenSource(limit);
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{command} {string.Join(' ', arguments)} ran past {limit}:\n{output}");
        }

        await Task.WhenAll(stdout, stderr);
        Assert.True(process.ExitCode == 0, $"{command} {string.Join(' ', arguments)} exited {process.ExitCode}:\n{output}");
        return output.ToString();
    }

    private static async Task Pump(StreamReader reader, StringBuilder into)
    {
        while (await reader.ReadLineAsync() is { } line)
        {
            lock (into)
            {
                into.AppendLine(line);
            }
        }
    }

    private static string RepositoryRoot()
    {
        string root = AppContext.BaseDirectory;
        while (!File.Exists(Path.Combine(root, "VectorEngine.sln")))
        {
            root = Path.GetDirectoryName(root) ?? throw new DirectoryNotFoundException("VectorEngine.sln not found above the test folder");
        }

        return root;
    }
}
