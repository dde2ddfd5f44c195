using Mail.Host.Storage;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Minio;

namespace Mail.Host.Plugins.S3;

/// <summary>The <c>s3</c> store type: the blob role on Amazon S3 or any S3-compatible service (MinIO, Ceph, …).</summary>
public sealed class S3StoreProvider : IStoreProvider
{
    /// <inheritdoc />
    public string Type => "s3";

    /// <inheritdoc />
    public StoreRoles Roles => StoreRoles.Blob;

    /// <inheritdoc />
    public IEnumerable<string> Validate(StoreContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var problems = new List<string>();
        S3Settings.Read(context.Settings, $"Stores:{context.Name}", problems, context.ResolvePath);
        return problems;
    }

    /// <inheritdoc />
    public async ValueTask<IStoreInstance> OpenAsync(StoreContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        var problems = new List<string>();
        var settings = S3Settings.Read(context.Settings, $"Stores:{context.Name}", problems, context.ResolvePath);
        if (problems.Count > 0)
        {
            throw new InvalidOperationException(string.Join(" ", problems));
        }

        var builder = new MinioClient()
            .WithEndpoint(settings.Endpoint.Host, settings.Endpoint.Port)
            .WithSSL(settings.Endpoint.Scheme == "https")
            .WithTimeout((int)settings.Timeout.TotalMilliseconds);
        if (settings.AccessKey is { Length: > 0 })
        {
            builder = builder.WithCredentials(settings.AccessKey, settings.SecretKey ?? string.Empty);
        }

        if (settings.Region is { Length: > 0 })
        {
            builder = builder.WithRegion(settings.Region);
        }

        var client = builder.Build();
        var logger = context.Services.GetService<ILoggerFactory>()?.CreateLogger<S3BlobStore>() ?? (ILogger)NullLogger.Instance;
        var store = new S3BlobStore(client, settings, logger);
        try
        {
            await store.EnsureBucketAsync(cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            client.Dispose();
            throw;
        }

        return new S3StoreInstance(store, client);
    }
}
