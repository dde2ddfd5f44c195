using Mail.Host.Storage;

namespace Mail.Host.Plugins.RocksDb;

/// <summary>An open <c>rocksdb</c> store: it serves the data role; the host adapts it for the others it is given.</summary>
/// <param name="data">The data store.</param>
internal sealed class RocksDbStoreInstance(RocksDbDataStore data) : IStoreInstance
{
    /// <inheritdoc />
    public IDataStore? Data => data;

    /// <inheritdoc />
    public IBlobStore? Blob => null;

    /// <inheritdoc />
    public IFullTextStore? FullText => null;

    /// <inheritdoc />
    public ILookupStore? Lookup => null;

    /// <summary>The data store with its internals, for tests.</summary>
    internal RocksDbDataStore Store => data;

    /// <inheritdoc />
    public ValueTask FlushAsync(CancellationToken cancellationToken) => new(data.FlushAsync(cancellationToken));

    /// <inheritdoc />
    public ValueTask DisposeAsync() => new(data.CloseAsync());
}
