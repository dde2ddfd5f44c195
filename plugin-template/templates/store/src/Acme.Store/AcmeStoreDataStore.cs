using System.Runtime.CompilerServices;
using Mail.Host.Storage;

namespace Acme.Store;

/// <summary>
/// An ordered key-value store: each subspace is a list of entries sorted by key, held in memory, and every change
/// is appended to a journal file (when the store has one) and synced before the call that made it returns; opening
/// the store again replays the journal. One lock serialises writes, which makes a batch atomic and its assertions
/// exact. This is the class to replace with a real backend: the conformance tests say what it must keep doing.
/// </summary>
public sealed class AcmeStoreDataStore : IDataStore, IDisposable
{
    private readonly Lock gate = new();
    private readonly Dictionary<string, List<KeyValueEntry>> subspaces = new(StringComparer.Ordinal);
    private readonly AcmeStoreJournal? journal;

    private AcmeStoreDataStore(string? journalPath)
    {
        if (journalPath is not null)
        {
            journal = AcmeStoreJournal.Open(journalPath, Apply);
        }
    }

    /// <inheritdoc />
    public int MaxKeySize => 4 * 1024;

    /// <inheritdoc />
    public int MaxValueSize => 1024 * 1024;

    /// <summary>Opens a store kept in <paramref name="journalPath"/>, or in memory only when it is <see langword="null"/>.</summary>
    /// <param name="journalPath">The journal file; created when absent.</param>
    /// <returns>The open store.</returns>
    public static AcmeStoreDataStore Open(string? journalPath) => new(journalPath);

    /// <inheritdoc />
    public ValueTask<byte[]?> GetAsync(string subspace, ReadOnlyMemory<byte> key, CancellationToken cancellationToken = default)
    {
        SubspaceName.Validate(subspace);
        cancellationToken.ThrowIfCancellationRequested();
        lock (gate)
        {
            // Stored arrays are never changed in place, but the caller may change the copy it gets.
            return ValueTask.FromResult(Read(subspace, key.Span)?.ToArray());
        }
    }

    /// <inheritdoc />
    public IAsyncEnumerable<KeyValueEntry> ScanAsync(string subspace, KeyRange range, CancellationToken cancellationToken = default)
    {
        SubspaceName.Validate(subspace);
        ArgumentNullException.ThrowIfNull(range);
        return ScanCoreAsync(subspace, range, cancellationToken);
    }

    /// <inheritdoc />
    public ValueTask<CommitResult> CommitAsync(WriteBatch batch, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(batch);
        foreach (var operation in batch)
        {
            DataStoreLimits.Validate(operation, MaxKeySize, MaxValueSize);
        }

        cancellationToken.ThrowIfCancellationRequested();
        lock (gate)
        {
            foreach (var operation in batch.Where(o => o.Kind == BatchOperationKind.Assert))
            {
                var current = Read(operation.Subspace, operation.Key);
                var holds = operation.Value is null ? current is null : current is not null && current.AsSpan().SequenceEqual(operation.Value);
                if (!holds)
                {
                    return ValueTask.FromResult(CommitResult.AssertionFailed);
                }
            }

            // Every new value is worked out before anything is written, so a failing increment (a key that holds
            // something other than a counter, or an overflow) leaves the store as it was.
            var changes = new Dictionary<(string Subspace, string Key), AcmeStoreJournal.Change>();
            foreach (var operation in batch.Where(o => o.Kind != BatchOperationKind.Assert))
            {
                var slot = (operation.Subspace, Convert.ToHexString(operation.Key));
                byte[]? value = operation.Kind switch
                {
                    BatchOperationKind.Set => operation.Value!.ToArray(),
                    BatchOperationKind.Increment => Counter.Encode(checked(Counter.Decode(
                        changes.TryGetValue(slot, out var pending) ? pending.Value : Read(operation.Subspace, operation.Key)) + operation.Delta)),
                    _ => null,
                };
                changes[slot] = new(operation.Subspace, operation.Key.ToArray(), value);
            }

            Write([.. changes.Values]);
        }

        return ValueTask.FromResult(CommitResult.Committed);
    }

    /// <inheritdoc />
    public ValueTask<long> IncrementAsync(string subspace, ReadOnlyMemory<byte> key, long delta, CancellationToken cancellationToken = default)
    {
        SubspaceName.Validate(subspace);
        DataStoreLimits.CheckKeySize(key.Length, MaxKeySize);
        cancellationToken.ThrowIfCancellationRequested();
        lock (gate)
        {
            var value = checked(Counter.Decode(Read(subspace, key.Span)) + delta);
            Write([new(subspace, key.ToArray(), Counter.Encode(value))]);
            return ValueTask.FromResult(value);
        }
    }

    /// <summary>Closes the journal.</summary>
    public void Dispose()
    {
        lock (gate)
        {
            journal?.Dispose();
        }
    }

    private async IAsyncEnumerable<KeyValueEntry> ScanCoreAsync(string subspace, KeyRange range, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        foreach (var entry in Snapshot(subspace, range))
        {
            cancellationToken.ThrowIfCancellationRequested();
            yield return entry;
        }

        await Task.CompletedTask.ConfigureAwait(false);
    }

    /// <summary>
    /// Copies the entries a scan returns while holding the lock, so the caller may write to the store while it
    /// reads the scan.
    /// </summary>
    private List<KeyValueEntry> Snapshot(string subspace, KeyRange range)
    {
        var result = new List<KeyValueEntry>();
        lock (gate)
        {
            if (!subspaces.TryGetValue(subspace, out var entries))
            {
                return result;
            }

            var first = LowerBound(entries, range.Start);
            var end = range.End is null ? entries.Count : LowerBound(entries, range.End);
            for (var i = 0; i < end - first && result.Count < range.Limit; i++)
            {
                var entry = entries[range.Reverse ? end - 1 - i : first + i];
                result.Add(new(entry.Key.ToArray(), entry.Value.ToArray()));
            }
        }

        return result;
    }

    /// <summary>Makes changes durable (journal first), then visible. Called with the lock held.</summary>
    private void Write(IReadOnlyList<AcmeStoreJournal.Change> changes)
    {
        journal?.Append(changes);
        foreach (var change in changes)
        {
            Apply(change);
        }
    }

    private void Apply(AcmeStoreJournal.Change change)
    {
        if (!subspaces.TryGetValue(change.Subspace, out var entries))
        {
            entries = [];
            subspaces.Add(change.Subspace, entries);
        }

        var index = LowerBound(entries, change.Key);
        var found = index < entries.Count && entries[index].Key.AsSpan().SequenceEqual(change.Key);
        if (change.Value is null)
        {
            if (found)
            {
                entries.RemoveAt(index);
            }
        }
        else if (found)
        {
            entries[index] = new(entries[index].Key, change.Value);
        }
        else
        {
            entries.Insert(index, new(change.Key, change.Value));
        }
    }

    private byte[]? Read(string subspace, ReadOnlySpan<byte> key)
    {
        if (!subspaces.TryGetValue(subspace, out var entries))
        {
            return null;
        }

        var index = LowerBound(entries, key);
        return index < entries.Count && entries[index].Key.AsSpan().SequenceEqual(key) ? entries[index].Value : null;
    }

    /// <summary>The index of the first entry whose key is not less than <paramref name="key"/> (unsigned byte order).</summary>
    private static int LowerBound(List<KeyValueEntry> entries, ReadOnlySpan<byte> key)
    {
        int low = 0, high = entries.Count;
        while (low < high)
        {
            var middle = low + ((high - low) / 2);
            if (entries[middle].Key.AsSpan().SequenceCompareTo(key) < 0)
            {
                low = middle + 1;
            }
            else
            {
                high = middle;
            }
        }

        return low;
    }
}
