using Mail.Host.Storage;

namespace Mail.Host.Plugins.SqlStore;

/// <summary>
/// An open SQL store: the data and blob roles, the full-text role when the server's own full-text search serves it,
/// and parameterized SQL, on one pooled database.
/// </summary>
/// <param name="data">The data role.</param>
/// <param name="blob">The blob role.</param>
/// <param name="fullText">The native full-text role, or <see langword="null"/> for the engine's index over the data role.</param>
/// <param name="sql">Parameterized SQL.</param>
/// <param name="close">Closes the connection pool.</param>
internal sealed class SqlStoreInstance(SqlDataStore data, SqlBlobStore blob, SqlFullTextStore? fullText, SqlQueryStore sql, Func<ValueTask> close) : IStoreInstance
{
    private int disposed;

    /// <inheritdoc />
    public IDataStore? Data => data;

    /// <inheritdoc />
    public IBlobStore? Blob => blob;

    /// <inheritdoc />
    public IFullTextStore? FullText => fullText;

    /// <inheritdoc />
    public ILookupStore? Lookup => null;

    /// <inheritdoc />
    public ISqlQueryStore? Sql => sql;

    /// <inheritdoc />
    /// <remarks>Every commit is durable when it returns; there is nothing to flush.</remarks>
    public ValueTask FlushAsync(CancellationToken cancellationToken) => ValueTask.CompletedTask;

    /// <inheritdoc />
    public ValueTask DisposeAsync() => Interlocked.Exchange(ref disposed, 1) == 0 ? close() : ValueTask.CompletedTask;
}
