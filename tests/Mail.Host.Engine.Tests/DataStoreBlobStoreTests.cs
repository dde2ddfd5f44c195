using Mail.Host.Conformance;
using Mail.Host.Engine.Storage;
using Mail.Host.Plugins.InMemory;
using Mail.Host.Storage;

namespace Mail.Host.Engine.Tests;

/// <summary>The blob store conformance kit run against the data-store blob adapter with its default chunk size.</summary>
public sealed class DataStoreBlobStoreTests : BlobStoreConformance
{
    /// <inheritdoc />
    protected override ValueTask<IStoreInstance> OpenStoreAsync()
    {
        var data = new MemoryDataStore();
        return ValueTask.FromResult<IStoreInstance>(new AdapterStoreInstance(data, blob: new DataStoreBlobStore(data)));
    }
}
