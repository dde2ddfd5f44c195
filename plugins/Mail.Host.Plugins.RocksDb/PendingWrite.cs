using Mail.Host.Storage;

namespace Mail.Host.Plugins.RocksDb;

/// <summary>One caller's batch waiting in the group-commit queue, and the task the caller awaits.</summary>
internal sealed class PendingWrite
{
    /// <summary>Creates a pending write.</summary>
    /// <param name="operations">The batch's entries, copied so that a caller changing its batch later changes nothing.</param>
    /// <param name="size">The bytes of keys and values, to bound the size of one group's write.</param>
    /// <param name="cancellationToken">Honoured until the writer takes the batch.</param>
    public PendingWrite(BatchOperation[] operations, long size, CancellationToken cancellationToken)
    {
        Operations = operations;
        Size = size;
        CancellationToken = cancellationToken;
    }

    public BatchOperation[] Operations { get; }

    public long Size { get; }

    public CancellationToken CancellationToken { get; }

    // Continuations run on the thread pool: the writer thread completes hundreds of these per group and must
    // not run the callers' code.
    public TaskCompletionSource<WriteOutcome> Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
}
