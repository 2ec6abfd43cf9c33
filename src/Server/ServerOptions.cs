namespace VectorEngine.Server;

/// <summary>
/// The server's settings, bound from the "Server" section of appsettings.json, VECTORENGINE_SERVER__* environment
/// variables and flags (--bind, --port, --data, or any --Server:Key=value).
/// </summary>
public sealed class ServerOptions
{
    /// <summary>The configuration section.</summary>
    public const string Section = "Server";

    /// <summary>Address to listen on. Default 127.0.0.1: exposing the server is a deliberate choice.</summary>
    public string BindAddress { get; set; } = "127.0.0.1";

    /// <summary>gRPC port. Default 6334 (Qdrant's gRPC port).</summary>
    public int Port { get; set; } = 6334;

    /// <summary>
    /// A PKCS#12 (.pfx) certificate file: when set, the gRPC port serves TLS only (HTTP/2 over TLS with ALPN). The
    /// metrics port stays plain HTTP. Default: none (plain HTTP/2, for the loopback default).
    /// </summary>
    public string TlsCertificatePath { get; set; } = string.Empty;

    /// <summary>The certificate file's password, if it has one (prefer VECTORENGINE_SERVER__TLSCERTIFICATEPASSWORD).</summary>
    public string TlsCertificatePassword { get; set; } = string.Empty;

    /// <summary>
    /// Port of the Prometheus endpoint (HTTP/1.1, GET /metrics) on the same address; a separate port so scrapers never
    /// share the gRPC listener. Default 9464; -1 turns it off.
    /// </summary>
    public int MetricsPort { get; set; } = 9464;

    /// <summary>
    /// OTLP endpoint traces are exported to (e.g. http://127.0.0.1:4317); empty (the default) uses OTEL_EXPORTER_OTLP_ENDPOINT
    /// when that is set, and exports nothing otherwise.
    /// </summary>
    public string OtlpEndpoint { get; set; } = string.Empty;

    /// <summary>The database directory, created when missing. Default ./data (relative to the working directory).</summary>
    public string DataDirectory { get; set; } = "data";

    /// <summary>Where snapshots are kept, one folder per collection; empty (the default) uses DATA/snapshots.</summary>
    public string SnapshotsDirectory { get; set; } = string.Empty;

    /// <summary>The snapshot folder in effect.</summary>
    public string EffectiveSnapshotsDirectory => SnapshotsDirectory.Length > 0 ? SnapshotsDirectory : Path.Combine(DataDirectory, "snapshots");

    /// <summary>Largest gRPC message accepted or sent, in bytes. Default 64 MiB.</summary>
    public int MaxMessageBytes { get; set; } = 64 << 20;

    /// <summary>Most points in one upsert message. Default 10,000.</summary>
    public int MaxBatchPoints { get; set; } = 10_000;

    /// <summary>Largest payload of one point, in bytes as encoded on the wire (keys and values). Default 64 KiB.</summary>
    public int MaxPayloadBytes { get; set; } = 64 << 10;

    /// <summary>Deepest filter nesting accepted, from 1 to the engine's 16. Default 16.</summary>
    public int MaxFilterDepth { get; set; } = Filters.Filter.MaxDepth;

    /// <summary>Largest search limit (k) and scroll page. Default 10,000.</summary>
    public int MaxLimit { get; set; } = 10_000;

    /// <summary>Most searches in one batch. Default 1,000.</summary>
    public int MaxBatchSearches { get; set; } = 1_000;

    /// <summary>
    /// API keys (Server:ApiKeys:N:Key / Scope / Collections). None (the default) leaves the API open, which suits the
    /// default loopback binding; configure keys before binding to another address.
    /// </summary>
    public List<Security.ApiKeyOptions> ApiKeys { get; set; } = [];

    /// <summary>
    /// Address of the metrics listener. Default 127.0.0.1: the metrics name every collection, so they stay on the machine
    /// unless this is set (and, for a network address, <see cref="MetricsApiKey"/>).
    /// </summary>
    public string MetricsBindAddress { get; set; } = "127.0.0.1";

    /// <summary>When set, <c>GET /metrics</c> needs <c>Authorization: Bearer KEY</c> (at least 16 characters). Default: none.</summary>
    public string MetricsApiKey { get; set; } = string.Empty;

    /// <summary>Largest snapshot archive a restore call may upload. Default 16 GiB.</summary>
    public long MaxSnapshotUploadBytes { get; set; } = 16L << 30;

    /// <summary>
    /// Start even when the API is reachable from the network unprotected (a non-loopback bind without API keys, API keys
    /// without TLS, or metrics on a non-loopback address without a key): the server then logs a warning instead of
    /// refusing to start. Default false.
    /// </summary>
    public bool AllowInsecureNetworkAccess { get; set; }

    /// <summary>What is unprotected on the network with these settings; empty when nothing is.</summary>
    public IReadOnlyList<string> InsecureNetworkAccess()
    {
        var problems = new List<string>();
        bool exposed = !System.Net.IPAddress.IsLoopback(System.Net.IPAddress.Parse(BindAddress));
        if (exposed && ApiKeys.Count == 0)
        {
            problems.Add($"the API is bound to {BindAddress} without API keys (Server:ApiKeys)");
        }

        if (exposed && ApiKeys.Count > 0 && TlsCertificatePath.Length == 0)
        {
            problems.Add($"API keys would cross the network from {BindAddress} in clear text (set Server:TlsCertificatePath)");
        }

        if (MetricsPort >= 0 && !System.Net.IPAddress.IsLoopback(System.Net.IPAddress.Parse(MetricsBindAddress)) && MetricsApiKey.Length == 0)
        {
            problems.Add($"metrics are bound to {MetricsBindAddress} without Server:MetricsApiKey");
        }

        return problems;
    }

    /// <summary>Checks the values at start-up.</summary>
    /// <exception cref="InvalidOperationException">A value is out of range.</exception>
    public void Validate()
    {
        if (!System.Net.IPAddress.TryParse(BindAddress, out _))
        {
            throw new InvalidOperationException($"Server:BindAddress '{BindAddress}' is not an IP address.");
        }

        if (Port is < 0 or > 65535 || MetricsPort is < -1 or > 65535 || MaxMessageBytes < 1024 || MaxBatchPoints < 1 || MaxPayloadBytes < 1 || MaxFilterDepth is < 1 or > Filters.Filter.MaxDepth || MaxLimit < 1 || MaxBatchSearches < 1
            || string.IsNullOrWhiteSpace(DataDirectory))
        {
            throw new InvalidOperationException("Server settings out of range: Port 0-65535, MaxMessageBytes >= 1024, limits >= 1, DataDirectory set.");
        }

        if (TlsCertificatePath.Length > 0 && !File.Exists(TlsCertificatePath))
        {
            throw new InvalidOperationException($"Server:TlsCertificatePath '{TlsCertificatePath}' does not exist.");
        }

        if (ApiKeys.Any(k => k.Key.Length < 16 || !Enum.IsDefined(k.Scope)))
        {
            throw new InvalidOperationException("Every Server:ApiKeys entry needs a Key of at least 16 characters and a Scope of Read, Write or Admin.");
        }

        if (!System.Net.IPAddress.TryParse(MetricsBindAddress, out _) || (MetricsApiKey.Length is > 0 and < 16) || MaxSnapshotUploadBytes < 1)
        {
            throw new InvalidOperationException("Server:MetricsBindAddress must be an IP address, Server:MetricsApiKey at least 16 characters, MaxSnapshotUploadBytes positive.");
        }

        IReadOnlyList<string> insecure = InsecureNetworkAccess();
        if (insecure.Count > 0 && !AllowInsecureNetworkAccess)
        {
            throw new InvalidOperationException($"Refusing to start: {string.Join("; ", insecure)}. Fix that, or set Server:AllowInsecureNetworkAccess=true to start with a warning.");
        }
    }
}
