using System.Collections.Concurrent;
using Mail.Host.Storage;

namespace Mail.Host.Engine.Tests;

/// <summary>
/// A data store that passes every call to another and records it, and lets a test step in before a commit, so that
/// tests can see what an adapter reads and writes and stage a race at an exact point.
/// </summary>
internal sealed class RecordingDataStore(IDataStore inner) : IDataStore
{
    public IDataStore Inner { get; } = inner;

    public ConcurrentQueue<(string Subspace, byte[] Key)> Gets { get; } = new();

    public ConcurrentQueue<(string Subspace, KeyRange Range)> Scans { get; } = new();

    public ConcurrentQueue<WriteBatch> Commits { get; } = new();

    /// <summary>Runs before each commit; a result other than null is returned instead of committing.</summary>
    public Func<WriteBatch, ValueTask<CommitResult?>>? BeforeCommit { get; set; }

    public int MaxKeySize => Inner.MaxKeySize;

    public int MaxValueSize => Inner.MaxValueSize;

    public ValueTask<byte[]?> GetAsync(string subspace, ReadOnlyMemory<byte> key, CancellationToken cancellationToken = default)
    {
        Gets.Enqueue((subspace, key.ToArray()));
        return Inner.GetAsync(subspace, key, cancellationToken);
    }

    public IAsyncEnumerable<KeyValueEntry> ScanAsync(string subspace, KeyRange range, CancellationToken cancellationToken = default)
    {
        Scans.Enqueue((subspace, range));
        return Inner.ScanAsync(subspace, range, cancellationToken);
    }

    public async ValueTask<CommitResult> CommitAsync(WriteBatch batch, CancellationToken cancellationToken = default)
    {
        if (BeforeCommit is { } hook && await hook(batch) is { } forced)
        {
            return forced;
        }

        var result = await Inner.CommitAsync(batch, cancellationToken);
        if (result == CommitResult.Committed)
        {
            Commits.Enqueue(batch);
        }

        return result;
    }

    public ValueTask<long> IncrementAsync(string subspace, ReadOnlyMemory<byte> key, long delta, CancellationToken cancellationToken = default)
        => Inner.IncrementAsync(subspace, key, delta, cancellationToken);

    /// <summary>Every entry of a subspace, read straight from the inner store.</summary>
    public async Task<List<KeyValueEntry>> EntriesAsync(string subspace)
    {
        var entries = new List<KeyValueEntry>();
        await foreach (var entry in Inner.ScanAsync(subspace, KeyRange.All()))
        {
            entries.Add(entry);
        }

        return entries;
    }

    public void Clear()
    {
        Gets.Clear();
        Scans.Clear();
        Commits.Clear();
    }
}
