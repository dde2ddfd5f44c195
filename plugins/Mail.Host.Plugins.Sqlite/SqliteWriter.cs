using Microsoft.Data.Sqlite;

namespace Mail.Host.Plugins.Sqlite;

/// <summary>
/// The one writer of a database: a dedicated thread that owns the write connection and commits in groups.
/// Callers queue their work and wait; the thread takes whatever is pending (no lingering for more), applies it
/// in one transaction, each request under its own savepoint so that one whose assertion fails or that throws is
/// undone alone, commits once (one log sync for the whole group) and then completes every waiter.
/// </summary>
internal sealed class SqliteWriter : IAsyncDisposable
{
    /// <summary>The most requests in one group.</summary>
    public const int MaxGroupRequests = 256;

    /// <summary>About the most bytes one group writes; a single larger request still goes through, alone.</summary>
    public const long MaxGroupBytes = 32L * 1024 * 1024;

    private readonly object gate = new();
    private readonly Queue<WriteRequest> pending = new();
    private readonly PreparedConnection db;
    private readonly SqliteWriteScope scope;
    private readonly string path;
    private readonly Task loop;
    private bool closing;

    /// <summary>Starts the writer thread on an open connection, which it then owns.</summary>
    /// <param name="db">The write connection.</param>
    /// <param name="tables">The shared record of existing tables.</param>
    /// <param name="path">The database file, for messages.</param>
    public SqliteWriter(PreparedConnection db, SqliteTables tables, string path)
    {
        this.db = db;
        this.path = path;
        scope = new SqliteWriteScope(db, tables);

        // A thread of its own: every group ends in an fsync, which must not hold a thread-pool thread.
        loop = Task.Factory.StartNew(Run, CancellationToken.None, TaskCreationOptions.LongRunning | TaskCreationOptions.DenyChildAttach, TaskScheduler.Default);
    }

    /// <summary>Queues a request for the next group.</summary>
    /// <param name="request">The request.</param>
    /// <exception cref="ObjectDisposedException">The store is closing.</exception>
    public void Enqueue(WriteRequest request)
    {
        lock (gate)
        {
            ObjectDisposedException.ThrowIf(closing, this);
            pending.Enqueue(request);
            Monitor.Pulse(gate);
        }
    }

    /// <summary>Stops taking requests, finishes those already queued, and closes the connection.</summary>
    /// <returns>A task that completes when the writer has stopped.</returns>
    public async ValueTask DisposeAsync()
    {
        lock (gate)
        {
            closing = true;
            Monitor.Pulse(gate);
        }

        await loop.ConfigureAwait(false);
        db.Dispose();
    }

    private void Run()
    {
        var group = new List<WriteRequest>(MaxGroupRequests);
        while (Take(group))
        {
            try
            {
                Process(group);
            }
            catch (Exception ex)
            {
                // Whatever went wrong, no caller may be left waiting, and the thread must go on serving, so no
                // transaction may stay open either.
                TryRollback();
                foreach (var request in group)
                {
                    request.Fail(ex);
                }
            }

            group.Clear();
        }
    }

    /// <summary>Waits for work and takes what is pending, up to the group's limits.</summary>
    private bool Take(List<WriteRequest> group)
    {
        lock (gate)
        {
            while (pending.Count == 0)
            {
                if (closing)
                {
                    return false;
                }

                Monitor.Wait(gate);
            }

            long bytes = 0;
            while (pending.Count > 0 && group.Count < MaxGroupRequests && (group.Count == 0 || bytes + pending.Peek().Size <= MaxGroupBytes))
            {
                var request = pending.Dequeue();
                bytes += request.Size;
                group.Add(request);
            }

            return true;
        }
    }

    private void Process(List<WriteRequest> group)
    {
        var transactional = new List<WriteRequest>(group.Count);
        var afterwards = new List<WriteRequest>();
        foreach (var request in group)
        {
            if (request.CancellationToken.IsCancellationRequested)
            {
                // Not applied yet, so cancelling is still honest.
                request.Cancel();
            }
            else
            {
                (request.IsTransactional ? transactional : afterwards).Add(request);
            }
        }

        if (transactional.Count > 0)
        {
            CommitGroup(transactional);
        }

        foreach (var request in afterwards)
        {
            try
            {
                request.Apply(scope);
                request.Publish();
            }
            catch (SqliteException ex)
            {
                request.Fail(SqliteErrors.Translate(ex, path));
            }
        }
    }

    private void CommitGroup(List<WriteRequest> requests)
    {
        scope.BeginGroup();
        try
        {
            db.Execute("BEGIN IMMEDIATE");
        }
        catch (SqliteException ex)
        {
            FailAll(requests, ex);
            return;
        }

        foreach (var request in requests)
        {
            scope.BeginBatch();
            try
            {
                db.Execute("SAVEPOINT batch");
                if (request.Apply(scope))
                {
                    db.Execute("RELEASE batch");
                    scope.KeepBatch();
                }
                else
                {
                    UndoBatch();
                }
            }
            catch (SqliteException ex) when (SqliteErrors.IsTransient(ex))
            {
                // A full or failing disk may already have rolled the whole transaction back; the group is lost.
                Abandon(requests, ex);
                return;
            }
            catch (Exception ex)
            {
                // This batch alone is at fault (a value that is not a counter, an overflow): undo it, keep the others.
                try
                {
                    UndoBatch();
                }
                catch (Exception undo) when (undo is SqliteException or InvalidOperationException)
                {
                    Abandon(requests, undo);
                    return;
                }

                request.SetError(ex);
            }
        }

        try
        {
            db.Execute("COMMIT");
        }
        catch (SqliteException ex)
        {
            Abandon(requests, ex);
            return;
        }

        scope.CommitGroup();
        foreach (var request in requests)
        {
            request.Publish();
        }
    }

    private void UndoBatch()
    {
        db.Execute("ROLLBACK TO batch");
        db.Execute("RELEASE batch");
    }

    private void Abandon(List<WriteRequest> requests, Exception exception)
    {
        TryRollback();
        FailAll(requests, exception);
    }

    private void TryRollback()
    {
        try
        {
            db.Execute("ROLLBACK");
        }
        catch (SqliteException)
        {
            // SQLite rolls back on its own after some failures; there is then no transaction left to end.
        }
    }

    private void FailAll(List<WriteRequest> requests, Exception exception)
    {
        foreach (var request in requests)
        {
            // Translated per caller, so that each caller of a transient failure gets an exception object of its own.
            request.Fail(exception is SqliteException sqlite ? SqliteErrors.Translate(sqlite, path) : exception);
        }
    }
}
