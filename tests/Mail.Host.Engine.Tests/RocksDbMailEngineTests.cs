using Mail.Host.Plugins.RocksDb;
using Mail.Host.Storage;

namespace Mail.Host.Engine.Tests;

/// <summary>The engine suite over the RocksDB store, each test in a new folder, blobs in the same database.</summary>
public sealed class RocksDbMailEngineTests : MailEngineConformance, IDisposable
{
    private readonly MailEngineStoreFolder folder = new("rocksdb");

    /// <inheritdoc />
    public void Dispose() => folder.Dispose();

    /// <inheritdoc />
    protected override ValueTask<IDataStore> CreateDataStoreAsync() => folder.OpenAsync(new RocksDbStoreProvider(), "data/rocksdb");

    /// <inheritdoc />
    protected override ValueTask<IBlobStore> CreateBlobStoreAsync(IDataStore dataStore)
        => folder.Instance.Blob is { } blob ? ValueTask.FromResult(blob) : base.CreateBlobStoreAsync(dataStore);

    /// <inheritdoc />
    protected override ValueTask DisposeStoresAsync() => folder.CloseAsync();
}
