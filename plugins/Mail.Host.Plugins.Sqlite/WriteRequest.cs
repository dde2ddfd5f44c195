namespace Mail.Host.Plugins.Sqlite;

/// <summary>
/// Work queued for the writer: applied inside a group's transaction, its outcome held back until the group's
/// commit is durable, then handed to the waiting caller.
/// </summary>
internal abstract class WriteRequest(CancellationToken cancellationToken)
{
    private Exception? error;

    /// <summary>The caller's token; a request cancelled before the writer takes it up is dropped unapplied.</summary>
    public CancellationToken CancellationToken { get; } = cancellationToken;

    /// <summary>About how many bytes the request writes, so that one group's transaction stays bounded.</summary>
    public abstract long Size { get; }

    /// <summary>Whether the request runs inside the group's transaction; a checkpoint cannot.</summary>
    public virtual bool IsTransactional => true;

    /// <summary>
    /// Applies the request inside the open transaction. Returns <see langword="false"/> when its changes must be
    /// undone (an assertion did not hold); an exception undoes them too and is handed to the caller.
    /// </summary>
    /// <param name="writer">The writer's db and table bookkeeping.</param>
    /// <returns>Whether the changes stay.</returns>
    public abstract bool Apply(SqliteWriteScope writer);

    /// <summary>Remembers a failure of this request alone, handed to the caller by <see cref="Publish"/>.</summary>
    /// <param name="exception">The failure.</param>
    public void SetError(Exception exception) => error = exception;

    /// <summary>Hands the outcome to the caller once it is durable (or failed).</summary>
    public void Publish()
    {
        if (error is not null)
        {
            Fail(error);
        }
        else
        {
            Succeed();
        }
    }

    /// <summary>Completes the caller's task with the outcome <see cref="Apply"/> worked out.</summary>
    protected abstract void Succeed();

    /// <summary>Completes the caller's task with a failure.</summary>
    /// <param name="exception">The failure.</param>
    public abstract void Fail(Exception exception);

    /// <summary>Completes the caller's task as cancelled.</summary>
    public abstract void Cancel();
}
