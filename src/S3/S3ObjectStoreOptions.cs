namespace VectorEngine.S3;

/// <summary>Where and how <see cref="S3ObjectStore"/> reaches its bucket.</summary>
public sealed class S3ObjectStoreOptions
{
    /// <summary>The bucket (it must exist).</summary>
    public string Bucket { get; set; } = "";

    /// <summary>Prepended to every key: one prefix per database sharing a bucket (ends with '/', or empty).</summary>
    public string Prefix { get; set; } = "";

    /// <summary>An S3-compatible endpoint ("http://127.0.0.1:9000"); null for AWS itself (then <see cref="Region"/> applies).</summary>
    public string? ServiceUrl { get; set; }

    /// <summary>The AWS region ("eu-west-1"). Default us-east-1.</summary>
    public string Region { get; set; } = "us-east-1";

    /// <summary>Path-style addressing (bucket in the path, not the host name), which most S3-compatible servers need. Default: on when <see cref="ServiceUrl"/> is set.</summary>
    public bool? ForcePathStyle { get; set; }

    /// <summary>The access key; null takes the SDK's default credential chain (environment, profile, instance role).</summary>
    public string? AccessKey { get; set; }

    /// <summary>The secret key, with <see cref="AccessKey"/>.</summary>
    public string? SecretKey { get; set; }

    /// <summary>Tries per request (the SDK retries throttling and transient network errors with backoff). Default 4.</summary>
    public int MaxAttempts { get; set; } = 4;

    /// <summary>Checks the values.</summary>
    /// <exception cref="VectorEngineArgumentException">A value is missing or malformed.</exception>
    public void Validate()
    {
        if (string.IsNullOrWhiteSpace(Bucket))
        {
            throw new VectorEngineArgumentException("S3 Bucket is required.", nameof(Bucket));
        }

        if (Prefix.Length > 0 && (!Prefix.EndsWith('/') || Prefix.StartsWith('/')))
        {
            throw new VectorEngineArgumentException($"S3 Prefix must end with '/' and not start with one; got '{Prefix}'.", nameof(Prefix));
        }

        if (ServiceUrl is not null && !Uri.TryCreate(ServiceUrl, UriKind.Absolute, out _))
        {
            throw new VectorEngineArgumentException($"S3 ServiceUrl is not an absolute URL: '{ServiceUrl}'.", nameof(ServiceUrl));
        }

        if ((AccessKey is null) != (SecretKey is null))
        {
            throw new VectorEngineArgumentException("S3 AccessKey and SecretKey go together.", nameof(AccessKey));
        }

        if (MaxAttempts is < 1 or > 20)
        {
            throw new VectorEngineArgumentException($"S3 MaxAttempts must be 1 to 20; got {MaxAttempts}.", nameof(MaxAttempts));
        }
    }
}
