using Mail.Host.Storage;

namespace Mail.Host.Plugins.Sqlite;

/// <summary>An open <c>sqlite</c> store: it serves the data role, and parameterized SQL on its database file.</summary>
/// <param name="data">The data store.</param>
/// <param name="sql">Parameterized SQL on the same file.</param>
internal sealed class SqliteStoreInstance(SqliteDataStore data, SqliteSqlQueryStore sql) : IStoreInstance
{
    /// <inheritdoc />
    public IDataStore? Data => data;

    /// <inheritdoc />
    public IBlobStore? Blob => null;

    /// <inheritdoc />
    public IFullTextStore? FullText => null;

    /// <inheritdoc />
    public ILookupStore? Lookup => null;

    /// <inheritdoc />
    public ISqlQueryStore? Sql => sql;

    /// <inheritdoc />
    /// <remarks>Every commit is already durable; this folds the write-ahead log into the database file.</remarks>
    public ValueTask FlushAsync(CancellationToken cancellationToken) => data.FlushAsync(cancellationToken);

    /// <inheritdoc />
    public ValueTask DisposeAsync() => data.DisposeAsync();
}
