using Mail.Host.Storage;

namespace Mail.Host.Plugins.Redis;

/// <summary>An open <c>redis</c> store: the lookup role only.</summary>
internal sealed class RedisStoreInstance(RedisLookupStore lookup) : IStoreInstance
{
    public IDataStore? Data => null;

    public IBlobStore? Blob => null;

    public IFullTextStore? FullText => null;

    public ILookupStore? Lookup => lookup;

    // Redis persistence is the server's configuration (AOF/RDB); nothing is buffered on this side.
    public ValueTask FlushAsync(CancellationToken cancellationToken) => ValueTask.CompletedTask;

    public ValueTask DisposeAsync() => lookup.DisposeAsync();
}
