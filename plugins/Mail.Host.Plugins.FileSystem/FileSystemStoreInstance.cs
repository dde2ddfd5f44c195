using Mail.Host.Storage;

namespace Mail.Host.Plugins.FileSystem;

/// <summary>An open <c>filesystem</c> store: it serves the blob role only.</summary>
/// <param name="blob">The blob store.</param>
internal sealed class FileSystemStoreInstance(FileSystemBlobStore blob) : IStoreInstance
{
    /// <inheritdoc />
    public IDataStore? Data => null;

    /// <inheritdoc />
    public IBlobStore? Blob => blob;

    /// <inheritdoc />
    public IFullTextStore? FullText => null;

    /// <inheritdoc />
    public ILookupStore? Lookup => null;

    /// <inheritdoc />
    /// <remarks>Every put is durable before it returns, so there is nothing left to flush.</remarks>
    public ValueTask FlushAsync(CancellationToken cancellationToken) => ValueTask.CompletedTask;

    /// <inheritdoc />
    /// <remarks>No handle stays open between calls.</remarks>
    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}
