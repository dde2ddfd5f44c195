using Mail.Host.Storage;

namespace Mail.Host.Engine.Tests;

/// <summary>
/// A full-text store whose document writes wait until <see cref="Open"/> is called, standing in for an index that is
/// slower than deliveries; queries and removals go straight through.
/// </summary>
internal sealed class GatedFullTextStore(IFullTextStore inner) : IFullTextStore
{
    private readonly TaskCompletionSource gate = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int written;

    /// <summary>The documents written so far.</summary>
    public int Written => Volatile.Read(ref written);

    /// <summary>Lets every waiting and later document write through.</summary>
    public void Open() => gate.TrySetResult();

    public async ValueTask IndexAsync(FullTextDocument document, CancellationToken cancellationToken = default)
    {
        await gate.Task.WaitAsync(cancellationToken);
        await inner.IndexAsync(document, cancellationToken);
        Interlocked.Increment(ref written);
    }

    public ValueTask<IReadOnlyList<ulong>> QueryAsync(ulong accountId, FullTextFilter filter, CancellationToken cancellationToken = default)
        => inner.QueryAsync(accountId, filter, cancellationToken);

    public ValueTask RemoveAsync(ulong accountId, ulong documentId, CancellationToken cancellationToken = default)
        => inner.RemoveAsync(accountId, documentId, cancellationToken);

    public ValueTask RemoveAccountAsync(ulong accountId, CancellationToken cancellationToken = default)
        => inner.RemoveAccountAsync(accountId, cancellationToken);
}
