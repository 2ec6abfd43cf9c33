namespace VectorEngine.Server.Security;

/// <summary>What a key may do; each scope includes the ones below it (admin ⊇ write ⊇ read).</summary>
public enum ApiKeyScope
{
    /// <summary>Get, scroll, count, search; list and describe collections.</summary>
    Read = 1,

    /// <summary>Read, plus upsert and delete points.</summary>
    Write = 2,

    /// <summary>Write, plus create and drop collections and snapshots.</summary>
    Admin = 3,
}

/// <summary>One API key (configured under Server:ApiKeys:N).</summary>
public sealed class ApiKeyOptions
{
    /// <summary>The secret the client sends in the "api-key" header (or as "authorization: Bearer KEY").</summary>
    public string Key { get; set; } = string.Empty;

    /// <summary>What the key may do. Default read.</summary>
    public ApiKeyScope Scope { get; set; } = ApiKeyScope.Read;

    /// <summary>Collections the key may touch; empty allows every collection.</summary>
    public List<string> Collections { get; set; } = [];
}
