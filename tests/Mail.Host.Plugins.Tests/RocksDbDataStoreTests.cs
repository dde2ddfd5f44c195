using Mail.Host.Conformance;
using Mail.Host.Storage;

namespace Mail.Host.Plugins.Tests;

/// <summary>The data store conformance kit run against the <c>rocksdb</c> store, each test in a new folder, writes synced as in production.</summary>
public sealed class RocksDbDataStoreTests : DataStoreConformance
{
    private readonly RocksDbTestFolder folder = new();

    /// <inheritdoc />
    public override async Task DisposeAsync()
    {
        try
        {
            await base.DisposeAsync();
        }
        finally
        {
            folder.Dispose();
        }
    }

    /// <inheritdoc />
    protected override ValueTask<IStoreInstance> OpenStoreAsync() => folder.OpenAsync();
}
