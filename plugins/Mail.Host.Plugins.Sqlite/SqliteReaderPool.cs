using Microsoft.Data.Sqlite;

namespace Mail.Host.Plugins.Sqlite;

/// <summary>
/// A few read connections, opened as needed and kept. Write-ahead logging lets them read beside the writer, each
/// statement seeing the last commit. The number open at once is capped, so a burst of reads waits rather than
/// opening a connection per caller.
/// </summary>
internal sealed class SqliteReaderPool : IDisposable
{
    private readonly object gate = new();
    private readonly Stack<PreparedConnection> idle = new();
    private readonly SemaphoreSlim slots;
    private readonly SqliteStoreOptions options;
    private bool disposed;

    /// <summary>Creates an empty pool.</summary>
    /// <param name="options">The database the connections open.</param>
    /// <param name="size">The most connections open at once.</param>
    public SqliteReaderPool(SqliteStoreOptions options, int size)
    {
        this.options = options;
        slots = new SemaphoreSlim(size, size);
    }

    /// <summary>Runs a read on a pooled connection.</summary>
    /// <typeparam name="T">The result.</typeparam>
    /// <param name="read">The read; it must not keep the connection.</param>
    /// <param name="cancellationToken">Cancels waiting for a connection.</param>
    /// <returns>The read's result.</returns>
    public async ValueTask<T> ReadAsync<T>(Func<PreparedConnection, T> read, CancellationToken cancellationToken)
    {
        await slots.WaitAsync(cancellationToken).ConfigureAwait(false);
        PreparedConnection? db = null;
        try
        {
            lock (gate)
            {
                ObjectDisposedException.ThrowIf(disposed, this);
                idle.TryPop(out db);
            }

            db ??= PreparedConnection.Open(options, forWriting: false);
            return read(db);
        }
        catch (SqliteException ex)
        {
            // A connection that failed may be in any state; it is closed rather than reused.
            db?.Dispose();
            db = null;
            throw SqliteErrors.Translate(ex, options.DatabasePath);
        }
        finally
        {
            if (db is not null)
            {
                Return(db);
            }

            slots.Release();
        }
    }

    /// <summary>Closes every idle connection; those in use are closed when they come back.</summary>
    public void Dispose()
    {
        lock (gate)
        {
            disposed = true;
            while (idle.TryPop(out var db))
            {
                db.Dispose();
            }
        }
    }

    private void Return(PreparedConnection db)
    {
        lock (gate)
        {
            if (!disposed)
            {
                idle.Push(db);
                return;
            }
        }

        db.Dispose();
    }
}
