using System.Data.Common;
using System.Globalization;
using System.Net.Sockets;
using System.Text;
using Mail.Host.Storage;
using Mail.Host.Plugins.SqlStore;
using Npgsql;

namespace Mail.Host.Plugins.PostgreSql;

/// <summary>
/// PostgreSQL: keys and values in <c>bytea</c> columns, which compare byte by byte as unsigned. Batches run READ
/// COMMITTED; an asserted key is locked (its row with <c>FOR UPDATE</c>, or, when absent, by inserting it
/// uncommitted, which makes every other writer of that key wait), so two batches asserting on one key take turns
/// and the second sees what the first committed.
/// </summary>
internal sealed class PostgreSqlDialect : SqlDialect
{
    /// <summary>The longest value accepted, in bytes.</summary>
    public const int ValueSizeLimit = 8 * 1024 * 1024;

    // Counters are 8-byte little-endian integers: decoded with get_byte, encoded with set_byte.
    private const string Decode = "(CASE WHEN length(cur.v) = 0 THEN 0::int8 ELSE (get_byte(cur.v, 0)::int8 | (get_byte(cur.v, 1)::int8 << 8) | (get_byte(cur.v, 2)::int8 << 16) | (get_byte(cur.v, 3)::int8 << 24) | (get_byte(cur.v, 4)::int8 << 32) | (get_byte(cur.v, 5)::int8 << 40) | (get_byte(cur.v, 6)::int8 << 48) | (get_byte(cur.v, 7)::int8 << 56)) END)";

    private readonly NpgsqlDataSource dataSource;
    private readonly string schema;
    private readonly string prefix;
    private readonly string description;

    /// <summary>Creates the dialect and its connection pool.</summary>
    /// <param name="connectionString">The connection string.</param>
    /// <param name="schema">The schema of the tables.</param>
    /// <param name="prefix">The table prefix.</param>
    public PostgreSqlDialect(string connectionString, string schema, string prefix)
    {
        dataSource = NpgsqlDataSource.Create(connectionString);
        this.schema = schema;
        this.prefix = prefix;
        var builder = new NpgsqlConnectionStringBuilder(connectionString);
        description = $"'{builder.Database}' on {builder.Host}:{builder.Port.ToString(CultureInfo.InvariantCulture)} (schema {schema})";
        DataTable = Table("kv");
        var encode = "set_byte(set_byte(set_byte(set_byte(set_byte(set_byte(set_byte(set_byte('\\x0000000000000000'::bytea, 0, (n & 255)::int4), 1, ((n >> 8) & 255)::int4), 2, ((n >> 16) & 255)::int4), 3, ((n >> 24) & 255)::int4), 4, ((n >> 32) & 255)::int4), 5, ((n >> 40) & 255)::int4), 6, ((n >> 48) & 255)::int4), 7, ((n >> 56) & 255)::int4)";
        IncrementSql = $"INSERT INTO {DataTable} AS cur (s, k, v) VALUES (@s, @k, @v) ON CONFLICT (s, k) DO UPDATE SET v = (SELECT {encode} FROM (SELECT {Decode} + @d AS n) AS t)";
        IncrementReturningSql = [IncrementSql + " RETURNING cur.v"];
        BlobTable = Table("blob");
        InsertChunkSql = $"INSERT INTO {BlobTable} (h, n, data) VALUES (@h, @n, @data) ON CONFLICT (h, n) DO NOTHING";
        SetSql = $"INSERT INTO {DataTable} (s, k, v) VALUES (@s, @k, @v) ON CONFLICT (s, k) DO UPDATE SET v = EXCLUDED.v";
        FullTextDocumentTable = Table("ft_doc");
        FullTextValueTable = Table("ft_value");
        UpsertFullTextDocumentSql = $"INSERT INTO {FullTextDocumentTable} AS cur (a, d) VALUES (@a, @d) ON CONFLICT (a, d) DO UPDATE SET d = cur.d";
    }

    /// <inheritdoc />
    public override string Name => PostgreSqlStoreProvider.StoreType;

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
        command.CommandText = $"INSERT INTO {DataTable} (s, k, v) SELECT * FROM unnest(@ss::text[], @ks::bytea[], @vs::bytea[]) ON CONFLICT (s, k) DO UPDATE SET v = EXCLUDED.v";
        command.Parameters.Add(new NpgsqlParameter("ss", rows.Select(row => row.Subspace).ToArray()));
        command.Parameters.Add(new NpgsqlParameter("ks", rows.Select(row => row.Key).ToArray()));
        command.Parameters.Add(new NpgsqlParameter("vs", rows.Select(row => row.Value).ToArray()));
        batch.BatchCommands.Add(command);
    }

    /// <inheritdoc />
    public override void AddDeleteMany(DbBatch batch, string subspace, IReadOnlyList<byte[]> keys)
    {
        var command = batch.CreateBatchCommand();
        command.CommandText = $"DELETE FROM {DataTable} WHERE s = @s AND k = ANY(@ks)";
        command.Parameters.Add(new NpgsqlParameter("s", subspace));
        command.Parameters.Add(new NpgsqlParameter("ks", keys.ToArray()));
        batch.BatchCommands.Add(command);
    }

    /// <inheritdoc />
    public override string ClaimAbsentSql => $"INSERT INTO {DataTable} (s, k, v) VALUES (@s, @k, @v) ON CONFLICT (s, k) DO NOTHING";

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
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);

        // Host processes starting together on one database take turns.
        await SqlCommands.ExecuteAsync(connection, transaction, "SELECT pg_advisory_xact_lock(hashtext(@name))", cancellationToken, ("name", $"mailhost schema {schema}.{prefix}")).ConfigureAwait(false);
        if (await SqlCommands.ScalarAsync(connection, transaction, "SELECT count(*) FROM pg_namespace WHERE nspname = @name", cancellationToken, ("name", schema)).ConfigureAwait(false) is 0L)
        {
            await SqlCommands.ExecuteAsync(connection, transaction, $"CREATE SCHEMA \"{schema}\"", cancellationToken).ConfigureAwait(false);
        }

        var versionTable = Table("schema");
        await SqlCommands.ExecuteAsync(connection, transaction, $"CREATE TABLE IF NOT EXISTS {versionTable} (version int8 NOT NULL)", cancellationToken).ConfigureAwait(false);
        await SqlCommands.ExecuteAsync(connection, transaction, $"CREATE TABLE IF NOT EXISTS {DataTable} (s text COLLATE \"C\" NOT NULL, k bytea NOT NULL, v bytea NOT NULL, PRIMARY KEY (s, k))", cancellationToken).ConfigureAwait(false);
        await SqlCommands.ExecuteAsync(connection, transaction, $"CREATE TABLE IF NOT EXISTS {BlobTable} (h bytea NOT NULL, n int4 NOT NULL, data bytea NOT NULL, PRIMARY KEY (h, n))", cancellationToken).ConfigureAwait(false);
        var found = await SchemaVersion.ReadOrRecordAsync(connection, transaction, versionTable, version, cancellationToken).ConfigureAwait(false);
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        return found;
    }

    /// <inheritdoc />
    public override Task<int> MaxValueSizeAsync(DbConnection connection, CancellationToken cancellationToken) => Task.FromResult(ValueSizeLimit);

    /// <inheritdoc />
    public override bool IsConflict(Exception exception)
        => exception is PostgresException { SqlState: PostgresErrorCodes.SerializationFailure or PostgresErrorCodes.DeadlockDetected or PostgresErrorCodes.LockNotAvailable };

    /// <inheritdoc />
    public override bool IsConnectionFailure(Exception exception) => exception switch
    {
        PostgresException postgres => postgres.SqlState.StartsWith("08", StringComparison.Ordinal)
            || postgres.SqlState.StartsWith("57P", StringComparison.Ordinal)
            || postgres.SqlState.StartsWith("53", StringComparison.Ordinal),
        NpgsqlException => true,
        SocketException or IOException or TimeoutException => true,
        _ => false,
    };

    /// <inheritdoc />
    public override void ClearPool() => dataSource.Clear();

    /// <inheritdoc />
    public override async ValueTask<DbConnection> OpenConnectionAsync(CancellationToken cancellationToken)
        => await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);

    /// <inheritdoc />
    public override ValueTask DisposeAsync() => dataSource.DisposeAsync();

    /// <inheritdoc />
    public override string FullTextDocumentTable { get; }

    /// <inheritdoc />
    public override string FullTextValueTable { get; }

    /// <inheritdoc />
    public override string UpsertFullTextDocumentSql { get; }

    /// <inheritdoc />
    public override async Task PrepareFullTextSchemaAsync(DbConnection connection, CancellationToken cancellationToken)
    {
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        await SqlCommands.ExecuteAsync(connection, transaction, "SELECT pg_advisory_xact_lock(hashtext(@name))", cancellationToken, ("name", $"mailhost schema {schema}.{prefix}")).ConfigureAwait(false);
        await SqlCommands.ExecuteAsync(connection, transaction, $"CREATE TABLE IF NOT EXISTS {FullTextDocumentTable} (a int8 NOT NULL, d int8 NOT NULL, PRIMARY KEY (a, d))", cancellationToken).ConfigureAwait(false);
        await SqlCommands.ExecuteAsync(connection, transaction, $"CREATE TABLE IF NOT EXISTS {FullTextValueTable} (a int8 NOT NULL, d int8 NOT NULL, n int4 NOT NULL, f text COLLATE \"C\" NOT NULL, t tsvector NOT NULL, PRIMARY KEY (a, d, n))", cancellationToken).ConfigureAwait(false);
        await SqlCommands.ExecuteAsync(connection, transaction, $"CREATE INDEX IF NOT EXISTS \"{prefix}ft_value_t\" ON {FullTextValueTable} USING gin (t)", cancellationToken).ConfigureAwait(false);
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    /// <remarks>
    /// A tsvector literal: each folded word quoted as a lexeme with its positions (from 1), so the server keeps the
    /// words exactly as folded instead of parsing them again with a text search configuration.
    /// </remarks>
    public override string EncodeFullTextTerms(IReadOnlyList<string> words)
    {
        var positions = new Dictionary<string, List<int>>(StringComparer.Ordinal);
        for (var i = 0; i < words.Count; i++)
        {
            if (!positions.TryGetValue(words[i], out var list))
            {
                positions[words[i]] = list = [];
            }

            list.Add(i + 1);
        }

        var text = new StringBuilder();
        foreach (var (word, list) in positions)
        {
            if (text.Length > 0)
            {
                text.Append(' ');
            }

            AppendLexeme(text, word).Append(':').AppendJoin(',', list);
        }

        return text.ToString();
    }

    /// <inheritdoc />
    public override string FullTextTermsParameter(string name) => $"CAST(@{name} AS tsvector)";

    /// <inheritdoc />
    public override string FullTextValueMatch(string column, IReadOnlyList<string> words, TextMatchKind kind, Func<object, string> parameter)
    {
        var query = new StringBuilder();
        for (var i = 0; i < words.Count; i++)
        {
            if (i > 0)
            {
                query.Append(kind == TextMatchKind.Words ? " & " : " <-> ");
            }

            AppendLexeme(query, words[i]);
        }

        if (kind == TextMatchKind.Prefix)
        {
            query.Append(":*");
        }

        return $"{column} @@ CAST({parameter(query.ToString())} AS tsquery)";
    }

    private static StringBuilder AppendLexeme(StringBuilder text, string word)
        => text.Append('\'').Append(word.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("'", "''", StringComparison.Ordinal)).Append('\'');

    private string Table(string name) => $"\"{schema}\".\"{prefix}{name}\"";
}
