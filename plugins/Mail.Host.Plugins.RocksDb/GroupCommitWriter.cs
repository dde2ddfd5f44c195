using System.Collections.Concurrent;
using Mail.Host.Storage;
using Microsoft.Extensions.Logging;
using RocksDbSharp;

namespace Mail.Host.Plugins.RocksDb;

/// <summary>
/// The one writer of a store. Callers queue their batches; a dedicated thread takes whatever is waiting (up to a
/// count and a size), checks each batch's assertions in queue order, combines the batches that pass into one
/// RocksDB write batch, writes it once (synced to disk when so configured) and then completes every caller.
/// </summary>
/// <remarks>
/// <para>
/// One synced write per group instead of per batch is what makes durable commits fast: the fsync is shared by
/// everyone who queued while the previous one ran. The writer does not linger to collect a bigger group; a lone
/// caller is written at once, and under load the groups grow by themselves.
/// </para>
/// <para>
/// Since nothing else writes, what the writer reads is the committed state, and a batch's assertions are checked
/// against it plus the writes of the batches ahead of it in the same group (kept in an overlay until the group is
/// written). Two batches that assert the same value therefore cannot both commit, in one group or in two.
/// Counters are read, added to and written the same way, so increments need no merge operator and never lose an
/// update.
/// </para>
/// <para>
/// The thread is dedicated rather than borrowed from the pool because it blocks in fsync for most of its life;
/// blocking a pool thread that long starves the callers it is meant to serve.
/// </para>
/// </remarks>
internal sealed partial class GroupCommitWriter : IDisposable
{
    // A group's combined write stays well inside what a RocksDB write batch handles comfortably, however large the
    // single values are; one batch over this still goes alone.
    private const long MaxGroupBytes = 64L * 1024 * 1024;

    private readonly BlockingCollection<PendingWrite> queue = new(new ConcurrentQueue<PendingWrite>());
    private readonly RocksDbDatabase database;
    private readonly WriteOptions writeOptions;
    private readonly int maxGroup;
    private readonly ILogger logger;
    private readonly Thread thread;
    private readonly TaskCompletionSource stopped = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly ManualResetEventSlim released = new(initialState: true);
    private readonly Dictionary<Slot, byte[]?> overlay = [];
    private readonly List<PendingWrite> group = [];
    private readonly List<(PendingWrite Write, long Counter)> accepted = [];
    private readonly List<PendingWrite> rejected = [];
    private Exception? failure;
    private long groupsWritten;
    private int lastGroupSize;

    /// <summary>Starts the writer thread.</summary>
    /// <param name="database">The database written to.</param>
    /// <param name="syncWrites">Whether each group's write waits for the disk.</param>
    /// <param name="maxGroup">The most batches in one group.</param>
    /// <param name="name">The store's name, for the thread name and log messages.</param>
    /// <param name="logger">Where failures are reported.</param>
    public GroupCommitWriter(RocksDbDatabase database, bool syncWrites, int maxGroup, string name, ILogger logger)
    {
        this.database = database;
        this.maxGroup = maxGroup;
        this.logger = logger;
        writeOptions = new WriteOptions().SetSync(syncWrites);
        thread = new Thread(Run)
        {
            Name = $"rocksdb writer ({name})",

            // A write stuck in the kernel must not keep the process alive after the host has given up on it.
            IsBackground = true,
        };
        thread.Start();
    }

    /// <summary>The number of database writes made so far (each one a group).</summary>
    internal long GroupsWritten => Interlocked.Read(ref groupsWritten);

    /// <summary>How many batches the latest group held.</summary>
    internal int LastGroupSize => Volatile.Read(ref lastGroupSize);

    /// <summary>Queues a batch.</summary>
    /// <param name="write">The batch.</param>
    /// <returns>The outcome, once the batch's group is written.</returns>
    /// <exception cref="ObjectDisposedException">The store is closing.</exception>
    /// <exception cref="StoreUnavailableException">The writer stopped on an unexpected failure.</exception>
    public Task<WriteOutcome> Submit(PendingWrite write)
    {
        try
        {
            queue.Add(write);
        }
        catch (InvalidOperationException)
        {
            // The queue stopped taking batches between the caller's check and this line.
            throw Volatile.Read(ref failure) is { } cause
                ? new StoreUnavailableException("The RocksDB store's writer has stopped after a failure.", cause)
                : new ObjectDisposedException(nameof(RocksDbDataStore), "The RocksDB store is closed.");
        }

        return write.Completion.Task;
    }

    /// <summary>Stops taking batches, writes every batch already queued, and ends the thread.</summary>
    /// <returns>A task that completes when the thread has ended.</returns>
    public Task StopAsync()
    {
        queue.CompleteAdding();
        return stopped.Task;
    }

    /// <summary>
    /// Makes the writer wait, after taking the next batch and before gathering the rest of its group, until the
    /// returned handle is disposed; batches queued meanwhile are written as one group.
    /// </summary>
    /// <returns>The handle that lets the writer go on.</returns>
    internal IDisposable Hold()
    {
        released.Reset();
        return new Release(released);
    }

    /// <inheritdoc />
    public void Dispose()
    {
        queue.Dispose();
        released.Dispose();
    }

    private static bool Matches(byte[]? current, byte[]? expected)
        => expected is null ? current is null : current is not null && current.AsSpan().SequenceEqual(expected);

    private void Run()
    {
        try
        {
            while (queue.TryTake(out var first, Timeout.Infinite))
            {
                released.Wait();
                group.Add(first);
                var bytes = first.Size;
                while (group.Count < maxGroup && bytes < MaxGroupBytes && queue.TryTake(out var next))
                {
                    group.Add(next);
                    bytes += next.Size;
                }

                WriteGroup();
                group.Clear();
            }
        }
        catch (Exception ex)
        {
            // WriteGroup settles every batch it is given, so reaching here is a defect; the callers must still
            // not wait forever.
            Volatile.Write(ref failure, ex);
            LogWriterStopped(ex);
            queue.CompleteAdding();
            var unavailable = new StoreUnavailableException("The RocksDB store's writer has stopped after a failure.", ex);
            foreach (var write in group.Concat(queue.GetConsumingEnumerable()))
            {
                write.Completion.TrySetException(unavailable);
            }
        }
        finally
        {
            stopped.TrySetResult();
        }
    }

    private void WriteGroup()
    {
        overlay.Clear();
        accepted.Clear();
        rejected.Clear();
        using var batch = new RocksDbSharp.WriteBatch();
        foreach (var write in group)
        {
            if (write.CancellationToken.IsCancellationRequested)
            {
                write.Completion.TrySetCanceled(write.CancellationToken);
                continue;
            }

            try
            {
                if (!AssertionsHold(write))
                {
                    rejected.Add(write);
                    continue;
                }

                var staged = Stage(write, out var counter);

                // Every column family is resolved (and created) before the batch is touched, so a failure leaves
                // nothing of this caller's batch in the group's write.
                var targets = new List<(Slot Slot, byte[]? Value, ColumnFamilyHandle? Family)>(staged.Count);
                foreach (var (slot, value) in staged)
                {
                    targets.Add((slot, value, value is null ? database.Find(slot.Subspace) : database.FindOrCreate(slot.Subspace)));
                }

                foreach (var (slot, value, family) in targets)
                {
                    overlay[slot] = value;
                    if (value is not null)
                    {
                        batch.Put(slot.Key, value, family);
                    }
                    else if (family is not null)
                    {
                        // A subspace that was never written has nothing to delete.
                        batch.Delete(slot.Key, family);
                    }
                }

                accepted.Add((write, counter));
            }
            catch (RocksDbSharpException ex)
            {
                write.Completion.TrySetException(Unavailable(ex));
            }
            catch (Exception ex)
            {
                // A counter key holding something that is not a counter, or an overflow: this caller's mistake,
                // reported to it alone.
                write.Completion.TrySetException(ex);
            }
        }

        Volatile.Write(ref lastGroupSize, group.Count);
        try
        {
            if (batch.Count() > 0)
            {
                database.Db.Write(batch, writeOptions);
                Interlocked.Increment(ref groupsWritten);
            }
        }
        catch (Exception ex)
        {
            // Assertion failures are not reported either: they may have been judged against a write that never
            // happened. Every caller of the group may simply retry.
            LogWriteFailed(ex, accepted.Count + rejected.Count);
            var unavailable = Unavailable(ex);
            foreach (var (write, _) in accepted)
            {
                write.Completion.TrySetException(unavailable);
            }

            foreach (var write in rejected)
            {
                write.Completion.TrySetException(unavailable);
            }

            return;
        }

        foreach (var (write, counter) in accepted)
        {
            write.Completion.TrySetResult(new WriteOutcome(true, counter));
        }

        foreach (var write in rejected)
        {
            write.Completion.TrySetResult(new WriteOutcome(false, 0));
        }
    }

    // Assertions see the state before their own batch: the committed state plus the earlier batches of the group.
    private bool AssertionsHold(PendingWrite write)
    {
        foreach (var operation in write.Operations)
        {
            if (operation.Kind == BatchOperationKind.Assert && !Matches(Current(new Slot(operation.Subspace, operation.Key)), operation.Value))
            {
                return false;
            }
        }

        return true;
    }

    // Works out the batch's final value for each key it touches, applying its operations in order.
    private Dictionary<Slot, byte[]?> Stage(PendingWrite write, out long counter)
    {
        counter = 0;
        var staged = new Dictionary<Slot, byte[]?>();
        foreach (var operation in write.Operations)
        {
            var slot = new Slot(operation.Subspace, operation.Key);
            switch (operation.Kind)
            {
                case BatchOperationKind.Set:
                    staged[slot] = operation.Value;
                    break;
                case BatchOperationKind.Delete:
                    staged[slot] = null;
                    break;
                case BatchOperationKind.Increment:
                    var current = staged.TryGetValue(slot, out var pending) ? pending : Current(slot);
                    counter = checked(Counter.Decode(current) + operation.Delta);
                    staged[slot] = Counter.Encode(counter);
                    break;
            }
        }

        return staged;
    }

    private byte[]? Current(Slot slot)
    {
        if (overlay.TryGetValue(slot, out var value))
        {
            return value;
        }

        var family = database.Find(slot.Subspace);
        return family is null ? null : database.Db.Get(slot.Key, family);
    }

    private static StoreUnavailableException Unavailable(Exception ex)
        => ex as StoreUnavailableException ?? new StoreUnavailableException($"RocksDB could not write: {ex.Message}", ex);

    [LoggerMessage(Level = LogLevel.Error, Message = "RocksDB could not write a group of {Count} batches; each caller was told the store is unavailable")]
    private partial void LogWriteFailed(Exception exception, int count);

    [LoggerMessage(Level = LogLevel.Critical, Message = "The RocksDB writer stopped on an unexpected failure; the store accepts no more writes")]
    private partial void LogWriterStopped(Exception exception);

    private sealed class Release(ManualResetEventSlim released) : IDisposable
    {
        public void Dispose() => released.Set();
    }
}
