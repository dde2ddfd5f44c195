using System.Collections.Concurrent;
using Mail.Host.Storage;

namespace Mail.Host.Engine.Tests;

/// <summary>
/// A data store over another that claims the limits it is given (by default the smallest the contract allows),
/// refuses any key or value over them as a strict backend would, counts reads and commits per subspace, and can be
/// told to fail after a number of commits, as a crash part way through a multi-commit write would.
/// </summary>
internal sealed class FullTextRecordingDataStore(
    IDataStore inner,
    int maxKeySize = DataStoreLimits.MinimumMaxKeySize,
    int maxValueSize = DataStoreLimits.MinimumMaxValueSize) : IDataStore
{
    private readonly ConcurrentDictionary<string, int> scans = new(StringComparer.Ordinal);
    private int commits;
    private int gets;
    private int largestKey;
    private int largestValue;
    private int largestCommit;

    public int MaxKeySize => maxKeySize;

    public int MaxValueSize => maxValueSize;

    /// <summary>The commits that reached the inner store.</summary>
    public int Commits => Volatile.Read(ref commits);

    /// <summary>Point reads of any subspace.</summary>
    public int Gets => Volatile.Read(ref gets);

    /// <summary>The longest key written.</summary>
    public int LargestKey => Volatile.Read(ref largestKey);

    /// <summary>The longest value written.</summary>
    public int LargestValue => Volatile.Read(ref largestValue);

    /// <summary>The most operations in one commit.</summary>
    public int LargestCommit => Volatile.Read(ref largestCommit);

    /// <summary>When set, every commit after this many more throws <see cref="StoreUnavailableException"/>.</summary>
    public int? CommitsBeforeFailure { get; set; }

    /// <summary>Runs before each commit reaches the inner store; a test can hold a writer there.</summary>
    public Func<WriteBatch, Task>? BeforeCommit { get; set; }

    /// <summary>Scans started on a subspace.</summary>
    /// <param name="subspace">The subspace.</param>
    /// <returns>The count.</returns>
    public int ScansOf(string subspace) => scans.GetValueOrDefault(subspace);

    /// <summary>Forgets the read counters.</summary>
    public void ResetReads()
    {
        scans.Clear();
        Volatile.Write(ref gets, 0);
    }

    public ValueTask<byte[]?> GetAsync(string subspace, ReadOnlyMemory<byte> key, CancellationToken cancellationToken = default)
    {
        Interlocked.Increment(ref gets);
        return inner.GetAsync(subspace, key, cancellationToken);
    }

    public IAsyncEnumerable<KeyValueEntry> ScanAsync(string subspace, KeyRange range, CancellationToken cancellationToken = default)
    {
        scans.AddOrUpdate(subspace, 1, (_, count) => count + 1);
        return inner.ScanAsync(subspace, range, cancellationToken);
    }

    public async ValueTask<CommitResult> CommitAsync(WriteBatch batch, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(batch);
        if (BeforeCommit is { } hook)
        {
            await hook(batch);
        }

        if (CommitsBeforeFailure is { } remaining)
        {
            if (remaining <= 0)
            {
                throw new StoreUnavailableException("The test store was told to fail here.");
            }

            CommitsBeforeFailure = remaining - 1;
        }

        foreach (var operation in batch)
        {
            if (operation.Key.Length > maxKeySize)
            {
                throw new ArgumentException($"A key of {operation.Key.Length} bytes is over the {maxKeySize} this store accepts.", nameof(batch));
            }

            if (operation.Kind == BatchOperationKind.Set && operation.Value!.Length > maxValueSize)
            {
                throw new ArgumentException($"A value of {operation.Value.Length} bytes is over the {maxValueSize} this store accepts.", nameof(batch));
            }

            Raise(ref largestKey, operation.Key.Length);
            if (operation.Kind == BatchOperationKind.Set)
            {
                Raise(ref largestValue, operation.Value!.Length);
            }
        }

        Raise(ref largestCommit, batch.Count);
        Interlocked.Increment(ref commits);
        return await inner.CommitAsync(batch, cancellationToken);
    }

    public ValueTask<long> IncrementAsync(string subspace, ReadOnlyMemory<byte> key, long delta, CancellationToken cancellationToken = default)
        => inner.IncrementAsync(subspace, key, delta, cancellationToken);

    private static void Raise(ref int field, int value)
    {
        var current = Volatile.Read(ref field);
        while (value > current)
        {
            var seen = Interlocked.CompareExchange(ref field, value, current);
            if (seen == current)
            {
                return;
            }

            current = seen;
        }
    }
}
