using System.Data.Common;

namespace Mail.Host.Plugins.SqlStore;

/// <summary>
/// What differs between the SQL servers the stores run on: the statements, the isolation that makes assertions
/// hold, and how the driver reports conflicts and lost connections. Everything else is shared.
/// </summary>
internal abstract class SqlDialect : IAsyncDisposable
{
    /// <summary>The store type and <see cref="Storage.ISqlQueryStore.Dialect"/>: <c>postgresql</c> or <c>mysql</c>.</summary>
    public abstract string Name { get; }

    /// <summary>The table holding every subspace's keys and values.</summary>
    public abstract string DataTable { get; }

    /// <summary>The table holding blobs in chunks: hash <c>h</c>, chunk number <c>n</c>, bytes <c>data</c>.</summary>
    public abstract string BlobTable { get; }

    /// <summary>Writes one chunk of a blob unless it is already there: parameters <c>@h</c>, <c>@n</c>, <c>@data</c>.</summary>
    public abstract string InsertChunkSql { get; }


    /// <summary>Reads one value: parameters <c>@s</c> and <c>@k</c>.</summary>
    public string GetSql => $"SELECT v FROM {DataTable} WHERE s = @s AND k = @k";

    /// <summary>
    /// Reads a value asserted present inside a batch's transaction and locks its row, so no other batch can change
    /// or remove it until the commit: parameters <c>@s</c>, <c>@k</c>.
    /// </summary>
    public string AssertPresentSql => GetSql + " FOR UPDATE";

    /// <summary>
    /// Claims a key asserted absent inside a batch's transaction by inserting an empty row, which affects one row
    /// when the key was absent; until the commit, any other batch writing or claiming the key waits, and then finds
    /// it present: parameters <c>@s</c>, <c>@k</c>, <c>@v</c> (empty).
    /// </summary>
    public abstract string ClaimAbsentSql { get; }

    /// <summary>Writes a value: parameters <c>@s</c>, <c>@k</c>, <c>@v</c>.</summary>
    public abstract string SetSql { get; }

    /// <summary>Adds to a batch one statement that writes several values (each key at most once).</summary>
    /// <param name="batch">The batch.</param>
    /// <param name="rows">The subspaces, keys and values.</param>
    public abstract void AddSetMany(DbBatch batch, IReadOnlyList<(string Subspace, byte[] Key, byte[] Value)> rows);

    /// <summary>Adds to a batch one statement that removes several keys of one subspace.</summary>
    /// <param name="batch">The batch.</param>
    /// <param name="subspace">The subspace.</param>
    /// <param name="keys">The keys.</param>
    public abstract void AddDeleteMany(DbBatch batch, string subspace, IReadOnlyList<byte[]> keys);

    /// <summary>Removes a key: parameters <c>@s</c>, <c>@k</c>.</summary>
    public string DeleteSql => $"DELETE FROM {DataTable} WHERE s = @s AND k = @k";

    /// <summary>
    /// Adds <c>@d</c> to the counter under <c>@s</c>, <c>@k</c>, inserting <c>@v</c> (the encoded delta) when absent.
    /// </summary>
    public abstract string IncrementSql { get; }

    /// <summary>
    /// Adds to a counter and returns the new encoded value as the only row of the last result: one or more
    /// statements run together in a transaction.
    /// </summary>
    public abstract IReadOnlyList<string> IncrementReturningSql { get; }

    /// <summary>Creates the tables in a new database and returns the recorded schema version, or 0 when there is none yet.</summary>
    /// <param name="connection">An open connection.</param>
    /// <param name="version">The version to record in a new database.</param>
    /// <param name="cancellationToken">Cancels the preparation.</param>
    /// <returns>The version found (or just recorded).</returns>
    public abstract Task<long> PrepareSchemaAsync(DbConnection connection, long version, CancellationToken cancellationToken);

    /// <summary>The largest value the server accepts in one statement, once connected.</summary>
    /// <param name="connection">An open connection.</param>
    /// <param name="cancellationToken">Cancels the query.</param>
    /// <returns>The limit the store reports as <see cref="Storage.IDataStore.MaxValueSize"/>.</returns>
    public abstract Task<int> MaxValueSizeAsync(DbConnection connection, CancellationToken cancellationToken);

    /// <summary>Whether the server rolled the transaction back for a conflict with another one (deadlock, serialization failure): retrying is safe.</summary>
    /// <param name="exception">The failure.</param>
    /// <returns><see langword="true"/> when it did.</returns>
    public abstract bool IsConflict(Exception exception);

    /// <summary>Whether the server could not be reached or the connection was lost: the store is unavailable for now.</summary>
    /// <param name="exception">The failure.</param>
    /// <returns><see langword="true"/> when it was.</returns>
    public abstract bool IsConnectionFailure(Exception exception);

    /// <summary>Drops every idle pooled connection, after one turned out dead (the server restarted or dropped it).</summary>
    public abstract void ClearPool();

    /// <summary>Opens a connection from the pool.</summary>
    /// <param name="cancellationToken">Cancels opening.</param>
    /// <returns>The open connection.</returns>
    public abstract ValueTask<DbConnection> OpenConnectionAsync(CancellationToken cancellationToken);

    /// <summary>A short description of the server for messages, without secrets: host, port and database.</summary>
    public abstract string Describe { get; }

    /// <summary>The native full-text role's documents: account <c>a</c>, document <c>d</c>.</summary>
    public abstract string FullTextDocumentTable { get; }

    /// <summary>
    /// The native full-text role's field values: account <c>a</c>, document <c>d</c>, row number <c>n</c>, field name
    /// <c>f</c>, and the value's folded words <c>t</c> in the server's full-text form.
    /// </summary>
    public abstract string FullTextValueTable { get; }

    /// <summary>Adds a document row, or locks it when present: parameters <c>@a</c>, <c>@d</c>.</summary>
    public abstract string UpsertFullTextDocumentSql { get; }

    /// <summary>Creates the native full-text tables and indexes when missing.</summary>
    /// <param name="connection">An open connection.</param>
    /// <param name="cancellationToken">Cancels the preparation.</param>
    /// <returns>A task that completes when they exist.</returns>
    public abstract Task PrepareFullTextSchemaAsync(DbConnection connection, CancellationToken cancellationToken);

    /// <summary>A value's folded words, in order, as the text bound to the <c>t</c> column.</summary>
    /// <param name="words">The words (at most <see cref="SqlFullTextStore.ChunkWords"/>).</param>
    /// <returns>The encoded text.</returns>
    public abstract string EncodeFullTextTerms(IReadOnlyList<string> words);

    /// <summary>The SQL expression that turns the bound encoded text into the <c>t</c> column's type.</summary>
    /// <param name="name">The parameter's name, without <c>@</c>.</param>
    /// <returns>The expression.</returns>
    public abstract string FullTextTermsParameter(string name);

    /// <summary>
    /// A condition on one value row's words: every word (<see cref="Storage.TextMatchKind.Words"/>), the words in a row
    /// (<see cref="Storage.TextMatchKind.Phrase"/>), or in a row with the last as a prefix (<see cref="Storage.TextMatchKind.Prefix"/>).
    /// </summary>
    /// <param name="column">The words column, qualified.</param>
    /// <param name="words">The folded query words; at least one.</param>
    /// <param name="kind">How they match.</param>
    /// <param name="parameter">Binds a value and returns its placeholder.</param>
    /// <returns>The condition.</returns>
    public abstract string FullTextValueMatch(string column, IReadOnlyList<string> words, Storage.TextMatchKind kind, Func<object, string> parameter);

    /// <summary>Closes the connection pool.</summary>
    /// <returns>A task that completes when every connection is closed.</returns>
    public abstract ValueTask DisposeAsync();
}
