namespace VectorEngine.Client;

/// <summary>The settings of a client registered with <c>AddVectorEngineClient</c>, bindable from configuration.</summary>
public sealed class VectorEngineClientSettings
{
    /// <summary>The configuration section read by convention.</summary>
    public const string Section = "VectorEngineClient";

    /// <summary>The server's address, e.g. <c>http://127.0.0.1:6334</c> (https for TLS). Required.</summary>
    public string Address { get; set; } = string.Empty;

    /// <summary>The API key sent with every call, or null for an open server.</summary>
    public string? ApiKey { get; set; }

    /// <summary>The largest message sent or received, in bytes (the server's Server:MaxMessageBytes should match). Default 64 MiB.</summary>
    public int MaxMessageBytes { get; set; } = 64 << 20;

    /// <summary>What is wrong with these settings, one sentence each; empty when they are valid.</summary>
    public IReadOnlyList<string> Problems()
    {
        var problems = new List<string>();
        if (!Uri.TryCreate(Address, UriKind.Absolute, out Uri? uri) || uri.Scheme is not ("http" or "https"))
        {
            problems.Add($"{Section}:Address must be an absolute http or https address; got '{Address}'.");
        }

        if (MaxMessageBytes < 1024)
        {
            problems.Add($"{Section}:MaxMessageBytes must be at least 1024.");
        }

        if (ApiKey is { Length: 0 })
        {
            problems.Add($"{Section}:ApiKey is empty; leave it out for an open server.");
        }

        return problems;
    }
}
