using System.Net;
using System.Runtime.CompilerServices;
using Amazon.Runtime;
using Amazon.S3;
using Amazon.S3.Model;
using VectorEngine.Tiers;

namespace VectorEngine.S3;

/// <summary>
/// An <see cref="IObjectStore"/> on an S3 bucket. Puts are single requests (S3 stores an object whole or not at all);
/// the engine checks every fetched archive against the length and CRC32C it recorded, so the store adds no checksum
/// of its own (and so works with S3-compatible servers that know none of the newer checksum headers).
/// </summary>
public sealed class S3ObjectStore : IObjectStore, IDisposable
{
    private readonly IAmazonS3 _client;
    private readonly S3ObjectStoreOptions _options;

    /// <summary>A store over its own client, made from <paramref name="options"/>.</summary>
    /// <param name="options">Bucket, prefix, endpoint and credentials.</param>
    /// <exception cref="VectorEngineArgumentException">The options are incomplete or malformed.</exception>
    public S3ObjectStore(S3ObjectStoreOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        _options = options;
        var config = new AmazonS3Config
        {
            ForcePathStyle = options.ForcePathStyle ?? options.ServiceUrl is not null,
            MaxErrorRetry = options.MaxAttempts - 1,
            RequestChecksumCalculation = RequestChecksumCalculation.WHEN_REQUIRED,
            ResponseChecksumValidation = ResponseChecksumValidation.WHEN_REQUIRED,
        };
        if (options.ServiceUrl is not null)
        {
            config.ServiceURL = options.ServiceUrl;
            config.AuthenticationRegion = options.Region;
        }
        else
        {
            config.RegionEndpoint = Amazon.RegionEndpoint.GetBySystemName(options.Region);
        }

        _client = options.AccessKey is null
            ? new AmazonS3Client(config)
            : new AmazonS3Client(new BasicAWSCredentials(options.AccessKey, options.SecretKey), config);
    }

    /// <inheritdoc />
    public string Description => $"s3://{_options.Bucket}/{_options.Prefix}";

    /// <inheritdoc />
    public async Task PutAsync(string key, Stream content, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(content);
        var request = new PutObjectRequest
        {
            BucketName = _options.Bucket,
            Key = FullKey(key),
            InputStream = content,
            AutoCloseStream = false,
            UseChunkEncoding = false,
        };
        await _client.PutObjectAsync(request, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async Task GetAsync(string key, Stream destination, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(destination);
        try
        {
            using GetObjectResponse response = await _client.GetObjectAsync(_options.Bucket, FullKey(key), cancellationToken).ConfigureAwait(false);
            await response.ResponseStream.CopyToAsync(destination, 1 << 20, cancellationToken).ConfigureAwait(false);
        }
        catch (AmazonS3Exception e) when (e.StatusCode == HttpStatusCode.NotFound)
        {
            throw new FileNotFoundException($"No object '{key}' in {Description}.", key, e);
        }
        catch (AmazonClientException e) when (e.Message.Contains("hash", StringComparison.OrdinalIgnoreCase))
        {
            // The SDK checks a whole-object download against its MD5 ETag: a mismatch is a damaged copy, as the engine's
            // own CRC check would find.
            throw new InvalidDataException($"Object '{key}' in {Description} arrived damaged ({e.Message}).", e);
        }
    }

    /// <inheritdoc />
    public async Task DeleteAsync(string key, CancellationToken cancellationToken = default) =>
        await _client.DeleteObjectAsync(_options.Bucket, FullKey(key), cancellationToken).ConfigureAwait(false);

    /// <inheritdoc />
    public async IAsyncEnumerable<string> ListAsync(string prefix, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(prefix);
        var request = new ListObjectsV2Request { BucketName = _options.Bucket, Prefix = _options.Prefix + prefix };
        do
        {
            ListObjectsV2Response response = await _client.ListObjectsV2Async(request, cancellationToken).ConfigureAwait(false);
            foreach (S3Object item in response.S3Objects ?? [])
            {
                yield return item.Key[_options.Prefix.Length..];
            }

            request.ContinuationToken = response.IsTruncated == true ? response.NextContinuationToken : null;
        }
        while (request.ContinuationToken is not null);
    }

    /// <summary>Disposes the client.</summary>
    public void Dispose() => _client.Dispose();

    private string FullKey(string key)
    {
        ObjectKeys.Validate(key);
        return _options.Prefix + key;
    }
}
