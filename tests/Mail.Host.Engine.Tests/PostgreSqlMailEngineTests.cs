using Mail.Host.Storage;
using Mail.Host.Tests.Services;

namespace Mail.Host.Engine.Tests;

/// <summary>The engine suite over the PostgreSQL store, each test in a new schema, blobs through the engine's adapter.</summary>
[RequiresEnvironment(PostgreSqlTestDatabase.Variable, "PostgreSQL server")]
public sealed class PostgreSqlMailEngineTests : MailEngineConformance
{
    private readonly PostgreSqlTestDatabase database = new();
    private IStoreInstance? instance;

    /// <inheritdoc />
    protected override async ValueTask<IDataStore> CreateDataStoreAsync()
    {
        instance = await database.OpenAsync();
        return instance.Data!;
    }

    /// <inheritdoc />
    protected override ValueTask<IBlobStore> CreateBlobStoreAsync(IDataStore dataStore)
        => instance?.Blob is { } blob ? ValueTask.FromResult(blob) : base.CreateBlobStoreAsync(dataStore);

    /// <inheritdoc />
    protected override async ValueTask DisposeStoresAsync()
    {
        if (instance is not null)
        {
            await instance.DisposeAsync();
            instance = null;
        }

        await database.DisposeAsync();
    }
}
