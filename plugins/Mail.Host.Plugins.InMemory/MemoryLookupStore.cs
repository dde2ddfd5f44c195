using System.Security.Cryptography;
using System.Threading.Channels;
using Mail.Host.Storage;

namespace Mail.Host.Plugins.InMemory;

/// <summary>
/// Expiring values, counters, locks and publish/subscribe held in process memory. Because the store cannot be
/// shared between processes, publish/subscribe reaches only subscribers in the same process. Counters are kept
/// in the value space in the <see cref="Counter"/> encoding, so <see cref="GetAsync"/> of a counter returns its
/// 8 bytes and <see cref="IncrementAsync"/> of a value that is not 8 bytes long fails with
/// <see cref="FormatException"/>; one that would overflow throws <see cref="OverflowException"/>. Expired entries
/// are dropped when next touched and by an occasional sweep.
/// </summary>
public sealed class MemoryLookupStore : ILookupStore, IAsyncDisposable
{
    // A full sweep costs time proportional to the number of entries, so it runs at most this often.
    private static readonly TimeSpan SweepInterval = TimeSpan.FromMinutes(1);

    private readonly TimeProvider time;
    private readonly Lock gate = new();
    private readonly Dictionary<string, Item> items = new(StringComparer.Ordinal);
    private readonly Dictionary<string, LockLease> locks = new(StringComparer.Ordinal);
    private readonly Dictionary<string, List<Subscription>> channels = new(StringComparer.Ordinal);
    private DateTimeOffset lastSweep;
    private bool disposed;

    /// <summary>Creates an empty store on the system clock.</summary>
    public MemoryLookupStore()
        : this(TimeProvider.System)
    {
    }

    /// <summary>Creates an empty store on the given clock.</summary>
    /// <param name="timeProvider">The clock expiries and leases are measured against.</param>
    public MemoryLookupStore(TimeProvider timeProvider)
    {
        ArgumentNullException.ThrowIfNull(timeProvider);
        time = timeProvider;
        lastSweep = time.GetUtcNow();
    }

    /// <inheritdoc />
    public ValueTask SetAsync(string key, ReadOnlyMemory<byte> value, TimeSpan? expiry = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(key);
        CheckExpiry(expiry);
        cancellationToken.ThrowIfCancellationRequested();
        var copy = value.ToArray();
        lock (gate)
        {
            ThrowIfDisposed();
            var now = time.GetUtcNow();
            SweepIfDue(now);
            items[key] = new(copy, now + expiry);
        }

        return ValueTask.CompletedTask;
    }

    /// <inheritdoc />
    public ValueTask<byte[]?> GetAsync(string key, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(key);
        cancellationToken.ThrowIfCancellationRequested();
        byte[]? value;
        lock (gate)
        {
            ThrowIfDisposed();
            value = Live(key, time.GetUtcNow())?.Value;
        }

        // Stored arrays are replaced, never changed in place, so the copy can be made outside the lock.
        return ValueTask.FromResult(value is null ? null : (byte[]?)value.AsSpan().ToArray());
    }

    /// <inheritdoc />
    public ValueTask<bool> DeleteAsync(string key, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(key);
        cancellationToken.ThrowIfCancellationRequested();
        bool removed;
        lock (gate)
        {
            ThrowIfDisposed();
            removed = Live(key, time.GetUtcNow()) is not null && items.Remove(key);
        }

        return ValueTask.FromResult(removed);
    }

    /// <inheritdoc />
    public ValueTask<long> IncrementAsync(string key, long delta, TimeSpan? expiry = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(key);
        CheckExpiry(expiry);
        cancellationToken.ThrowIfCancellationRequested();
        long result;
        lock (gate)
        {
            ThrowIfDisposed();
            var now = time.GetUtcNow();
            SweepIfDue(now);
            var current = Live(key, now);
            result = checked(Counter.Decode(current?.Value) + delta);

            // An existing counter keeps the expiry it was created with, so a fixed window ends on time.
            items[key] = new(Counter.Encode(result), current is null ? now + expiry : current.ExpiresAt);
        }

        return ValueTask.FromResult(result);
    }

    /// <inheritdoc />
    public ValueTask<long> GetCounterAsync(string key, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(key);
        cancellationToken.ThrowIfCancellationRequested();
        byte[]? value;
        lock (gate)
        {
            ThrowIfDisposed();
            value = Live(key, time.GetUtcNow())?.Value;
        }

        return ValueTask.FromResult(Counter.Decode(value));
    }

    /// <inheritdoc />
    public ValueTask<LockLease?> TryAcquireLockAsync(string name, TimeSpan duration, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(duration, TimeSpan.Zero);
        cancellationToken.ThrowIfCancellationRequested();
        LockLease? lease = null;
        lock (gate)
        {
            ThrowIfDisposed();
            var now = time.GetUtcNow();
            if (!locks.TryGetValue(name, out var held) || held.ExpiresAt <= now)
            {
                lease = new(name, Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16)), now + duration);
                locks[name] = lease;
            }
        }

        return ValueTask.FromResult(lease);
    }

    /// <inheritdoc />
    public ValueTask<LockLease?> RenewLockAsync(LockLease lease, TimeSpan duration, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(lease);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(duration, TimeSpan.Zero);
        cancellationToken.ThrowIfCancellationRequested();
        LockLease? renewed = null;
        lock (gate)
        {
            ThrowIfDisposed();
            var now = time.GetUtcNow();
            if (IsHeld(lease, now))
            {
                renewed = lease with { ExpiresAt = now + duration };
                locks[lease.Name] = renewed;
            }
        }

        return ValueTask.FromResult(renewed);
    }

    /// <inheritdoc />
    public ValueTask<bool> ReleaseLockAsync(LockLease lease, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(lease);
        cancellationToken.ThrowIfCancellationRequested();
        bool released;
        lock (gate)
        {
            ThrowIfDisposed();
            released = IsHeld(lease, time.GetUtcNow()) && locks.Remove(lease.Name);
        }

        return ValueTask.FromResult(released);
    }

    /// <inheritdoc />
    /// <remarks>Only subscribers in this process receive the message.</remarks>
    public ValueTask PublishAsync(string channel, ReadOnlyMemory<byte> message, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(channel);
        cancellationToken.ThrowIfCancellationRequested();
        var copy = message.ToArray();
        lock (gate)
        {
            ThrowIfDisposed();

            // Queuing under the lock gives every subscriber of a channel the same order of messages.
            if (channels.TryGetValue(channel, out var subscribers))
            {
                foreach (var subscriber in subscribers)
                {
                    subscriber.Enqueue(copy);
                }
            }
        }

        return ValueTask.CompletedTask;
    }

    /// <inheritdoc />
    /// <remarks>
    /// Only messages published in this process arrive. An exception thrown by <paramref name="handler"/> is
    /// swallowed so that one bad message does not end the subscription. Disposing the handle drops messages not
    /// yet handled and, unless called from the handler itself, waits for a handler call in progress to return.
    /// </remarks>
    public ValueTask<IAsyncDisposable> SubscribeAsync(string channel, Func<ReadOnlyMemory<byte>, CancellationToken, ValueTask> handler, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(channel);
        ArgumentNullException.ThrowIfNull(handler);
        cancellationToken.ThrowIfCancellationRequested();
        Subscription subscription;
        lock (gate)
        {
            ThrowIfDisposed();
            subscription = new(this, channel, handler);
            if (!channels.TryGetValue(channel, out var subscribers))
            {
                subscribers = [];
                channels.Add(channel, subscribers);
            }

            subscribers.Add(subscription);
        }

        subscription.Start();
        return ValueTask.FromResult<IAsyncDisposable>(subscription);
    }

    /// <summary>Ends every subscription; later calls throw <see cref="ObjectDisposedException"/>.</summary>
    /// <returns>A task that completes when every handler call in progress has returned.</returns>
    public async ValueTask DisposeAsync()
    {
        List<Subscription> subscriptions;
        lock (gate)
        {
            if (disposed)
            {
                return;
            }

            disposed = true;
            subscriptions = [.. channels.Values.SelectMany(list => list)];
        }

        foreach (var subscription in subscriptions)
        {
            await subscription.DisposeAsync().ConfigureAwait(false);
        }
    }

    private static void CheckExpiry(TimeSpan? expiry)
    {
        if (expiry is { } value)
        {
            ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(value, TimeSpan.Zero, nameof(expiry));
        }
    }

    private void ThrowIfDisposed() => ObjectDisposedException.ThrowIf(disposed, this);

    private Item? Live(string key, DateTimeOffset now)
    {
        if (!items.TryGetValue(key, out var item))
        {
            return null;
        }

        if (item.ExpiresAt <= now)
        {
            items.Remove(key);
            return null;
        }

        return item;
    }

    private bool IsHeld(LockLease lease, DateTimeOffset now)
        => locks.TryGetValue(lease.Name, out var held)
            && string.Equals(held.Token, lease.Token, StringComparison.Ordinal)
            && held.ExpiresAt > now;

    private void SweepIfDue(DateTimeOffset now)
    {
        if (now - lastSweep < SweepInterval)
        {
            return;
        }

        lastSweep = now;
        foreach (var (key, item) in items)
        {
            if (item.ExpiresAt <= now)
            {
                items.Remove(key);
            }
        }

        foreach (var (name, lease) in locks)
        {
            if (lease.ExpiresAt <= now)
            {
                locks.Remove(name);
            }
        }
    }

    private void Remove(Subscription subscription)
    {
        lock (gate)
        {
            if (channels.TryGetValue(subscription.ChannelName, out var subscribers) && subscribers.Remove(subscription) && subscribers.Count == 0)
            {
                channels.Remove(subscription.ChannelName);
            }
        }
    }

    /// <summary>A value or counter and when it ends; <see langword="null"/> for never.</summary>
    private sealed record Item(byte[] Value, DateTimeOffset? ExpiresAt);

    /// <summary>One subscriber: a queue of messages and a reader that hands them to the handler one at a time.</summary>
    private sealed class Subscription : IAsyncDisposable
    {
        // Lets disposal tell that it runs inside this subscription's own handler, where waiting for the reader
        // would wait for itself.
        private static readonly AsyncLocal<Subscription?> Handling = new();

        private readonly MemoryLookupStore store;
        private readonly Func<ReadOnlyMemory<byte>, CancellationToken, ValueTask> handler;
        private readonly Channel<byte[]> queue = Channel.CreateUnbounded<byte[]>(new() { SingleReader = true });
        private readonly CancellationTokenSource stopping = new();

        // Taken once, up front: the store's disposal may dispose the source before a reader started late reads it.
        private readonly CancellationToken token;
        private Task reader = Task.CompletedTask;
        private int disposed;

        public Subscription(MemoryLookupStore store, string channel, Func<ReadOnlyMemory<byte>, CancellationToken, ValueTask> handler)
        {
            this.store = store;
            this.handler = handler;
            ChannelName = channel;
            token = stopping.Token;
        }

        public string ChannelName { get; }

        public void Enqueue(byte[] message) => queue.Writer.TryWrite(message);

        public void Start() => reader = Task.Run(ReadAsync);

        public async ValueTask DisposeAsync()
        {
            if (Interlocked.Exchange(ref disposed, 1) != 0)
            {
                return;
            }

            store.Remove(this);
            queue.Writer.TryComplete();
            await stopping.CancelAsync().ConfigureAwait(false);
            if (Handling.Value != this)
            {
                await reader.ConfigureAwait(false);
                stopping.Dispose();
            }
        }

        private async Task ReadAsync()
        {
            Handling.Value = this;
            try
            {
                await foreach (var message in queue.Reader.ReadAllAsync(token).ConfigureAwait(false))
                {
                    token.ThrowIfCancellationRequested();
                    try
                    {
                        await handler(message, token).ConfigureAwait(false);
                    }
                    catch (Exception)
                    {
                        // A failing handler must not end the subscription; the handler is expected to log its own errors.
                    }
                }
            }
            catch (OperationCanceledException) when (token.IsCancellationRequested)
            {
                // Disposal stops the reader.
            }
        }
    }
}
