using Mail.Host.Storage;
using Minio;

namespace Mail.Host.Plugins.S3;

/// <summary>An open <c>s3</c> store: the blob role only.</summary>
internal sealed class S3StoreInstance(S3BlobStore blobs, IMinioClient client) : IStoreInstance
{
    public IDataStore? Data => null;

    public IBlobStore? Blob => blobs;

    public IFullTextStore? FullText => null;

    public ILookupStore? Lookup => null;

    // Every put is acknowledged by the service only once stored; nothing is buffered here.
    public ValueTask FlushAsync(CancellationToken cancellationToken) => ValueTask.CompletedTask;

    public ValueTask DisposeAsync()
    {
        blobs.Dispose();
        client.Dispose();
        return ValueTask.CompletedTask;
    }
}
