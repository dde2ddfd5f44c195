namespace Mail.Host.Plugins.Sqlite;

/// <summary>
/// A flush: copies the write-ahead log into the database file and truncates the log. It runs on the writer, after
/// the group's commit, because a checkpoint cannot run inside a transaction.
/// </summary>
internal sealed class CheckpointRequest(CancellationToken cancellationToken) : WriteRequest(cancellationToken)
{
    private readonly TaskCompletionSource completion = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Completes when the checkpoint has run.</summary>
    public Task Task => completion.Task;

    /// <inheritdoc />
    public override long Size => 0;

    /// <inheritdoc />
    public override bool IsTransactional => false;

    /// <inheritdoc />
    public override bool Apply(SqliteWriteScope writer)
    {
        // A reader still holding an old snapshot can keep the log from being truncated; the data is durable
        // anyway (every commit synced the log), so a partial checkpoint is not an error.
        writer.Db.Execute("PRAGMA wal_checkpoint(TRUNCATE)");
        return true;
    }

    /// <inheritdoc />
    protected override void Succeed() => completion.TrySetResult();

    /// <inheritdoc />
    public override void Fail(Exception exception) => completion.TrySetException(exception);

    /// <inheritdoc />
    public override void Cancel() => completion.TrySetCanceled(CancellationToken);
}
