namespace Mail.Host.Storage;

/// <summary>
/// Short-lived shared state: values and counters with expiry (rate limits, greylisting, reputation), locks with a
/// lease (queue leases), and publish/subscribe between host processes that share the store. Values and counters
/// live in one key space. A backend that cannot be reached throws <see cref="StoreUnavailableException"/>.
/// </summary>
public interface ILookupStore
{
    /// <summary>Writes a value, replacing any value or counter under the key.</summary>
    /// <param name="key">The key.</param>
    /// <param name="value">The value; copied.</param>
    /// <param name="expiry">How long the value lives; <see langword="null"/> for ever.</param>
    /// <param name="cancellationToken">Cancels the write.</param>
    /// <returns>A task that completes when the value is visible to every reader.</returns>
    ValueTask SetAsync(string key, ReadOnlyMemory<byte> value, TimeSpan? expiry = null, CancellationToken cancellationToken = default);

    /// <summary>Reads a value.</summary>
    /// <param name="key">The key.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>The value, or <see langword="null"/> when absent or expired.</returns>
    ValueTask<byte[]?> GetAsync(string key, CancellationToken cancellationToken = default);

    /// <summary>Removes a value or counter.</summary>
    /// <param name="key">The key.</param>
    /// <param name="cancellationToken">Cancels the removal.</param>
    /// <returns><see langword="true"/> when a live entry was removed.</returns>
    ValueTask<bool> DeleteAsync(string key, CancellationToken cancellationToken = default);

    /// <summary>
    /// Adds to a counter atomically. An absent or expired counter starts at zero and takes <paramref name="expiry"/>;
    /// an existing counter keeps the expiry it was created with, so a fixed window ends on time.
    /// </summary>
    /// <param name="key">The key.</param>
    /// <param name="delta">The amount to add; may be negative.</param>
    /// <param name="expiry">How long a new counter lives; <see langword="null"/> for ever.</param>
    /// <param name="cancellationToken">Cancels the increment.</param>
    /// <returns>The counter's value after the increment.</returns>
    ValueTask<long> IncrementAsync(string key, long delta, TimeSpan? expiry = null, CancellationToken cancellationToken = default);

    /// <summary>Reads a counter.</summary>
    /// <param name="key">The key.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>The value; zero when absent or expired.</returns>
    ValueTask<long> GetCounterAsync(string key, CancellationToken cancellationToken = default);

    /// <summary>Takes a named lock for a time, unless someone holds it.</summary>
    /// <param name="name">The lock's name.</param>
    /// <param name="duration">How long the lease lasts unless renewed or released.</param>
    /// <param name="cancellationToken">Cancels the attempt.</param>
    /// <returns>The lease, or <see langword="null"/> when another holder has a live lease.</returns>
    ValueTask<LockLease?> TryAcquireLockAsync(string name, TimeSpan duration, CancellationToken cancellationToken = default);

    /// <summary>Extends a lease that is still held.</summary>
    /// <param name="lease">The lease.</param>
    /// <param name="duration">The new duration, from now.</param>
    /// <param name="cancellationToken">Cancels the renewal.</param>
    /// <returns>The renewed lease, or <see langword="null"/> when the lease expired or was taken over.</returns>
    ValueTask<LockLease?> RenewLockAsync(LockLease lease, TimeSpan duration, CancellationToken cancellationToken = default);

    /// <summary>Releases a lease; a lease that expired and was taken over is left to its new holder.</summary>
    /// <param name="lease">The lease.</param>
    /// <param name="cancellationToken">Cancels the release.</param>
    /// <returns><see langword="true"/> when this lease was still held and is now released.</returns>
    ValueTask<bool> ReleaseLockAsync(LockLease lease, CancellationToken cancellationToken = default);

    /// <summary>Sends a message to every current subscriber of a channel, in any host process sharing the store.</summary>
    /// <param name="channel">The channel name.</param>
    /// <param name="message">The message; copied.</param>
    /// <param name="cancellationToken">Cancels the publish.</param>
    /// <returns>A task that completes when the message is sent.</returns>
    ValueTask PublishAsync(string channel, ReadOnlyMemory<byte> message, CancellationToken cancellationToken = default);

    /// <summary>
    /// Subscribes to a channel. Messages published after the call returns reach <paramref name="handler"/>, one at a
    /// time per subscription, in the order published by one publisher.
    /// </summary>
    /// <param name="channel">The channel name.</param>
    /// <param name="handler">Called for each message.</param>
    /// <param name="cancellationToken">Cancels subscribing.</param>
    /// <returns>A handle that ends the subscription when disposed.</returns>
    ValueTask<IAsyncDisposable> SubscribeAsync(string channel, Func<ReadOnlyMemory<byte>, CancellationToken, ValueTask> handler, CancellationToken cancellationToken = default);
}
