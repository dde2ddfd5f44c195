using Mail.Host.Storage;

namespace Acme.Store;

/// <summary>One open store: it serves the data role only; the other roles are <see langword="null"/>.</summary>
public sealed class AcmeStoreInstance(AcmeStoreDataStore store) : IStoreInstance
{
    /// <inheritdoc />
    public IDataStore? Data => store;

    /// <inheritdoc />
    public IBlobStore? Blob => null;

    /// <inheritdoc />
    public IFullTextStore? FullText => null;

    /// <inheritdoc />
    public ILookupStore? Lookup => null;

    /// <inheritdoc />
    /// <remarks>Every commit is already on disk when it returns, so there is nothing left to flush.</remarks>
    public ValueTask FlushAsync(CancellationToken cancellationToken) => ValueTask.CompletedTask;

    /// <inheritdoc />
    public ValueTask DisposeAsync()
    {
        store.Dispose();
        return ValueTask.CompletedTask;
    }
}
