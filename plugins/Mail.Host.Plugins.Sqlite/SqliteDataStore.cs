using System.Runtime.CompilerServices;
using Mail.Host.Storage;
using Microsoft.Data.Sqlite;

namespace Mail.Host.Plugins.Sqlite;

/// <summary>
/// The data role in one SQLite database file: a table per subspace, keyed by BLOB. Writes go through one writer
/// thread that commits concurrent callers' batches together; reads use a small pool of connections of their own.
/// </summary>
internal sealed class SqliteDataStore : IDataStore, IAsyncDisposable
{
    /// <summary>The longest key accepted, in bytes.</summary>
    public const int KeySizeLimit = 8 * 1024;

    /// <summary>The longest value accepted, in bytes; larger data is chunked by the engine.</summary>
    public const int ValueSizeLimit = 8 * 1024 * 1024;

    /// <summary>The most rows one scan page holds.</summary>
    private const int PageRows = 256;

    /// <summary>About the most value bytes one scan page holds; a page always holds at least one row.</summary>
    private const long PageBytes = 4L * 1024 * 1024;

    private readonly SqliteStoreOptions options;
    private readonly SqliteTables tables;
    private readonly SqliteWriter writer;
    private readonly SqliteReaderPool readers;
    private int disposed;

    private SqliteDataStore(SqliteStoreOptions options, SqliteTables tables, SqliteWriter writer, SqliteReaderPool readers)
    {
        this.options = options;
        this.tables = tables;
        this.writer = writer;
        this.readers = readers;
    }

    /// <inheritdoc />
    public int MaxKeySize => KeySizeLimit;

    /// <inheritdoc />
    public int MaxValueSize => ValueSizeLimit;

    /// <summary>Opens (and, if new, creates) the database, checks its schema version and starts the writer.</summary>
    /// <param name="options">The database and its tuning.</param>
    /// <returns>The open store.</returns>
    public static SqliteDataStore Open(SqliteStoreOptions options)
    {
        var folder = Path.GetDirectoryName(options.DatabasePath);
        if (!string.IsNullOrEmpty(folder))
        {
            System.IO.Directory.CreateDirectory(folder);
        }

        var db = PreparedConnection.Open(options, forWriting: true);
        try
        {
            var tables = new SqliteTables();
            SqliteSchema.Prepare(db, tables, options.DatabasePath);
            var writer = new SqliteWriter(db, tables, options.DatabasePath);
            return new SqliteDataStore(options, tables, writer, new SqliteReaderPool(options, Math.Clamp(Environment.ProcessorCount, 2, 8)));
        }
        catch
        {
            db.Dispose();
            throw;
        }
    }

    /// <inheritdoc />
    public ValueTask<byte[]?> GetAsync(string subspace, ReadOnlyMemory<byte> key, CancellationToken cancellationToken = default)
    {
        SubspaceName.Validate(subspace);
        cancellationToken.ThrowIfCancellationRequested();
        return readers.ReadAsync(db => tables.Exists(db, subspace) ? db.Get(subspace, key) : null, cancellationToken);
    }

    /// <inheritdoc />
    public IAsyncEnumerable<KeyValueEntry> ScanAsync(string subspace, KeyRange range, CancellationToken cancellationToken = default)
    {
        // Checked here rather than in the iterator so that a bad call fails where it is made.
        SubspaceName.Validate(subspace);
        ArgumentNullException.ThrowIfNull(range);
        return ScanCoreAsync(subspace, range, cancellationToken);
    }

    /// <inheritdoc />
    public async ValueTask<CommitResult> CommitAsync(WriteBatch batch, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(batch);
        long size = 0;
        foreach (var operation in batch)
        {
            size += DataStoreLimits.Validate(operation, MaxKeySize, MaxValueSize);
        }

        cancellationToken.ThrowIfCancellationRequested();
        if (batch.Count == 0)
        {
            return CommitResult.Committed;
        }

        var request = new BatchRequest(batch, size, cancellationToken);
        writer.Enqueue(request);
        return await request.Task.ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async ValueTask<long> IncrementAsync(string subspace, ReadOnlyMemory<byte> key, long delta, CancellationToken cancellationToken = default)
    {
        SubspaceName.Validate(subspace);
        DataStoreLimits.CheckKeySize(key.Length, MaxKeySize);
        cancellationToken.ThrowIfCancellationRequested();
        var request = new IncrementRequest(subspace, key.ToArray(), delta, cancellationToken);
        writer.Enqueue(request);
        return await request.Task.ConfigureAwait(false);
    }

    /// <summary>Copies the write-ahead log into the database file; everything committed is already durable.</summary>
    /// <param name="cancellationToken">Cancels the flush if it has not started.</param>
    /// <returns>A task that completes when the checkpoint has run.</returns>
    public async ValueTask FlushAsync(CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var request = new CheckpointRequest(cancellationToken);
        writer.Enqueue(request);
        await request.Task.ConfigureAwait(false);
    }

    /// <summary>Finishes the queued writes, then closes every connection, so the file can be reopened or removed.</summary>
    /// <returns>A task that completes when the database is closed.</returns>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref disposed, 1) != 0)
        {
            return;
        }

        // Readers close first so that the writer's connection is the last one: closing the last connection
        // checkpoints the log into the database file and removes it.
        readers.Dispose();
        await writer.DisposeAsync().ConfigureAwait(false);
    }

    private async IAsyncEnumerable<KeyValueEntry> ScanCoreAsync(string subspace, KeyRange range, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        if (range.Limit == 0 || (range.End is not null && range.End.AsSpan().SequenceCompareTo(range.Start) <= 0))
        {
            yield break;
        }

        // Rows are read a page at a time and handed out with no connection held, so a slow consumer keeps
        // neither a read connection nor an old snapshot (which would stop the log from being checkpointed).
        // Each page continues after the last key handed out.
        var remaining = range.Limit;
        byte[]? last = null;
        while (remaining > 0)
        {
            var after = last;
            var want = Math.Min(remaining, PageRows);
            var page = await readers.ReadAsync(db => ReadPage(db, subspace, range, after, want), cancellationToken).ConfigureAwait(false);
            foreach (var entry in page.Entries)
            {
                cancellationToken.ThrowIfCancellationRequested();
                yield return entry;
            }

            if (!page.MayHaveMore)
            {
                yield break;
            }

            remaining -= page.Entries.Count;
            last = page.Entries[^1].Key;
        }
    }

    private ScanPage ReadPage(PreparedConnection db, string subspace, KeyRange range, byte[]? after, int want)
    {
        var entries = new List<KeyValueEntry>(Math.Min(want, 64));
        if (!tables.Exists(db, subspace))
        {
            return new(entries, false);
        }

        // Forward: from Start (inclusive), or after the last key handed out, to End (exclusive).
        // Reverse: from End (exclusive), or before the last key handed out, down to Start (inclusive).
        // An empty Start is the beginning of the subspace and needs no condition.
        byte[]? lower;
        string lowerCondition;
        if (!range.Reverse && after is not null)
        {
            (lower, lowerCondition) = (after, "k > $lo");
        }
        else
        {
            (lower, lowerCondition) = (range.Start.Length == 0 ? null : range.Start, "k >= $lo");
        }

        var upper = range.Reverse ? after ?? range.End : range.End;
        var conditions = new List<string>(2);
        if (lower is not null)
        {
            conditions.Add(lowerCondition);
        }

        if (upper is not null)
        {
            conditions.Add("k < $hi");
        }

        var where = conditions.Count == 0 ? string.Empty : " WHERE " + string.Join(" AND ", conditions);
        var command = db.Command($"SELECT k, v FROM {PreparedConnection.Table(subspace)}{where} ORDER BY k {(range.Reverse ? "DESC" : "ASC")} LIMIT $limit");
        if (lower is not null)
        {
            PreparedConnection.BindBlob(command, "$lo", lower);
        }

        if (upper is not null)
        {
            PreparedConnection.BindBlob(command, "$hi", upper);
        }

        PreparedConnection.Bind(command, "$limit", want);
        long bytes = 0;
        using var reader = command.ExecuteReader();
        while (reader.Read())
        {
            var entry = new KeyValueEntry(PreparedConnection.ReadBlob(reader, 0), PreparedConnection.ReadBlob(reader, 1));
            entries.Add(entry);
            bytes += entry.Key.Length + entry.Value.Length;
            if (bytes >= PageBytes && entries.Count < want)
            {
                return new(entries, true);
            }
        }

        return new(entries, entries.Count == want);
    }



    /// <summary>One page of a scan.</summary>
    /// <param name="Entries">The rows read.</param>
    /// <param name="MayHaveMore">Whether the page stopped at its size rather than at the end of the range.</param>
    private readonly record struct ScanPage(List<KeyValueEntry> Entries, bool MayHaveMore);
}
