namespace Mail.Host.Storage;

/// <summary>
/// An ordered key-value space split into named subspaces. Keys compare as unsigned bytes, so big-endian
/// integers sort numerically. Everything acknowledged by <see cref="CommitAsync"/> or
/// <see cref="IncrementAsync"/> is durable when the call returns. A backend that cannot be reached throws
/// <see cref="StoreUnavailableException"/>.
/// </summary>
public interface IDataStore
{
    /// <summary>The longest key this store accepts, in bytes; at least <see cref="DataStoreLimits.MinimumMaxKeySize"/>.</summary>
    int MaxKeySize { get; }

    /// <summary>The longest value this store accepts, in bytes; at least <see cref="DataStoreLimits.MinimumMaxValueSize"/>.</summary>
    int MaxValueSize { get; }

    /// <summary>Reads one value.</summary>
    /// <param name="subspace">The subspace name (see <see cref="SubspaceName"/>).</param>
    /// <param name="key">The key.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>The value, or <see langword="null"/> when the key is absent.</returns>
    ValueTask<byte[]?> GetAsync(string subspace, ReadOnlyMemory<byte> key, CancellationToken cancellationToken = default);

    /// <summary>
    /// Reads the entries of one subspace whose keys fall in a range, in key order (or reverse order), never
    /// crossing into another subspace.
    /// </summary>
    /// <param name="subspace">The subspace name.</param>
    /// <param name="range">The keys to read, the direction and a limit.</param>
    /// <param name="cancellationToken">Cancels the scan.</param>
    /// <returns>The entries, lazily.</returns>
    IAsyncEnumerable<KeyValueEntry> ScanAsync(string subspace, KeyRange range, CancellationToken cancellationToken = default);

    /// <summary>
    /// Applies a batch atomically: either every assertion holds and every operation is applied, or nothing is.
    /// Two batches that assert on the same key cannot both commit on the value they saw.
    /// </summary>
    /// <param name="batch">The operations and assertions.</param>
    /// <param name="cancellationToken">Cancels before the batch is applied; a batch already applied stays applied.</param>
    /// <returns><see cref="CommitResult.Committed"/>, durable, or <see cref="CommitResult.AssertionFailed"/>, with nothing applied.</returns>
    ValueTask<CommitResult> CommitAsync(WriteBatch batch, CancellationToken cancellationToken = default);

    /// <summary>
    /// Adds <paramref name="delta"/> to a counter atomically and returns its new value. A counter is stored as an
    /// 8-byte little-endian signed integer (see <see cref="Counter"/>); an absent key counts as zero.
    /// </summary>
    /// <param name="subspace">The subspace name.</param>
    /// <param name="key">The counter's key.</param>
    /// <param name="delta">The amount to add; may be negative.</param>
    /// <param name="cancellationToken">Cancels the increment.</param>
    /// <returns>The counter's value after the increment.</returns>
    ValueTask<long> IncrementAsync(string subspace, ReadOnlyMemory<byte> key, long delta, CancellationToken cancellationToken = default);
}
