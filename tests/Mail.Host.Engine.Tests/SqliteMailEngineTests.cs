using Mail.Host.Plugins.Sqlite;
using Mail.Host.Storage;

namespace Mail.Host.Engine.Tests;

/// <summary>The engine suite over the SQLite store, each test on a new database in its own folder.</summary>
public sealed class SqliteMailEngineTests : MailEngineConformance, IDisposable
{
    private readonly MailEngineStoreFolder folder = new("sqlite");

    /// <inheritdoc />
    public void Dispose() => folder.Dispose();

    /// <inheritdoc />
    protected override ValueTask<IDataStore> CreateDataStoreAsync() => folder.OpenAsync(new SqliteStoreProvider(), "data/mail.sqlite");

    /// <inheritdoc />
    protected override ValueTask<IBlobStore> CreateBlobStoreAsync(IDataStore dataStore)
        => folder.Instance.Blob is { } blob ? ValueTask.FromResult(blob) : base.CreateBlobStoreAsync(dataStore);

    /// <inheritdoc />
    protected override ValueTask DisposeStoresAsync() => folder.CloseAsync();
}
