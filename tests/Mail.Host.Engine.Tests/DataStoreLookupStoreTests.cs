using Mail.Host.Conformance;
using Mail.Host.Engine.Storage;
using Mail.Host.Plugins.InMemory;
using Mail.Host.Storage;

namespace Mail.Host.Engine.Tests;

/// <summary>The lookup store conformance kit run against the data-store lookup adapter, polling every 20 ms.</summary>
public sealed class DataStoreLookupStoreTests : LookupStoreConformance
{
    /// <inheritdoc />
    protected override ValueTask<IStoreInstance> OpenStoreAsync()
    {
        var data = new MemoryDataStore();
        var lookup = new DataStoreLookupStore(data, TimeProvider.System, new DataStoreLookupOptions { PollInterval = TimeSpan.FromMilliseconds(20) });
        return ValueTask.FromResult<IStoreInstance>(new AdapterStoreInstance(data, lookup: lookup));
    }
}
