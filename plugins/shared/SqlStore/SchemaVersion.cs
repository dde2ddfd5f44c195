using System.Data.Common;
using System.Globalization;

namespace Mail.Host.Plugins.SqlStore;

/// <summary>The layout version of a SQL store's tables, kept as the one row of a version table.</summary>
internal static class SchemaVersion
{
    /// <summary>The layout version this plugin writes and reads.</summary>
    public const long Current = 1;

    /// <summary>Records <paramref name="version"/> in an empty version table, or returns the version recorded there.</summary>
    /// <param name="connection">The open connection.</param>
    /// <param name="transaction">The transaction holding the schema lock, or <see langword="null"/>.</param>
    /// <param name="table">The version table, quoted.</param>
    /// <param name="version">The version to record in a new database.</param>
    /// <param name="cancellationToken">Cancels the work.</param>
    /// <returns>The version now recorded; -1 when the table is damaged (several rows, or a version below 1).</returns>
    public static async Task<long> ReadOrRecordAsync(DbConnection connection, DbTransaction? transaction, string table, long version, CancellationToken cancellationToken)
    {
        var rows = Convert.ToInt64(await SqlCommands.ScalarAsync(connection, transaction, $"SELECT count(*) FROM {table}", cancellationToken).ConfigureAwait(false), CultureInfo.InvariantCulture);
        if (rows == 0)
        {
            await SqlCommands.ExecuteAsync(connection, transaction, $"INSERT INTO {table} (version) VALUES (@version)", cancellationToken, ("version", version)).ConfigureAwait(false);
            return version;
        }

        var found = Convert.ToInt64(await SqlCommands.ScalarAsync(connection, transaction, $"SELECT max(version) FROM {table}", cancellationToken).ConfigureAwait(false), CultureInfo.InvariantCulture);
        return rows > 1 || found < 1 ? -1 : found;
    }
}
