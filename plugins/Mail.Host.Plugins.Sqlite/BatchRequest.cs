using Mail.Host.Storage;

namespace Mail.Host.Plugins.Sqlite;

/// <summary>A <see cref="WriteBatch"/> waiting for the writer.</summary>
internal sealed class BatchRequest(WriteBatch batch, long size, CancellationToken cancellationToken) : WriteRequest(cancellationToken)
{
    // Continuations run elsewhere so that callers never run on the writer's thread.
    private readonly TaskCompletionSource<CommitResult> completion = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private CommitResult result;

    /// <summary>Completes when the batch is durable, or failed, or its assertion did not hold.</summary>
    public Task<CommitResult> Task => completion.Task;

    /// <inheritdoc />
    public override long Size => size;

    /// <inheritdoc />
    public override bool Apply(SqliteWriteScope writer)
    {
        foreach (var operation in batch)
        {
            writer.EnsureTable(operation.Subspace);
        }

        // Assertions see the state before this batch (which includes earlier batches of the group).
        foreach (var operation in batch)
        {
            if (operation.Kind == BatchOperationKind.Assert && !Holds(writer, operation))
            {
                result = CommitResult.AssertionFailed;
                return false;
            }
        }

        foreach (var operation in batch)
        {
            switch (operation.Kind)
            {
                case BatchOperationKind.Set:
                    writer.Put(operation.Subspace, operation.Key, operation.Value!);
                    break;
                case BatchOperationKind.Delete:
                    writer.Delete(operation.Subspace, operation.Key);
                    break;
                case BatchOperationKind.Increment:
                    writer.Add(operation.Subspace, operation.Key, operation.Delta);
                    break;
            }
        }

        result = CommitResult.Committed;
        return true;
    }

    /// <inheritdoc />
    protected override void Succeed() => completion.TrySetResult(result);

    /// <inheritdoc />
    public override void Fail(Exception exception) => completion.TrySetException(exception);

    /// <inheritdoc />
    public override void Cancel() => completion.TrySetCanceled(CancellationToken);

    private static bool Holds(SqliteWriteScope writer, BatchOperation assertion)
    {
        var current = writer.Get(assertion.Subspace, assertion.Key);
        return assertion.Value is null ? current is null : current is not null && current.AsSpan().SequenceEqual(assertion.Value);
    }
}
