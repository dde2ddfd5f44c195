using Mail.Host.Storage;
using Mail.Host.Tests.Services;

namespace Mail.Host.Engine.Tests;

/// <summary>
/// The engine suite over a SQL store with every role its own: data, blobs, and full-text in the server's native
/// full-text search (<c>FullText: native</c>).
/// </summary>
public abstract class SqlNativeFullTextMailEngineTests : MailEngineConformance
{
    private readonly SqlTestDatabase database;
    private IStoreInstance? instance;

    /// <summary>Runs the suite in a place of its own on a test server.</summary>
    /// <param name="database">The place.</param>
    private protected SqlNativeFullTextMailEngineTests(SqlTestDatabase database) => this.database = database;

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
