using System.Runtime.CompilerServices;
using Mail.Host.Storage;
using Microsoft.Extensions.Logging;
using RocksDbSharp;
using WriteBatch = Mail.Host.Storage.WriteBatch;

namespace Mail.Host.Plugins.RocksDb;

/// <summary>
/// The data role on RocksDB: one column family per subspace (see <see cref="RocksDbDatabase"/>), reads straight
/// from the database, and every write through the group-commit writer (see <see cref="GroupCommitWriter"/>).
/// Keys compare as unsigned bytes because that is RocksDB's default comparator.
/// </summary>
internal sealed partial class RocksDbDataStore : IDataStore
{
    /// <summary>The longest key accepted, in bytes.</summary>
    public const int KeySizeLimit = 8 * 1024;

    /// <summary>
    /// The longest value accepted, in bytes. RocksDB takes far larger values, but each one passes whole through a
    /// memtable and the log; the engine chunks anything bigger.
    /// </summary>
    public const int ValueSizeLimit = 8 * 1024 * 1024;

    // How long closing waits for reads and scans still in progress before leaving the database to the process exit.
    private static readonly TimeSpan ClosePatience = TimeSpan.FromSeconds(30);

    private readonly RocksDbDatabase database;
    private readonly GroupCommitWriter writer;
    private readonly ILogger logger;
    private readonly Lock closeGate = new();
    private Task? closed;

    private RocksDbDataStore(RocksDbDatabase database, GroupCommitWriter writer, ILogger logger)
    {
        this.database = database;
        this.writer = writer;
        this.logger = logger;
    }

    /// <inheritdoc />
    public int MaxKeySize => KeySizeLimit;

    /// <inheritdoc />
    public int MaxValueSize => ValueSizeLimit;

    /// <summary>The writer, for tests that need to hold it.</summary>
    internal GroupCommitWriter Writer => writer;

    /// <summary>Opens the database and starts the writer.</summary>
    /// <param name="settings">The store's settings.</param>
    /// <param name="name">The store's name.</param>
    /// <param name="logger">Where failures are reported.</param>
    /// <returns>The open store.</returns>
    /// <exception cref="RocksDbSharpException">RocksDB could not open the folder.</exception>
    public static RocksDbDataStore Open(RocksDbSettings settings, string name, ILogger logger)
    {
        var database = RocksDbDatabase.Open(settings);
        var writer = new GroupCommitWriter(database, settings.SyncWrites, settings.MaxBatchOperations, name, logger);
        return new RocksDbDataStore(database, writer, logger);
    }

    /// <inheritdoc />
    public ValueTask<byte[]?> GetAsync(string subspace, ReadOnlyMemory<byte> key, CancellationToken cancellationToken = default)
    {
        SubspaceName.Validate(subspace);
        cancellationToken.ThrowIfCancellationRequested();

        // A point read is a memtable or block-cache lookup in the common case, cheaper than a hop to another thread.
        using var lease = database.Enter();
        var family = database.Find(subspace);
        if (family is null)
        {
            return ValueTask.FromResult<byte[]?>(null);
        }

        try
        {
            return ValueTask.FromResult<byte[]?>(database.Db.Get(key.Span, family));
        }
        catch (RocksDbSharpException ex)
        {
            throw new StoreUnavailableException($"RocksDB could not read: {ex.Message}", ex);
        }
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

        // A copy, checked in full before anything is queued: a bad entry rejects the whole batch, and a caller
        // adding to its batch after this call changes nothing.
        var operations = batch.ToArray();
        long size = 0;
        foreach (var operation in operations)
        {
            size += DataStoreLimits.Validate(operation, MaxKeySize, MaxValueSize);
        }

        cancellationToken.ThrowIfCancellationRequested();
        ThrowIfClosed();
        if (operations.Length == 0)
        {
            return CommitResult.Committed;
        }

        var outcome = await writer.Submit(new PendingWrite(operations, size, cancellationToken)).ConfigureAwait(false);
        return outcome.Committed ? CommitResult.Committed : CommitResult.AssertionFailed;
    }

    /// <inheritdoc />
    public async ValueTask<long> IncrementAsync(string subspace, ReadOnlyMemory<byte> key, long delta, CancellationToken cancellationToken = default)
    {
        SubspaceName.Validate(subspace);
        DataStoreLimits.CheckKeySize(key.Length, MaxKeySize);
        cancellationToken.ThrowIfCancellationRequested();
        ThrowIfClosed();
        var operation = new BatchOperation(BatchOperationKind.Increment, subspace, key.ToArray(), null, delta);
        var outcome = await writer.Submit(new PendingWrite([operation], key.Length + Counter.Size, cancellationToken)).ConfigureAwait(false);
        return outcome.Counter;
    }

    /// <summary>
    /// Makes everything acknowledged durable even when writes are not synced, and writes the memtables to table
    /// files so that the next open has little log to replay.
    /// </summary>
    /// <param name="cancellationToken">Cancels before the flush starts.</param>
    /// <returns>A task that completes when the flush is done.</returns>
    public Task FlushAsync(CancellationToken cancellationToken)
        => Task.Run(
            () =>
            {
                using var lease = database.Enter();
                try
                {
                    Native.Instance.rocksdb_flush_wal(database.Db.Handle, 1);
                    var families = database.Families.Select(family => family.Handle).ToArray();
                    if (families.Length > 0)
                    {
                        var options = new FlushOptions().SetWaitForFlush(true);
                        Native.Instance.rocksdb_flush_cfs(database.Db.Handle, options.Handle, families, families.Length);
                        GC.KeepAlive(options);
                    }
                }
                catch (RocksDbSharpException ex)
                {
                    throw new StoreUnavailableException($"RocksDB could not flush: {ex.Message}", ex);
                }
            },
            cancellationToken);

    /// <summary>Stops taking writes, writes what is queued, waits for reads in progress and closes the database.</summary>
    /// <returns>A task that completes when the store is closed.</returns>
    public Task CloseAsync()
    {
        lock (closeGate)
        {
            return closed ??= CloseCoreAsync();
        }
    }

    private async Task CloseCoreAsync()
    {
        await writer.StopAsync().ConfigureAwait(false);
        writer.Dispose();
        if (!await database.CloseAsync(ClosePatience).ConfigureAwait(false))
        {
            LogLeftOpen(ClosePatience.TotalSeconds);
        }
    }

    private async IAsyncEnumerable<KeyValueEntry> ScanCoreAsync(string subspace, KeyRange range, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        using var lease = database.Enter();
        var family = database.Find(subspace);
        if (family is null || range.Limit == 0 || (range.End is not null && range.Start.AsSpan().SequenceCompareTo(range.End) >= 0))
        {
            yield break;
        }

        // The iterator reads a consistent view of the moment it was created. The bounds are checked here rather
        // than handed to RocksDB, whose bound options keep a pointer to memory the garbage collector may move.
        using var iterator = database.Db.NewIterator(family);
        if (!range.Reverse)
        {
            iterator.Seek(range.Start);
        }
        else if (range.End is null)
        {
            iterator.SeekToLast();
        }
        else
        {
            iterator.SeekForPrev(range.End);
            if (iterator.Valid() && iterator.GetKeySpan().SequenceEqual(range.End))
            {
                iterator.Prev();
            }
        }

        var returned = 0;
        while (iterator.Valid())
        {
            var key = iterator.Key();
            var inRange = range.Reverse
                ? key.AsSpan().SequenceCompareTo(range.Start) >= 0
                : range.End is null || key.AsSpan().SequenceCompareTo(range.End) < 0;
            if (!inRange)
            {
                break;
            }

            yield return new KeyValueEntry(key, iterator.Value());
            if (++returned == range.Limit)
            {
                yield break;
            }

            cancellationToken.ThrowIfCancellationRequested();
            if (range.Reverse)
            {
                iterator.Prev();
            }
            else
            {
                iterator.Next();
            }
        }

        // An iterator also stops being valid on a read error, which must not pass for the end of the range.
        try
        {
            Native.Instance.rocksdb_iter_get_error(iterator.Handle);
        }
        catch (RocksDbSharpException ex)
        {
            throw new StoreUnavailableException($"RocksDB could not scan: {ex.Message}", ex);
        }

        await Task.CompletedTask.ConfigureAwait(false);
    }

    private void ThrowIfClosed()
    {
        if (Volatile.Read(ref closed) is not null)
        {
            throw new ObjectDisposedException(nameof(RocksDbDataStore), "The RocksDB store is closed.");
        }
    }



    [LoggerMessage(Level = LogLevel.Error, Message = "Reads of the RocksDB store were still running {Seconds} s after it was asked to close; it is left open until the process exits")]
    private partial void LogLeftOpen(double seconds);
}
