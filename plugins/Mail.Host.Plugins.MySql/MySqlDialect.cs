using System.Data.Common;
using System.Globalization;
using System.Net.Sockets;
using System.Text;
using Mail.Host.Storage;
using Mail.Host.Plugins.SqlStore;
using MySqlConnector;

namespace Mail.Host.Plugins.MySql;

/// <summary>
/// MySQL and MariaDB (InnoDB): keys in a <c>VARBINARY(1024)</c> column, which compares byte by byte as unsigned,
/// values in <c>LONGBLOB</c>. Batches run READ COMMITTED (no gap locks, so batches writing neighbouring keys do
/// not block each other); an asserted key is locked (its row with <c>SELECT ... FOR UPDATE</c>, or, when absent, by
/// inserting it uncommitted, which makes every other writer of that key wait), so two batches asserting on one key
/// take turns and the second sees what the first committed.
/// </summary>
internal sealed class MySqlDialect : SqlDialect
{
    /// <summary>The longest value accepted, in bytes, when the server's packet limit allows it.</summary>
    public const int ValueSizeLimit = 4 * 1024 * 1024;

    // MariaDB and MySQL report these for a transaction rolled back in favour of another.
    private const int LockDeadlock = 1213;
    private const int LockWaitTimeout = 1205;
    private const int CheckRead = 1020;

    // Counters are 8-byte little-endian integers: REVERSE turns them into big-endian hex and back.
    private const string Decode = "IF(LENGTH(v) = 0, 0, CAST(CAST(CONV(HEX(REVERSE(v)), 16, 10) AS UNSIGNED) AS SIGNED))";

    private readonly string connectionString;
    private readonly string prefix;
    private readonly string database;
    private readonly string description;

    /// <summary>Creates the dialect.</summary>
    /// <param name="connectionString">The connection string; its pool is the driver's.</param>
    /// <param name="prefix">The table prefix.</param>
    public MySqlDialect(string connectionString, string prefix)
    {
        this.connectionString = connectionString;
        this.prefix = prefix;
        var builder = new MySqlConnectionStringBuilder(connectionString);
        database = builder.Database;
        description = $"'{builder.Database}' on {builder.Server}:{builder.Port.ToString(CultureInfo.InvariantCulture)}";
        DataTable = Table("kv");
        BlobTable = Table("blob");
        InsertChunkSql = $"INSERT INTO {BlobTable} (h, n, data) VALUES (@h, @n, @data) ON DUPLICATE KEY UPDATE h = h";
        SetSql = $"INSERT INTO {DataTable} (s, k, v) VALUES (@s, @k, @v) ON DUPLICATE KEY UPDATE v = VALUES(v)";
        IncrementSql = $"INSERT INTO {DataTable} (s, k, v) VALUES (@s, @k, @v) ON DUPLICATE KEY UPDATE v = REVERSE(UNHEX(LPAD(HEX({Decode} + @d), 16, '0')))";
        IncrementReturningSql = [IncrementSql, GetSql];
        FullTextDocumentTable = Table("ft_doc");
        FullTextValueTable = Table("ft_value");
        UpsertFullTextDocumentSql = $"INSERT INTO {FullTextDocumentTable} (a, d) VALUES (@a, @d) ON DUPLICATE KEY UPDATE d = VALUES(d)";
    }

    /// <inheritdoc />
    public override string Name => MySqlStoreProvider.StoreType;

    /// <inheritdoc />
    public override string DataTable { get; }

    /// <inheritdoc />
    public override string BlobTable { get; }

    /// <inheritdoc />
    public override string InsertChunkSql { get; }

    /// <inheritdoc />
    public override void AddSetMany(DbBatch batch, IReadOnlyList<(string Subspace, byte[] Key, byte[] Value)> rows)
    {
        var command = batch.CreateBatchCommand();
        var values = new System.Text.StringBuilder();
        for (var i = 0; i < rows.Count; i++)
        {
            values.Append(i == 0 ? "(" : ", (").Append(CultureInfo.InvariantCulture, $"@s{i}, @k{i}, @v{i})");
            SqlParameters.Add(command, $"s{i}", rows[i].Subspace);
            SqlParameters.Add(command, $"k{i}", rows[i].Key);
            SqlParameters.Add(command, $"v{i}", rows[i].Value);
        }

        command.CommandText = $"INSERT INTO {DataTable} (s, k, v) VALUES {values} ON DUPLICATE KEY UPDATE v = VALUES(v)";
        batch.BatchCommands.Add(command);
    }

    /// <inheritdoc />
    public override void AddDeleteMany(DbBatch batch, string subspace, IReadOnlyList<byte[]> keys)
    {
        var command = batch.CreateBatchCommand();
        SqlParameters.Add(command, "s", subspace);
        for (var i = 0; i < keys.Count; i++)
        {
            SqlParameters.Add(command, $"k{i}", keys[i]);
        }

        command.CommandText = $"DELETE FROM {DataTable} WHERE s = @s AND k IN ({string.Join(", ", Enumerable.Range(0, keys.Count).Select(i => $"@k{i}"))})";
        batch.BatchCommands.Add(command);
    }

    /// <inheritdoc />
    public override string ClaimAbsentSql => $"INSERT IGNORE INTO {DataTable} (s, k, v) VALUES (@s, @k, @v)";

    /// <inheritdoc />
    public override string SetSql { get; }

    /// <inheritdoc />
    public override string IncrementSql { get; }

    /// <inheritdoc />
    public override IReadOnlyList<string> IncrementReturningSql { get; }

    /// <inheritdoc />
    public override string Describe => description;

    /// <inheritdoc />
    public override async Task<long> PrepareSchemaAsync(DbConnection connection, long version, CancellationToken cancellationToken)
    {
        // Host processes starting together on one database take turns. Table creation commits on its own in
        // MySQL, so the lock is the connection's, not a transaction's.
        var lockName = $"mailhost schema {database}.{prefix}";
        if (lockName.Length > 64)
        {
            lockName = lockName[..64];
        }

        var locked = await SqlCommands.ScalarAsync(connection, null, "SELECT GET_LOCK(@name, 60)", cancellationToken, ("name", lockName)).ConfigureAwait(false);
        if (Convert.ToInt64(locked, CultureInfo.InvariantCulture) != 1)
        {
            throw new TimeoutException($"Another process held the schema lock of {description} for a minute.");
        }

        try
        {
            var versionTable = Table("schema");
            await SqlCommands.ExecuteAsync(connection, null, $"CREATE TABLE IF NOT EXISTS {versionTable} (version BIGINT NOT NULL) ENGINE = InnoDB", cancellationToken).ConfigureAwait(false);
            await SqlCommands.ExecuteAsync(connection, null, $"CREATE TABLE IF NOT EXISTS {DataTable} (s VARCHAR(32) CHARACTER SET ascii COLLATE ascii_bin NOT NULL, k VARBINARY(1024) NOT NULL, v LONGBLOB NOT NULL, PRIMARY KEY (s, k)) ENGINE = InnoDB ROW_FORMAT = DYNAMIC", cancellationToken).ConfigureAwait(false);
            await SqlCommands.ExecuteAsync(connection, null, $"CREATE TABLE IF NOT EXISTS {BlobTable} (h BINARY(32) NOT NULL, n INT NOT NULL, data LONGBLOB NOT NULL, PRIMARY KEY (h, n)) ENGINE = InnoDB ROW_FORMAT = DYNAMIC", cancellationToken).ConfigureAwait(false);
            return await SchemaVersion.ReadOrRecordAsync(connection, null, versionTable, version, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            await SqlCommands.ExecuteAsync(connection, null, "DO RELEASE_LOCK(@name)", CancellationToken.None, ("name", lockName)).ConfigureAwait(false);
        }
    }

    /// <inheritdoc />
    public override async Task<int> MaxValueSizeAsync(DbConnection connection, CancellationToken cancellationToken)
    {
        // A value travels escaped inside one packet, so a quarter of the packet limit leaves room for the rest.
        var packet = Convert.ToInt64(await SqlCommands.ScalarAsync(connection, null, "SELECT @@max_allowed_packet", cancellationToken).ConfigureAwait(false), CultureInfo.InvariantCulture);
        return (int)Math.Min(ValueSizeLimit, packet / 4);
    }

    /// <inheritdoc />
    public override bool IsConflict(Exception exception)
        => exception is MySqlException { Number: LockDeadlock or LockWaitTimeout or CheckRead };

    /// <inheritdoc />
    public override bool IsConnectionFailure(Exception exception) => exception switch
    {
        MySqlException mysql => mysql.IsTransient
            || mysql.ErrorCode is MySqlErrorCode.UnableToConnectToHost or MySqlErrorCode.ServerShutdown or MySqlErrorCode.ConnectionCountError
            || mysql.InnerException is IOException or SocketException or EndOfStreamException or TimeoutException,
        MySqlEndOfStreamException or SocketException or IOException or TimeoutException => true,
        _ => false,
    };

    /// <inheritdoc />
    public override void ClearPool()
    {
        using var connection = new MySqlConnection(connectionString);
        MySqlConnection.ClearPool(connection);
    }

    /// <inheritdoc />
    public override async ValueTask<DbConnection> OpenConnectionAsync(CancellationToken cancellationToken)
    {
        var connection = new MySqlConnection(connectionString);
        try
        {
            await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
            return connection;
        }
        catch
        {
            await connection.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <inheritdoc />
    public override ValueTask DisposeAsync()
    {
        ClearPool();
        return ValueTask.CompletedTask;
    }

    /// <inheritdoc />
    public override string FullTextDocumentTable { get; }

    /// <inheritdoc />
    public override string FullTextValueTable { get; }

    /// <inheritdoc />
    public override string UpsertFullTextDocumentSql { get; }

    /// <inheritdoc />
    public override async Task PrepareFullTextSchemaAsync(DbConnection connection, CancellationToken cancellationToken)
    {
        await SqlCommands.ExecuteAsync(connection, null, $"CREATE TABLE IF NOT EXISTS {FullTextDocumentTable} (a BIGINT NOT NULL, d BIGINT NOT NULL, PRIMARY KEY (a, d)) ENGINE = InnoDB", cancellationToken).ConfigureAwait(false);
        await SqlCommands.ExecuteAsync(connection, null, $"CREATE TABLE IF NOT EXISTS {FullTextValueTable} (a BIGINT NOT NULL, d BIGINT NOT NULL, n INT NOT NULL, f VARCHAR(255) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL, t MEDIUMTEXT CHARACTER SET ascii COLLATE ascii_bin NOT NULL, PRIMARY KEY (a, d, n), FULLTEXT KEY ft_value_t (t)) ENGINE = InnoDB ROW_FORMAT = DYNAMIC", cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    /// <remarks>
    /// Each folded word is written as <c>x</c> and the hex of its first <see cref="FullTextWordBytes"/> UTF-8 bytes,
    /// between single spaces and with a space at each end. InnoDB's full-text parser then sees every word as one
    /// token whatever its script, never shorter than the default <c>innodb_ft_min_token_size</c> of 3, never longer
    /// than <c>innodb_ft_max_token_size</c>'s ceiling of 84, and never one of its stop words; and a phrase is a plain
    /// substring of the column, which is how phrases and prefix runs are confirmed.
    /// </remarks>
    public override string EncodeFullTextTerms(IReadOnlyList<string> words)
    {
        var text = new StringBuilder(" ");
        foreach (var word in words)
        {
            text.Append(Token(word)).Append(' ');
        }

        return text.ToString();
    }

    /// <inheritdoc />
    public override string FullTextTermsParameter(string name) => "@" + name;

    /// <inheritdoc />
    public override string FullTextValueMatch(string column, IReadOnlyList<string> words, TextMatchKind kind, Func<object, string> parameter)
    {
        // The index finds the rows holding every word (the last as a prefix for a prefix match); a run of several
        // words is then confirmed as a substring of the row.
        var tokens = words.Select(Token).ToList();
        var against = string.Join(' ', tokens.Select((token, i) => "+" + token + (kind == TextMatchKind.Prefix && i == tokens.Count - 1 ? "*" : string.Empty)));
        var condition = $"MATCH({column}) AGAINST({parameter(against)} IN BOOLEAN MODE)";
        if (kind != TextMatchKind.Words && tokens.Count > 1)
        {
            var run = " " + string.Join(' ', tokens) + (kind == TextMatchKind.Prefix ? "%" : " %");
            condition += $" AND {column} LIKE {parameter("%" + run)}";
        }

        return condition;
    }

    /// <summary>How many UTF-8 bytes of a word its full-text token keeps: 41 bytes make 83 characters with the <c>x</c>.</summary>
    internal const int FullTextWordBytes = 41;

    private static string Token(string word)
    {
        var bytes = Encoding.UTF8.GetBytes(word);
        return "x" + Convert.ToHexStringLower(bytes, 0, Math.Min(bytes.Length, FullTextWordBytes));
    }

    private string Table(string name) => $"`{prefix}{name}`";
}
