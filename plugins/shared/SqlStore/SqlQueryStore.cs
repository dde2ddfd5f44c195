using System.Data.Common;
using Mail.Host.Storage;

namespace Mail.Host.Plugins.SqlStore;

/// <summary>Parameterized SQL on the store's database, on the same pool and with the same failure handling as the data role.</summary>
/// <param name="executor">Runs the statements.</param>
internal sealed class SqlQueryStore(SqlExecutor executor) : ISqlQueryStore
{
    /// <inheritdoc />
    public string Dialect => executor.Dialect.Name;

    /// <inheritdoc />
    public async ValueTask<IReadOnlyList<IReadOnlyDictionary<string, object?>>> QueryAsync(string sql, IReadOnlyDictionary<string, object?> parameters, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(sql);
        ArgumentNullException.ThrowIfNull(parameters);
        return await executor.RunAsync<IReadOnlyList<IReadOnlyDictionary<string, object?>>>(async (connection, progress, ct) =>
        {
            await using var command = Prepare(connection, sql, parameters);

            // A statement may write, so a lost connection from here on is not retried.
            progress.Committing = true;
            var rows = new List<IReadOnlyDictionary<string, object?>>();
            await using var reader = await command.ExecuteReaderAsync(ct).ConfigureAwait(false);
            while (await reader.ReadAsync(ct).ConfigureAwait(false))
            {
                var row = new Dictionary<string, object?>(reader.FieldCount, StringComparer.OrdinalIgnoreCase);
                for (var i = 0; i < reader.FieldCount; i++)
                {
                    row[reader.GetName(i)] = await reader.IsDBNullAsync(i, ct).ConfigureAwait(false) ? null : reader.GetValue(i);
                }

                rows.Add(row);
            }

            return rows;
        }, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async ValueTask<int> ExecuteAsync(string sql, IReadOnlyDictionary<string, object?> parameters, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(sql);
        ArgumentNullException.ThrowIfNull(parameters);
        return await executor.RunAsync(async (connection, progress, ct) =>
        {
            await using var command = Prepare(connection, sql, parameters);
            progress.Committing = true;
            return await command.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
        }, cancellationToken).ConfigureAwait(false);
    }

    private static DbCommand Prepare(DbConnection connection, string sql, IReadOnlyDictionary<string, object?> parameters)
    {
        var command = connection.CreateCommand();
        command.CommandText = sql;
        foreach (var (name, value) in parameters)
        {
            SqlParameters.Add(command, name.StartsWith('@') ? name[1..] : name, value);
        }

        return command;
    }
}
