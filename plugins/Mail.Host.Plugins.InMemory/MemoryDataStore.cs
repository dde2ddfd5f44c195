using System.Runtime.CompilerServices;
using Mail.Host.Storage;

namespace Mail.Host.Plugins.InMemory;

/// <summary>
/// An ordered key-value store held in process memory: one sorted tree per subspace, guarded by a single lock so
/// that a batch spanning several subspaces is applied atomically. Everything is lost when the process exits.
/// Keys and values are copied on the way in and on the way out, so callers may reuse their buffers. An increment
/// of a key that holds something other than a <see cref="Counter"/> throws <see cref="FormatException"/>, and one
/// that would overflow throws <see cref="OverflowException"/>; either way the batch or counter is left as it was.
/// </summary>
public sealed class MemoryDataStore : IDataStore
{
    private readonly Lock gate = new();
    private readonly Dictionary<string, SortedSet<Entry>> subspaces = new(StringComparer.Ordinal);

    /// <summary>The longest key accepted, in bytes.</summary>
    public const int KeySizeLimit = 8 * 1024;

    /// <summary>The longest value accepted, in bytes; larger data is chunked by the engine.</summary>
    public const int ValueSizeLimit = 4 * 1024 * 1024;

    /// <inheritdoc />
    public int MaxKeySize => KeySizeLimit;

    /// <inheritdoc />
    public int MaxValueSize => ValueSizeLimit;

    /// <inheritdoc />
    public ValueTask<byte[]?> GetAsync(string subspace, ReadOnlyMemory<byte> key, CancellationToken cancellationToken = default)
    {
        SubspaceName.Validate(subspace);
        cancellationToken.ThrowIfCancellationRequested();
        byte[]? value;
        lock (gate)
        {
            value = subspaces.TryGetValue(subspace, out var tree) && tree.TryGetValue(Entry.Probe(key.ToArray()), out var entry)
                ? entry.Value
                : null;
        }

        // Stored arrays are never changed in place, so the copy can be made outside the lock.
        return ValueTask.FromResult(value is null ? null : (byte[]?)value.AsSpan().ToArray());
    }

    /// <inheritdoc />
    public IAsyncEnumerable<KeyValueEntry> ScanAsync(string subspace, KeyRange range, CancellationToken cancellationToken = default)
    {
        // Checked here rather than in the iterator so that a bad call fails where it is made.
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
            foreach (var operation in batch)
            {
                if (operation.Kind == BatchOperationKind.Assert && !Holds(operation))
                {
                    return ValueTask.FromResult(CommitResult.AssertionFailed);
                }
            }

            // The new values are worked out before anything is written, so that a failure part way (a counter
            // key holding something that is not a counter) leaves the store as it was.
            var staged = new Dictionary<(string Subspace, byte[] Key), byte[]?>(StagedKeyComparer.Instance);
            foreach (var operation in batch)
            {
                var slot = (operation.Subspace, operation.Key);
                switch (operation.Kind)
                {
                    case BatchOperationKind.Set:
                        staged[slot] = operation.Value!.AsSpan().ToArray();
                        break;
                    case BatchOperationKind.Delete:
                        staged[slot] = null;
                        break;
                    case BatchOperationKind.Increment:
                        var current = staged.TryGetValue(slot, out var pending) ? pending : Read(operation.Subspace, operation.Key);
                        staged[slot] = Counter.Encode(checked(Counter.Decode(current) + operation.Delta));
                        break;
                }
            }

            foreach (var ((subspace, key), value) in staged)
            {
                Write(subspace, key, value);
            }
        }

        return ValueTask.FromResult(CommitResult.Committed);
    }

    /// <inheritdoc />
    public ValueTask<long> IncrementAsync(string subspace, ReadOnlyMemory<byte> key, long delta, CancellationToken cancellationToken = default)
    {
        SubspaceName.Validate(subspace);
        DataStoreLimits.CheckKeySize(key.Length, MaxKeySize);
        cancellationToken.ThrowIfCancellationRequested();
        var keyCopy = key.ToArray();
        long result;
        lock (gate)
        {
            result = checked(Counter.Decode(Read(subspace, keyCopy)) + delta);
            Write(subspace, keyCopy, Counter.Encode(result));
        }

        return ValueTask.FromResult(result);
    }

    private async IAsyncEnumerable<KeyValueEntry> ScanCoreAsync(string subspace, KeyRange range, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var snapshot = Snapshot(subspace, range);

        // The lock is not held here: a consumer that writes to the store while scanning must not deadlock.
        foreach (var entry in snapshot)
        {
            cancellationToken.ThrowIfCancellationRequested();
            yield return new(entry.Key.AsSpan().ToArray(), entry.Value.AsSpan().ToArray());
        }

        // Nothing above waits; this keeps the method an async iterator without a compiler warning.
        await Task.CompletedTask.ConfigureAwait(false);
    }

    private List<Entry> Snapshot(string subspace, KeyRange range)
    {
        var result = new List<Entry>();
        var end = range.End is null ? Entry.Last : Entry.Probe(range.End);
        var start = Entry.Probe(range.Start);
        if (range.Limit == 0 || EntryComparer.Instance.Compare(start, end) >= 0)
        {
            return result;
        }

        lock (gate)
        {
            if (!subspaces.TryGetValue(subspace, out var tree))
            {
                return result;
            }

            // The view's bounds are both inclusive; the end key itself is skipped below.
            var view = tree.GetViewBetween(start, end);
            foreach (var entry in range.Reverse ? view.Reverse() : view)
            {
                if (ReferenceEquals(end, Entry.Last) || EntryComparer.Instance.Compare(entry, end) < 0)
                {
                    result.Add(new(entry.Key, entry.Value));
                    if (result.Count == range.Limit)
                    {
                        break;
                    }
                }
            }
        }

        return result;
    }



    private bool Holds(BatchOperation assertion)
    {
        var current = Read(assertion.Subspace, assertion.Key);
        return assertion.Value is null ? current is null : current is not null && current.AsSpan().SequenceEqual(assertion.Value);
    }

    private byte[]? Read(string subspace, byte[] key)
        => subspaces.TryGetValue(subspace, out var tree) && tree.TryGetValue(Entry.Probe(key), out var entry) ? entry.Value : null;

    private void Write(string subspace, byte[] key, byte[]? value)
    {
        if (!subspaces.TryGetValue(subspace, out var tree))
        {
            if (value is null)
            {
                return;
            }

            tree = new SortedSet<Entry>(EntryComparer.Instance);
            subspaces.Add(subspace, tree);
        }

        if (value is null)
        {
            tree.Remove(Entry.Probe(key));
        }
        else if (!tree.Add(new(key, value)) && tree.TryGetValue(Entry.Probe(key), out var existing))
        {
            // Adding first costs one walk of the tree for a new key, the common case.
            existing.Value = value;
        }
    }

    /// <summary>A stored pair. The value is replaced, never changed in place, so readers may keep the array.</summary>
    private sealed class Entry(byte[] key, byte[] value)
    {
        /// <summary>Sorts after every key, standing for the open end of a subspace.</summary>
        public static readonly Entry Last = new([], []);

        public byte[] Key { get; } = key;

        public byte[] Value { get; set; } = value;

        public static Entry Probe(byte[] key) => new(key, []);
    }

    private sealed class EntryComparer : IComparer<Entry>
    {
        public static readonly EntryComparer Instance = new();

        public int Compare(Entry? x, Entry? y)
        {
            if (ReferenceEquals(x, y))
            {
                return 0;
            }

            if (ReferenceEquals(x, Entry.Last))
            {
                return 1;
            }

            if (ReferenceEquals(y, Entry.Last))
            {
                return -1;
            }

            // Spans of byte compare as unsigned, which is the order the contract requires.
            return x!.Key.AsSpan().SequenceCompareTo(y!.Key);
        }
    }

    private sealed class StagedKeyComparer : IEqualityComparer<(string Subspace, byte[] Key)>
    {
        public static readonly StagedKeyComparer Instance = new();

        public bool Equals((string Subspace, byte[] Key) x, (string Subspace, byte[] Key) y)
            => string.Equals(x.Subspace, y.Subspace, StringComparison.Ordinal) && x.Key.AsSpan().SequenceEqual(y.Key);

        public int GetHashCode((string Subspace, byte[] Key) obj)
        {
            var hash = new HashCode();
            hash.Add(obj.Subspace, StringComparer.Ordinal);
            hash.AddBytes(obj.Key);
            return hash.ToHashCode();
        }
    }
}
