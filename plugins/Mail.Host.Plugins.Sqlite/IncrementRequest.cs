namespace Mail.Host.Plugins.Sqlite;

/// <summary>An <c>IncrementAsync</c> call waiting for the writer.</summary>
internal sealed class IncrementRequest(string subspace, byte[] key, long delta, CancellationToken cancellationToken) : WriteRequest(cancellationToken)
{
    private readonly TaskCompletionSource<long> completion = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private long value;

    /// <summary>Completes with the counter's new value once it is durable.</summary>
    public Task<long> Task => completion.Task;

    /// <inheritdoc />
    public override long Size => key.Length + sizeof(long);

    /// <inheritdoc />
    public override bool Apply(SqliteWriteScope writer)
    {
        writer.EnsureTable(subspace);
        value = writer.Add(subspace, key, delta);
        return true;
    }

    /// <inheritdoc />
    protected override void Succeed() => completion.TrySetResult(value);

    /// <inheritdoc />
    public override void Fail(Exception exception) => completion.TrySetException(exception);

    /// <inheritdoc />
    public override void Cancel() => completion.TrySetCanceled(CancellationToken);
}
