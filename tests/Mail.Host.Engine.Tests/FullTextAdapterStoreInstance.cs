using Mail.Host.Engine.Storage;
using Mail.Host.Storage;

namespace Mail.Host.Engine.Tests;

/// <summary>
/// A store instance that serves the full-text role through <see cref="DataStoreFullTextStore"/> over a data store,
/// and the data role with that same store, so that tests can look at the keys the index writes.
/// </summary>
internal sealed class FullTextAdapterStoreInstance(IDataStore data) : IStoreInstance
{
    public IDataStore? Data { get; } = data;

    public IBlobStore? Blob => null;

    public IFullTextStore? FullText { get; } = new DataStoreFullTextStore(data);

    public ILookupStore? Lookup => null;

    public ValueTask FlushAsync(CancellationToken cancellationToken) => ValueTask.CompletedTask;

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}
