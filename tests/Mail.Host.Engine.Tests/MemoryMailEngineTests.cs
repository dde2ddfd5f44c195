using Mail.Host.Plugins.InMemory;
using Mail.Host.Storage;

namespace Mail.Host.Engine.Tests;

/// <summary>The engine suite over the in-memory data store, with blobs kept in the same store.</summary>
public sealed class MemoryMailEngineTests : MailEngineConformance
{
    /// <inheritdoc />
    protected override ValueTask<IDataStore> CreateDataStoreAsync() => ValueTask.FromResult<IDataStore>(new MemoryDataStore());
}
