using Mail.Host.Storage;
using Mail.Host.Tests.Services;

namespace Mail.Host.Engine.Tests;

/// <summary>
/// The engine suite over the MySQL store on MariaDB with every role its own: data, blobs, and full-text in the server's native
/// full-text search (<c>FullText: native</c>).
/// </summary>
[RequiresEnvironment(MySqlTestDatabase.Variable, "MariaDB server")]
public sealed class MySqlNativeFullTextMailEngineTests : MailEngineConformance
{
    private readonly MySqlTestDatabase database = new();
    private IStoreInstance? instance;

    /// <inheritdoc />
    protected override async ValueTask<IDataStore> CreateDataStoreAsync()
    {
        instance = await database.OpenAsync(("FullText", "native"));
        return instance.Data!;
    }

    /// <inheritdoc />
    protected override ValueTask<IBlobStore> CreateBlobStoreAsync(IDataStore dataStore) => ValueTask.FromResult(instance!.Blob!);

    /// <inheritdoc />
    protected override IFullTextStore CreateFullTextStore(IDataStore dataStore)
        => instance?.FullText ?? throw new InvalidOperationException("The store opened without its native full-text role.");

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
