using Mail.Host.Engine.Storage;
using Mail.Host.Storage;
using Mail.Host.Tests.Services;

namespace Mail.Host.Engine.Tests;

/// <summary>
/// A SQL store with the full-text and lookup roles served by the engine's adapters over its data role, as the host
/// serves them; disposing it closes the store and removes the test's place in the database.
/// </summary>
internal sealed class SqlAdaptedStoreInstance : IStoreInstance
{
    private readonly IStoreInstance inner;
    private readonly SqlTestDatabase database;
    private readonly DataStoreLookupStore lookup;

    private SqlAdaptedStoreInstance(IStoreInstance inner, SqlTestDatabase database)
    {
        this.inner = inner;
        this.database = database;
        FullText = new DataStoreFullTextStore(inner.Data!);
        lookup = new DataStoreLookupStore(inner.Data!, TimeProvider.System, new DataStoreLookupOptions { PollInterval = TimeSpan.FromMilliseconds(20) });
    }

    public IDataStore? Data => inner.Data;

    public IBlobStore? Blob => inner.Blob;

    public IFullTextStore? FullText { get; }

    public ILookupStore? Lookup => lookup;

    public static async ValueTask<IStoreInstance> OpenAsync(SqlTestDatabase database)
        => new SqlAdaptedStoreInstance(await database.OpenAsync(), database);

    public ValueTask FlushAsync(CancellationToken cancellationToken) => inner.FlushAsync(cancellationToken);

    public async ValueTask DisposeAsync()
    {
        await lookup.DisposeAsync();
        await inner.DisposeAsync();
        await database.DisposeAsync();
    }
}
