using Mail.Host.Storage;

namespace Mail.Host.Plugins.Tests;

/// <summary>The host's store list, standing in for a directory test: the named stores, no roles.</summary>
/// <param name="stores">The stores by manifest name.</param>
internal sealed class TestMailStores(IReadOnlyDictionary<string, IStoreInstance> stores) : IMailStores
{
    public IDataStore Data => throw new InvalidOperationException("No data role in this test.");

    public IBlobStore Blob => throw new InvalidOperationException("No blob role in this test.");

    public IFullTextStore FullText => throw new InvalidOperationException("No full-text role in this test.");

    public ILookupStore Lookup => throw new InvalidOperationException("No lookup role in this test.");

    public bool Serves(StoreRoles role) => false;

    public IStoreInstance? FindStore(string name) => stores.GetValueOrDefault(name);
}
