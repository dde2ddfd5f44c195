using Mail.Host.Conformance;
using Mail.Host.Engine.Storage;
using Mail.Host.Plugins.InMemory;
using Mail.Host.Storage;

namespace Mail.Host.Engine.Tests;

/// <summary>
/// The blob store conformance kit run with chunks of 1000 bytes, so that every blob of the kit spans many chunks and
/// many commits, and every range crosses chunk boundaries.
/// </summary>
public sealed class DataStoreBlobStoreSmallChunkTests : BlobStoreConformance
{
    /// <inheritdoc />
    protected override ValueTask<IStoreInstance> OpenStoreAsync()
    {
        var data = new MemoryDataStore();
        var blob = new DataStoreBlobStore(data, new DataStoreBlobOptions { ChunkSize = 1000, ChunksPerCommit = 16 });
        return ValueTask.FromResult<IStoreInstance>(new AdapterStoreInstance(data, blob: blob));
    }
}
