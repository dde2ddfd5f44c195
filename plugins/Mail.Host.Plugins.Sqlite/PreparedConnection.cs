using System.Runtime.InteropServices;
using Mail.Host.Storage;
using Microsoft.Data.Sqlite;

namespace Mail.Host.Plugins.Sqlite;

/// <summary>
/// One open connection with its prepared statements. A connection is used by one thread at a time: the writer
/// owns one, and readers rent the others from <see cref="SqliteReaderPool"/>.
/// </summary>
internal sealed class PreparedConnection : IDisposable
{
    private readonly Dictionary<string, SqliteCommand> commands = new(StringComparer.Ordinal);

    private PreparedConnection(SqliteConnection connection) => Connection = connection;

    /// <summary>The connection.</summary>
    public SqliteConnection Connection { get; }

    /// <summary>Opens a connection and sets it up for this store.</summary>
    /// <param name="options">The database and its tuning.</param>
    /// <param name="forWriting">Whether this is the one connection that writes.</param>
    /// <returns>The open connection.</returns>
    public static PreparedConnection Open(SqliteStoreOptions options, bool forWriting)
    {
        var connection = new SqliteConnection(new SqliteConnectionStringBuilder
        {
            DataSource = options.DatabasePath,
            Mode = forWriting ? SqliteOpenMode.ReadWriteCreate : SqliteOpenMode.ReadWrite,
            Cache = SqliteCacheMode.Private,

            // Connections are kept by this store itself; with the driver's pool off, closing really closes the
            // file, so a disposed store can be reopened or deleted at once.
            Pooling = false,

            // The driver retries a busy database on its own until this runs out, on top of busy_timeout.
            DefaultTimeout = SqliteStoreOptions.BusyTimeoutSeconds,
        }.ToString());
        var db = new PreparedConnection(connection);
        try
        {
            connection.Open();
            if (forWriting)
            {
                // WAL lets the readers run beside the writer; the mode is stored in the file, so readers inherit it.
                var mode = db.Scalar("PRAGMA journal_mode=WAL") as string;
                if (!string.Equals(mode, "wal", StringComparison.OrdinalIgnoreCase))
                {
                    throw new InvalidOperationException($"The SQLite database '{options.DatabasePath}' cannot use write-ahead logging (journal mode stays '{mode}'); put it on a local file system.");
                }

                // FULL syncs the log on every commit, so an acknowledged batch survives a power cut.
                db.Execute("PRAGMA synchronous=FULL");
            }
            else
            {
                db.Execute("PRAGMA query_only=1");
            }

            db.Execute($"PRAGMA busy_timeout={SqliteStoreOptions.BusyTimeoutSeconds * 1000}");
            if (options.CacheMegabytes is { } megabytes)
            {
                // A negative size is in KiB rather than pages.
                db.Execute($"PRAGMA cache_size={-megabytes * 1024L}");
            }

            return db;
        }
        catch
        {
            db.Dispose();
            throw;
        }
    }

    /// <summary>The quoted table name of a subspace.</summary>
    /// <param name="subspace">A subspace name.</param>
    /// <returns>The table name, quoted for SQL.</returns>
    public static string Table(string subspace)
    {
        // The rule allows only a-z, 0-9 and '_', so the name cannot break out of the quotes; checked again here
        // because the name goes into SQL text.
        SubspaceName.Validate(subspace);
        return $"\"s_{subspace}\"";
    }

    /// <summary>A prepared command for some SQL text, made once per connection and reused.</summary>
    /// <param name="sql">The statement.</param>
    /// <returns>The command, its parameters to be set by the caller.</returns>
    public SqliteCommand Command(string sql)
    {
        if (!commands.TryGetValue(sql, out var command))
        {
            command = Connection.CreateCommand();
            command.CommandText = sql;
            commands.Add(sql, command);
        }

        return command;
    }

    /// <summary>Runs a statement that returns no rows.</summary>
    /// <param name="sql">The statement.</param>
    public void Execute(string sql) => Command(sql).ExecuteNonQuery();

    /// <summary>Runs a statement and returns the first column of its first row.</summary>
    /// <param name="sql">The statement.</param>
    /// <returns>The value, or <see langword="null"/>.</returns>
    public object? Scalar(string sql)
    {
        var value = Command(sql).ExecuteScalar();
        return value is DBNull ? null : value;
    }

    /// <summary>Tells whether a subspace's table exists.</summary>
    /// <param name="subspace">The subspace name.</param>
    /// <returns><see langword="true"/> when it does.</returns>
    public bool TableExists(string subspace)
    {
        var command = Command("SELECT 1 FROM sqlite_schema WHERE type = 'table' AND name = $name");
        Bind(command, "$name", "s_" + subspace);
        return command.ExecuteScalar() is not null;
    }

    /// <summary>Reads one value.</summary>
    /// <param name="subspace">The subspace, whose table must exist.</param>
    /// <param name="key">The key.</param>
    /// <returns>The value, or <see langword="null"/> when the key is absent.</returns>
    public byte[]? Get(string subspace, ReadOnlyMemory<byte> key)
    {
        var command = Command($"SELECT v FROM {Table(subspace)} WHERE k = $k");
        BindBlob(command, "$k", key);
        using var reader = command.ExecuteReader();
        return reader.Read() ? ReadBlob(reader, 0) : null;
    }

    /// <summary>Sets a parameter, adding it the first time.</summary>
    /// <param name="command">The command.</param>
    /// <param name="name">The parameter's name.</param>
    /// <param name="value">The value.</param>
    public static void Bind(SqliteCommand command, string name, object value)
    {
        if (command.Parameters.Contains(name))
        {
            command.Parameters[name].Value = value;
        }
        else
        {
            command.Parameters.AddWithValue(name, value);
        }
    }

    /// <summary>Sets a BLOB parameter, adding it the first time.</summary>
    /// <param name="command">The command.</param>
    /// <param name="name">The parameter's name.</param>
    /// <param name="value">The bytes; an empty value stays an empty BLOB, never NULL.</param>
    public static void BindBlob(SqliteCommand command, string name, ReadOnlyMemory<byte> value)
    {
        SqliteParameter parameter;
        if (command.Parameters.Contains(name))
        {
            parameter = command.Parameters[name];
        }
        else
        {
            parameter = command.Parameters.Add(name, SqliteType.Blob);
        }

        // The batch already holds its own copies, so a whole array is bound as it is rather than copied again.
        parameter.Value = MemoryMarshal.TryGetArray(value, out var segment) && segment.Offset == 0 && segment.Count == segment.Array!.Length
            ? segment.Array
            : value.ToArray();
    }

    /// <summary>Reads a BLOB column as a new array; an empty BLOB reads as an empty array.</summary>
    /// <param name="reader">The reader, on a row.</param>
    /// <param name="ordinal">The column.</param>
    /// <returns>The bytes.</returns>
    public static byte[] ReadBlob(SqliteDataReader reader, int ordinal)
        => reader.IsDBNull(ordinal) ? [] : reader.GetFieldValue<byte[]>(ordinal);

    /// <inheritdoc />
    public void Dispose()
    {
        foreach (var command in commands.Values)
        {
            command.Dispose();
        }

        commands.Clear();
        Connection.Dispose();
    }
}
