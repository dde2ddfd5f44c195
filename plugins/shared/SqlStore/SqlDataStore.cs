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

    /// <summary>The most statements in one group of a batch.</summary>
    private const int GroupStatements = 256;

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
        var isolation = batch.HasAssertions ? dialect.AssertingIsolation : IsolationLevel.ReadCommitted;
        await using var transaction = await connection.BeginTransactionAsync(isolation, cancellationToken).ConfigureAwait(false);
        if (batch.HasAssertions && !await AssertionsHoldAsync(connection, transaction, batch, cancellationToken).ConfigureAwait(false))
        {
            await transaction.RollbackAsync(CancellationToken.None).ConfigureAwait(false);
            return CommitResult.AssertionFailed;
        }

        // The writes go in groups of statements, each group one round trip, in the batch's order so that a later
        // write to a key wins.
        var group = connection.CreateBatch();
        try
        {
            group.Transaction = transaction;
            long bytes = 0;
            foreach (var operation in batch)
            {
                if (operation.Kind == BatchOperationKind.Assert)
                {
                    continue;
                }

                if (group.BatchCommands.Count >= GroupStatements || (group.BatchCommands.Count > 0 && bytes + operation.Key.Length + (operation.Value?.Length ?? 0) > GroupBytes))
                {
                    await group.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
                    await group.DisposeAsync().ConfigureAwait(false);
                    group = connection.CreateBatch();
                    group.Transaction = transaction;
                    bytes = 0;
                }

                var command = group.CreateBatchCommand();
                switch (operation.Kind)
                {
                    case BatchOperationKind.Set:
                        command.CommandText = dialect.SetSql;
                        SqlParameters.Add(command, "s", operation.Subspace);
                        SqlParameters.Add(command, "k", operation.Key);
                        SqlParameters.Add(command, "v", operation.Value!);
                        break;
                    case BatchOperationKind.Delete:
                        command.CommandText = dialect.DeleteSql;
                        SqlParameters.Add(command, "s", operation.Subspace);
                        SqlParameters.Add(command, "k", operation.Key);
                        break;
                    default:
                        command.CommandText = dialect.IncrementSql;
                        AddIncrement(command, operation.Subspace, operation.Key, operation.Delta);
                        break;
                }

                group.BatchCommands.Add(command);
                bytes += operation.Key.Length + (operation.Value?.Length ?? 0);
            }

            if (group.BatchCommands.Count > 0)
            {
                await group.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }
        }
        finally
        {
            await group.DisposeAsync().ConfigureAwait(false);
        }

        progress.Committing = true;
        await transaction.CommitAsync(CancellationToken.None).ConfigureAwait(false);
        return CommitResult.Committed;
    }

    private async Task<bool> AssertionsHoldAsync(DbConnection connection, DbTransaction transaction, WriteBatch batch, CancellationToken cancellationToken)
    {
        // Every assertion is checked against the state before the batch, in one round trip.
        var assertions = batch.Where(operation => operation.Kind == BatchOperationKind.Assert).ToList();
        await using var reads = connection.CreateBatch();
        reads.Transaction = transaction;
        foreach (var assertion in assertions)
        {
            var command = reads.CreateBatchCommand();
            command.CommandText = dialect.AssertReadSql;
            SqlParameters.Add(command, "s", assertion.Subspace);
            SqlParameters.Add(command, "k", assertion.Key);
            reads.BatchCommands.Add(command);
        }

        var holds = true;
        await using (var reader = await reads.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
        {
            // Every result is read, even after a failed assertion, so that the locks are all taken in one go.
            var index = 0;
            do
            {
                byte[]? found = null;
                if (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                {
                    found = (byte[])reader.GetValue(0);
                }

                var expected = assertions[index++].Value;
                if (expected is null ? found is not null : found is null || !found.AsSpan().SequenceEqual(expected))
                {
                    holds = false;
                }
            }
            while (await reader.NextResultAsync(cancellationToken).ConfigureAwait(false));
        }

        return holds;
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
