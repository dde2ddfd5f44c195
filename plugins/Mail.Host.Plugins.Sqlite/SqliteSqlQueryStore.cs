using Mail.Host.Storage;
using Microsoft.Data.Sqlite;

namespace Mail.Host.Plugins.Sqlite;

/// <summary>
/// Parameterized SQL on a <c>sqlite</c> store's database file, for plugins that keep or read their own tables there
/// (a SQL directory's user table, for example). Each statement runs on a connection of its own beside the store's
/// writer and readers; write-ahead logging lets it read while the store writes, and a statement that writes waits
/// for the write lock as the store's own writer does.
/// </summary>
/// <param name="options">The database.</param>
internal sealed class SqliteSqlQueryStore(SqliteStoreOptions options) : ISqlQueryStore
{
    /// <inheritdoc />
    public string Dialect => "sqlite";

    /// <inheritdoc />
    public ValueTask<IReadOnlyList<IReadOnlyDictionary<string, object?>>> QueryAsync(string sql, IReadOnlyDictionary<string, object?> parameters, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(sql);
        ArgumentNullException.ThrowIfNull(parameters);
        cancellationToken.ThrowIfCancellationRequested();
        return ValueTask.FromResult(Run<IReadOnlyList<IReadOnlyDictionary<string, object?>>>(sql, parameters, command =>
        {
            var rows = new List<IReadOnlyDictionary<string, object?>>();
            using var reader = command.ExecuteReader();
            while (reader.Read())
            {
                cancellationToken.ThrowIfCancellationRequested();
                var row = new Dictionary<string, object?>(reader.FieldCount, StringComparer.OrdinalIgnoreCase);
                for (var i = 0; i < reader.FieldCount; i++)
                {
                    row[reader.GetName(i)] = reader.IsDBNull(i) ? null : reader.GetValue(i);
                }

                rows.Add(row);
            }

            return rows;
        }));
    }

    /// <inheritdoc />
    public ValueTask<int> ExecuteAsync(string sql, IReadOnlyDictionary<string, object?> parameters, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(sql);
        ArgumentNullException.ThrowIfNull(parameters);
        cancellationToken.ThrowIfCancellationRequested();
        return ValueTask.FromResult(Run(sql, parameters, command => command.ExecuteNonQuery()));
    }

    private T Run<T>(string sql, IReadOnlyDictionary<string, object?> parameters, Func<SqliteCommand, T> run)
    {
        try
        {
            using var connection = new SqliteConnection(new SqliteConnectionStringBuilder
            {
                DataSource = options.DatabasePath,
                Mode = SqliteOpenMode.ReadWrite,
                Cache = SqliteCacheMode.Private,
                Pooling = false,
                DefaultTimeout = SqliteStoreOptions.BusyTimeoutSeconds,
            }.ToString());
            connection.Open();
            using (var pragma = connection.CreateCommand())
            {
                pragma.CommandText = $"PRAGMA busy_timeout={SqliteStoreOptions.BusyTimeoutSeconds * 1000}";
                pragma.ExecuteNonQuery();
            }

            using var command = connection.CreateCommand();
            command.CommandText = sql;
            foreach (var (name, value) in parameters)
            {
                command.Parameters.AddWithValue(name.StartsWith('@') ? name : "@" + name, value ?? DBNull.Value);
            }

            return run(command);
        }
        catch (SqliteException ex)
        {
            throw SqliteErrors.Translate(ex, options.DatabasePath);
        }
    }
}
