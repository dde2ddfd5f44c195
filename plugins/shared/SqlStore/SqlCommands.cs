using System.Data.Common;

namespace Mail.Host.Plugins.SqlStore;

/// <summary>One-statement helpers for schema work.</summary>
internal static class SqlCommands
{
    /// <summary>Runs a statement that returns no rows.</summary>
    /// <param name="connection">The open connection.</param>
    /// <param name="transaction">The transaction, or <see langword="null"/>.</param>
    /// <param name="sql">The statement.</param>
    /// <param name="cancellationToken">Cancels the statement.</param>
    /// <param name="parameters">Its parameters, by name without <c>@</c>.</param>
    /// <returns>A task that completes when it has run.</returns>
    public static async Task ExecuteAsync(DbConnection connection, DbTransaction? transaction, string sql, CancellationToken cancellationToken, params (string Name, object Value)[] parameters)
    {
        await using var command = Create(connection, transaction, sql, parameters);
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Runs a statement and returns the first column of its first row.</summary>
    /// <param name="connection">The open connection.</param>
    /// <param name="transaction">The transaction, or <see langword="null"/>.</param>
    /// <param name="sql">The statement.</param>
    /// <param name="cancellationToken">Cancels the statement.</param>
    /// <param name="parameters">Its parameters, by name without <c>@</c>.</param>
    /// <returns>The value; <see langword="null"/> for no row or SQL NULL.</returns>
    public static async Task<object?> ScalarAsync(DbConnection connection, DbTransaction? transaction, string sql, CancellationToken cancellationToken, params (string Name, object Value)[] parameters)
    {
        await using var command = Create(connection, transaction, sql, parameters);
        var value = await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false);
        return value is DBNull ? null : value;
    }

    private static DbCommand Create(DbConnection connection, DbTransaction? transaction, string sql, (string Name, object Value)[] parameters)
    {
        var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        foreach (var (name, value) in parameters)
        {
            SqlParameters.Add(command, name, value);
        }

        return command;
    }
}
