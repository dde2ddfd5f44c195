using Mail.Host.Storage;

namespace Mail.Host.Engine.Tests;

/// <summary>A full-text store that fails every call, standing in for a process that stops before the index write.</summary>
internal sealed class FailingFullTextStore : IFullTextStore
{
    public ValueTask IndexAsync(FullTextDocument document, CancellationToken cancellationToken = default)
        => throw new InvalidOperationException("The index is unreachable.");

    public ValueTask<IReadOnlyList<ulong>> QueryAsync(ulong accountId, FullTextFilter filter, CancellationToken cancellationToken = default)
        => throw new InvalidOperationException("The index is unreachable.");

    public ValueTask RemoveAsync(ulong accountId, ulong documentId, CancellationToken cancellationToken = default)
        => throw new InvalidOperationException("The index is unreachable.");

    public ValueTask RemoveAccountAsync(ulong accountId, CancellationToken cancellationToken = default)
        => throw new InvalidOperationException("The index is unreachable.");
}
