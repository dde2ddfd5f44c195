using System.Globalization;
using Mail.Host.Storage;

namespace Mail.Host.Plugins.Sqlite;

/// <summary>
/// The layout of the database: a one-row <c>mailhost_schema</c> table holding the layout's version, and one table
/// <c>s_&lt;subspace&gt;</c> per subspace, made on first write.
/// </summary>
internal static class SqliteSchema
{
    /// <summary>The layout version this plugin writes and reads.</summary>
    public const long Version = 1;

    /// <summary>The table that records the layout version.</summary>
    public const string VersionTable = "mailhost_schema";

    /// <summary>
    /// Creates the version table in a new database, or checks the version of an existing one, and records the
    /// subspace tables already there.
    /// </summary>
    /// <param name="db">The write connection, with no transaction open.</param>
    /// <param name="tables">Filled with the subspaces whose tables exist.</param>
    /// <param name="path">The database file, for messages.</param>
    /// <exception cref="InvalidOperationException">The database was written by a newer plugin, or is damaged.</exception>
    public static void Prepare(PreparedConnection db, SqliteTables tables, string path)
    {
        db.Execute("BEGIN IMMEDIATE");
        try
        {
            db.Execute($"CREATE TABLE IF NOT EXISTS {VersionTable} (version INTEGER NOT NULL)");
            var rows = Convert.ToInt64(db.Scalar($"SELECT count(*) FROM {VersionTable}"), CultureInfo.InvariantCulture);
            if (rows == 0)
            {
                db.Execute($"INSERT INTO {VersionTable} (version) VALUES ({Version})");
            }
            else
            {
                var found = db.Scalar($"SELECT max(version) FROM {VersionTable}");
                var version = found is long number ? number : -1;
                if (rows > 1 || version < 1)
                {
                    throw new InvalidOperationException($"The SQLite database '{path}' has a damaged {VersionTable} table (expected one row holding a version of 1 or more); restore the file from a backup or point the store at another file.");
                }

                if (version > Version)
                {
                    throw new InvalidOperationException($"The SQLite database '{path}' has schema version {version}, written by a newer sqlite plugin; this one knows version {Version} at most. Install that newer plugin, or point the store at another file.");
                }
            }

            db.Execute("COMMIT");
        }
        catch
        {
            db.Execute("ROLLBACK");
            throw;
        }

        using var command = db.Connection.CreateCommand();
        command.CommandText = "SELECT name FROM sqlite_schema WHERE type = 'table' AND name LIKE 's\\_%' ESCAPE '\\'";
        using var reader = command.ExecuteReader();
        while (reader.Read())
        {
            var subspace = reader.GetString(0)[2..];
            if (SubspaceName.IsValid(subspace))
            {
                tables.Add(subspace);
            }
        }
    }
}
