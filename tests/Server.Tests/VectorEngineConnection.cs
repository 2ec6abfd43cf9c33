using VectorEngine.Client;

namespace VectorEngine.Server.Tests;

/// <summary>The tests' switch between a server address and a local directory for the embedded engine (applications use AddVectorEngine or AddVectorEngineClient).</summary>
internal static class VectorEngineConnection
{
    /// <summary>
    /// "http://host:port" or "https://host:port" connects to a server; anything else is a directory opened in-process
    /// (an "embedded:" prefix is optional). The result is used the same way in both cases.
    /// </summary>
    /// <param name="target">The address or directory (e.g. from appsettings: "VectorEngine:Target").</param>
    /// <param name="embeddedOptions">Options for the embedded engine (register HNSW, quantization, IVF there); ignored for a server.</param>
    /// <param name="apiKey">The server's API key; ignored for the embedded engine.</param>
    public static IVectorDatabase Open(string target, VectorDatabaseOptions? embeddedOptions = null, string? apiKey = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(target);
        if (target.StartsWith("http://", StringComparison.OrdinalIgnoreCase) || target.StartsWith("https://", StringComparison.OrdinalIgnoreCase))
        {
            return new VectorEngineClient(target, apiKey);
        }

        const string Prefix = "embedded:";
        string path = target.StartsWith(Prefix, StringComparison.OrdinalIgnoreCase) ? target[Prefix.Length..] : target;
        return VectorDatabase.Open(path, embeddedOptions);
    }
}
