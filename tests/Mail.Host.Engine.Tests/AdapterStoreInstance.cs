using Mail.Host.Storage;

namespace Mail.Host.Engine.Tests;

/// <summary>
/// A store instance that serves the data role with a data store and the blob or lookup role through an engine
/// adapter over that same store, so that tests can look at the entries the adapter writes.
/// </summary>
internal sealed class AdapterStoreInstance(IDataStore data, IBlobStore? blob = null, ILookupStore? lookup = null) : IStoreInstance
{
    public IDataStore? Data { get; } = data;

    public IBlobStore? Blob { get; } = blob;

    public IFullTextStore? FullText => null;

    public ILookupStore? Lookup { get; } = lookup;

    public ValueTask FlushAsync(CancellationToken cancellationToken) => ValueTask.CompletedTask;

    public async ValueTask DisposeAsync()
    {
        if (Lookup is IAsyncDisposable disposable)
        {
            await disposable.DisposeAsync();
        }
    }
}
