using System.Data;
using System.Data.Common;
using System.Runtime.CompilerServices;
using Mail.Host.Storage;

namespace Mail.Host.Plugins.SqlStore;

/// <summary>
/// The data role in a SQL server: one table of (subspace, key, value) rows whose primary key is (subspace, key),
/// keys and values as binary columns, so the server's byte-wise comparison gives the unsigned order scans need.
/// Each batch is one transaction on a pooled connection; concurrent batches, from this process or others sharing
/// the database, run side by side and the server groups their log flushes.
/// </summary>
internal sealed class SqlDataStore : IDataStore
{
    /// <summary>The longest key accepted, in bytes: the minimum, which fits every server's index entry limit.</summary>
    public const int KeySizeLimit = DataStoreLimits.MinimumMaxKeySize;

    /// <summary>The most rows one scan page holds.</summary>
    private const int PageRows = 256;

    /// <summary>About the most payload bytes one statement group of a batch carries.</summary>
    private const long GroupBytes = 2L * 1024 * 1024;

    /// <summary>The most rows one multi-row statement writes or removes.</summary>
    private const int RowsPerStatement = 500;

    private readonly SqlExecutor executor;
    private readonly SqlDialect dialect;

    /// <summary>Creates the store.</summary>
    /// <param name="executor">Runs the statements.</param>
    /// <param name="maxValueSize">The longest value accepted.</param>
    public SqlDataStore(SqlExecutor executor, int maxValueSize)
    {
        this.executor = executor;
        dialect = executor.Dialect;
        MaxValueSize = maxValueSize;
    }

    /// <inheritdoc />
    public int MaxKeySize => KeySizeLimit;

    /// <inheritdoc />
    public int MaxValueSize { get; }

    /// <inheritdoc />
    public ValueTask<byte[]?> GetAsync(string subspace, ReadOnlyMemory<byte> key, CancellationToken cancellationToken = default)
    {
        SubspaceName.Validate(subspace);
        var k = key.ToArray();
        return executor.RunAsync<byte[]?>(async (connection, _, ct) =>
        {
            await using var command = connection.CreateCommand();
            command.CommandText = dialect.GetSql;
            SqlParameters.Add(command, "s", subspace);
            SqlParameters.Add(command, "k", k);
            return await command.ExecuteScalarAsync(ct).ConfigureAwait(false) as byte[];
        }, cancellationToken);
    }

    /// <inheritdoc />
    public IAsyncEnumerable<KeyValueEntry> ScanAsync(string subspace, KeyRange range, CancellationToken cancellationToken = default)
    {
        SubspaceName.Validate(subspace);
        ArgumentNullException.ThrowIfNull(range);
        return ScanCoreAsync(subspace, range, cancellationToken);
    }

    /// <inheritdoc />
    public async ValueTask<CommitResult> CommitAsync(WriteBatch batch, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(batch);
        foreach (var operation in batch)
        {
            DataStoreLimits.Validate(operation, MaxKeySize, MaxValueSize);
        }

        cancellationToken.ThrowIfCancellationRequested();
        if (batch.Count == 0)
        {
            return CommitResult.Committed;
        }

        return await executor.RunAsync((connection, progress, ct) => CommitOnceAsync(connection, progress, batch, ct), cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async ValueTask<long> IncrementAsync(string subspace, ReadOnlyMemory<byte> key, long delta, CancellationToken cancellationToken = default)
    {
        SubspaceName.Validate(subspace);
        DataStoreLimits.CheckKeySize(key.Length, MaxKeySize);
        cancellationToken.ThrowIfCancellationRequested();
        var k = key.ToArray();
        return await executor.RunAsync(async (connection, progress, ct) =>
        {
            await using var transaction = await connection.BeginTransactionAsync(IsolationLevel.ReadCommitted, ct).ConfigureAwait(false);
            byte[]? value = null;
            foreach (var sql in dialect.IncrementReturningSql)
            {
                await using var command = connection.CreateCommand();
                command.Transaction = transaction;
                command.CommandText = sql;
                AddIncrement(command, subspace, k, delta);
                value = await command.ExecuteScalarAsync(ct).ConfigureAwait(false) as byte[];
            }

            progress.Committing = true;
            await transaction.CommitAsync(CancellationToken.None).ConfigureAwait(false);
            return Counter.Decode(value);
        }, cancellationToken).ConfigureAwait(false);
    }

    private async Task<CommitResult> CommitOnceAsync(DbConnection connection, UnitProgress progress, WriteBatch batch, CancellationToken cancellationToken)
    {
        await using var transaction = await connection.BeginTransactionAsync(IsolationLevel.ReadCommitted, cancellationToken).ConfigureAwait(false);
        var claimed = new List<BatchOperation>();
        if (batch.HasAssertions && !await AssertionsHoldAsync(connection, transaction, batch, claimed, cancellationToken).ConfigureAwait(false))
        {
            await transaction.RollbackAsync(CancellationToken.None).ConfigureAwait(false);
            return CommitResult.AssertionFailed;
        }

        var plan = new SqlBatchPlan();
        foreach (var operation in batch)
        {
            plan.Add(operation);
        }

        // A key claimed for an absence assertion and not written by the batch goes again.
        foreach (var claim in claimed)
        {
            if (!plan.Writes(claim.Subspace, claim.Key))
            {
                plan.Add(new BatchOperation(BatchOperationKind.Delete, claim.Subspace, claim.Key, null, 0));
            }
        }

        // The net writes go as multi-row statements of bounded size, several per round trip.
        var statements = connection.CreateBatch();
        try
        {
            statements.Transaction = transaction;
            var rows = new List<(string Subspace, byte[] Key, byte[] Value)>();
            long bytes = 0;
            foreach (var row in plan.Sets)
            {
                if (rows.Count > 0 && (rows.Count >= RowsPerStatement || bytes + row.Key.Length + row.Value.Length > GroupBytes))
                {
                    dialect.AddSetMany(statements, rows);
                    statements = await FlushAsync(connection, transaction, statements, cancellationToken).ConfigureAwait(false);
                    rows = [];
                    bytes = 0;
                }

                rows.Add(row);
                bytes += row.Key.Length + row.Value.Length;
            }

            if (rows.Count > 0)
            {
                dialect.AddSetMany(statements, rows);
            }

            foreach (var deletes in plan.Deletes)
            {
                foreach (var chunk in deletes.Chunk(RowsPerStatement))
                {
                    dialect.AddDeleteMany(statements, deletes.Key, chunk);
                }
            }

            foreach (var (subspace, key, delta) in plan.Increments)
            {
                var command = statements.CreateBatchCommand();
                command.CommandText = dialect.IncrementSql;
                AddIncrement(command, subspace, key, delta);
                statements.BatchCommands.Add(command);
            }

            if (statements.BatchCommands.Count > 0)
            {
                await statements.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }
        }
        finally
        {
            await statements.DisposeAsync().ConfigureAwait(false);
        }

        progress.Committing = true;
        await transaction.CommitAsync(CancellationToken.None).ConfigureAwait(false);
        return CommitResult.Committed;
    }

    /// <summary>
    /// Checks every assertion against the state before the batch and locks each asserted key until the commit: a
    /// present one by locking its row, an absent one by inserting an empty row for it (recorded in
    /// <paramref name="claimed"/>), which other writers of the key wait for. Keys are visited in order, so two
    /// batches asserting on the same keys lock them in the same order.
    /// </summary>
    private async Task<bool> AssertionsHoldAsync(DbConnection connection, DbTransaction transaction, WriteBatch batch, List<BatchOperation> claimed, CancellationToken cancellationToken)
    {
        var byKey = batch
            .Where(operation => operation.Kind == BatchOperationKind.Assert)
            .GroupBy(operation => (operation.Subspace, Key: Convert.ToHexString(operation.Key)))
            .OrderBy(group => group.Key.Subspace, StringComparer.Ordinal)
            .ThenBy(group => group.Key.Key, StringComparer.Ordinal);
        foreach (var assertions in byKey)
        {
            var first = assertions.First();
            await using var command = connection.CreateCommand();
            command.Transaction = transaction;
            SqlParameters.Add(command, "s", first.Subspace);
            SqlParameters.Add(command, "k", first.Key);
            if (assertions.Any(assertion => assertion.Value is null))
            {
                // Absent is asserted: the claim succeeds only if the key is absent, and then every assertion on it
                // holds only if all of them say absent.
                command.CommandText = dialect.ClaimAbsentSql;
                SqlParameters.Add(command, "v", Array.Empty<byte>());
                if (await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) != 1)
                {
                    return false;
                }

                claimed.Add(first);
                if (assertions.Any(assertion => assertion.Value is not null))
                {
                    return false;
                }

                continue;
            }

            command.CommandText = dialect.AssertPresentSql;
            var found = await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) as byte[];
            if (found is null || assertions.Any(assertion => !found.AsSpan().SequenceEqual(assertion.Value)))
            {
                return false;
            }
        }

        return true;
    }

    private static async Task<DbBatch> FlushAsync(DbConnection connection, DbTransaction transaction, DbBatch statements, CancellationToken cancellationToken)
    {
        await statements.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        await statements.DisposeAsync().ConfigureAwait(false);
        var next = connection.CreateBatch();
        next.Transaction = transaction;
        return next;
    }

    private static void AddIncrement(DbCommand command, string subspace, byte[] key, long delta)
    {
        SqlParameters.Add(command, "s", subspace);
        SqlParameters.Add(command, "k", key);
        SqlParameters.Add(command, "v", Counter.Encode(delta));
        SqlParameters.Add(command, "d", delta);
    }

    private static void AddIncrement(DbBatchCommand command, string subspace, byte[] key, long delta)
    {
        SqlParameters.Add(command, "s", subspace);
        SqlParameters.Add(command, "k", key);
        SqlParameters.Add(command, "v", Counter.Encode(delta));
        SqlParameters.Add(command, "d", delta);
    }

    private async IAsyncEnumerable<KeyValueEntry> ScanCoreAsync(string subspace, KeyRange range, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        if (range.Limit == 0 || (range.End is not null && range.End.AsSpan().SequenceCompareTo(range.Start) <= 0))
        {
            yield break;
        }

        // Rows are read a page at a time and handed out with no connection held, so a slow consumer keeps no
        // connection; each page continues after the last key handed out.
        var remaining = range.Limit;
        byte[]? last = null;
        while (remaining > 0)
        {
            var after = last;
            var want = Math.Min(remaining, PageRows);
            var page = await executor.RunAsync((connection, _, ct) => ReadPageAsync(connection, subspace, range, after, want, ct), cancellationToken).ConfigureAwait(false);
            foreach (var entry in page)
            {
                cancellationToken.ThrowIfCancellationRequested();
                yield return entry;
            }

            if (page.Count < want)
            {
                yield break;
            }

            remaining -= page.Count;
            last = page[^1].Key;
        }
    }

    private async Task<List<KeyValueEntry>> ReadPageAsync(DbConnection connection, string subspace, KeyRange range, byte[]? after, int want, CancellationToken cancellationToken)
    {
        // Forward: from Start (inclusive), or after the last key handed out, to End (exclusive).
        // Reverse: from End (exclusive), or before the last key handed out, down to Start (inclusive).
        await using var command = connection.CreateCommand();
        var conditions = new List<string>(3) { "s = @s" };
        SqlParameters.Add(command, "s", subspace);
        if (!range.Reverse && after is not null)
        {
            conditions.Add("k > @lo");
            SqlParameters.Add(command, "lo", after);
        }
        else if (range.Start.Length > 0)
        {
            conditions.Add("k >= @lo");
            SqlParameters.Add(command, "lo", range.Start);
        }

        var upper = range.Reverse ? after ?? range.End : range.End;
        if (upper is not null)
        {
            conditions.Add("k < @hi");
            SqlParameters.Add(command, "hi", upper);
        }

        command.CommandText = $"SELECT k, v FROM {dialect.DataTable} WHERE {string.Join(" AND ", conditions)} ORDER BY k {(range.Reverse ? "DESC" : "ASC")} LIMIT {want}";
        var entries = new List<KeyValueEntry>(Math.Min(want, 64));
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            entries.Add(new((byte[])reader.GetValue(0), (byte[])reader.GetValue(1)));
        }

        return entries;
    }
}
