using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using Mail.Host.Storage;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Mail.Host.Engine.Storage;

/// <summary>
/// Serves the lookup role from any <see cref="IDataStore"/>: the fallback when no Redis lookup store is configured,
/// so that one RocksDB, SQLite or PostgreSQL store can hold everything. Host processes sharing the data store share
/// values, counters, locks and publish/subscribe through it.
/// </summary>
/// <remarks>
/// <para>
/// Values and counters live in subspace <c>lookup_kv</c>: key = the key in UTF-8, value = a type byte (1 value,
/// 2 counter) + the expiry as Unix milliseconds (8 bytes, big-endian, 0 for never) + the payload (a counter's is its
/// <see cref="Counter"/> encoding, so <see cref="GetAsync"/> of a counter returns those 8 bytes, as the in-memory
/// store does). Expired entries read as absent and are removed when next read, with an assertion so that a fresh
/// write is never removed, and by a background sweep (<see cref="DataStoreLookupOptions.ExpiredEntrySweepInterval"/>).
/// Every read-modify-write is an optimistic commit asserting the value read, retried with a short jittered backoff;
/// one that keeps losing throws <see cref="StoreUnavailableException"/>.
/// </para>
/// <para>
/// Locks live in subspace <c>lookup_lock</c>: key = the name in UTF-8, value = the token in UTF-8 + the lease's end
/// (Unix milliseconds, 8 bytes, big-endian).
/// </para>
/// <para>
/// Publish/subscribe is polled. A message takes the next number of its channel's counter (subspace
/// <c>lookup_seq</c>, key = channel) and is written to subspace <c>lookup_event</c> under the channel in UTF-8 + 0x00
/// + the number (8 bytes, big-endian), with value = publish time (Unix milliseconds, 8 bytes, big-endian) + the
/// message. A subscription starts after the channel's current number and reads new entries every
/// <see cref="DataStoreLookupOptions.PollInterval"/>, which is therefore the delivery latency. Messages are kept for
/// <see cref="DataStoreLookupOptions.EventRetention"/>, then removed by a background sweep.
/// </para>
/// </remarks>
public sealed partial class DataStoreLookupStore : ILookupStore, IAsyncDisposable
{
    /// <summary>Values and counters.</summary>
    internal const string ValueSubspace = "lookup_kv";

    /// <summary>Locks.</summary>
    internal const string LockSubspace = "lookup_lock";

    /// <summary>Published messages.</summary>
    internal const string EventSubspace = "lookup_event";

    /// <summary>The last message number of each channel.</summary>
    internal const string SequenceSubspace = "lookup_seq";

    /// <summary>The type byte of a value.</summary>
    internal const byte ValueType = 1;

    /// <summary>The type byte of a counter.</summary>
    internal const byte CounterType = 2;

    /// <summary>The bytes before a value's payload: type and expiry.</summary>
    internal const int HeaderSize = 1 + sizeof(long);

    // A read-modify-write that loses this many times in a row to other writers reports the store unavailable;
    // with the backoff below that takes about a second of constant contention.
    private const int MaxAttempts = 64;

    // Messages read by one poll; a channel with more waiting is read again at once.
    private const int PollPageSize = 256;

    private static readonly string[] SweptSubspaces = [ValueSubspace, LockSubspace];

    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    private readonly IDataStore store;
    private readonly TimeProvider time;
    private readonly DataStoreLookupOptions options;
    private readonly ILogger logger;
    private readonly Lock gate = new();
    private readonly List<Subscription> subscriptions = [];
    private readonly CancellationTokenSource stopping = new();
    private readonly Task maintenance;
    private bool disposed;

    /// <summary>Creates the adapter and starts its background sweeps.</summary>
    /// <param name="store">The data store that holds the lookup state.</param>
    /// <param name="time">The clock expiries, leases and message ages are measured with; <see langword="null"/> for the system clock. Processes sharing a store should have synchronised clocks.</param>
    /// <param name="options">Polling and sweeping; <see langword="null"/> for the defaults.</param>
    /// <param name="logger">Where failed handlers and sweeps are reported; <see langword="null"/> for nowhere.</param>
    /// <exception cref="ArgumentOutOfRangeException">An interval is not positive.</exception>
    public DataStoreLookupStore(IDataStore store, TimeProvider? time = null, DataStoreLookupOptions? options = null, ILogger? logger = null)
    {
        ArgumentNullException.ThrowIfNull(store);
        options ??= new DataStoreLookupOptions();
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(options.PollInterval, TimeSpan.Zero, nameof(options.PollInterval));
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(options.EventRetention, TimeSpan.Zero, nameof(options.EventRetention));
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(options.EventSweepInterval, TimeSpan.Zero, nameof(options.EventSweepInterval));
        ArgumentOutOfRangeException.ThrowIfLessThan(options.GapTimeout, TimeSpan.Zero, nameof(options.GapTimeout));
        if (options.ExpiredEntrySweepInterval is { } sweep)
        {
            ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(sweep, TimeSpan.Zero, nameof(options.ExpiredEntrySweepInterval));
        }

        this.store = store;
        this.time = time ?? TimeProvider.System;
        this.options = options;
        this.logger = logger ?? NullLogger.Instance;
        maintenance = Task.Run(() => MaintainAsync(stopping.Token));
    }

    /// <inheritdoc />
    public async ValueTask SetAsync(string key, ReadOnlyMemory<byte> value, TimeSpan? expiry = null, CancellationToken cancellationToken = default)
    {
        var keyBytes = EncodeKey(key, nameof(key));
        var expiresAt = ExpiryFromNow(expiry, nameof(expiry));
        ThrowIfDisposed();
        var entry = EncodeEntry(ValueType, expiresAt, value.Span);
        await store.CommitAsync(new WriteBatch().Set(ValueSubspace, keyBytes, entry), cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async ValueTask<byte[]?> GetAsync(string key, CancellationToken cancellationToken = default)
    {
        var keyBytes = EncodeKey(key, nameof(key));
        ThrowIfDisposed();
        var raw = await ReadLiveAsync(keyBytes, cancellationToken).ConfigureAwait(false);
        return raw?.AsSpan(HeaderSize).ToArray();
    }

    /// <inheritdoc />
    public async ValueTask<bool> DeleteAsync(string key, CancellationToken cancellationToken = default)
    {
        var keyBytes = EncodeKey(key, nameof(key));
        ThrowIfDisposed();
        for (var attempt = 0; attempt < MaxAttempts; attempt++)
        {
            var raw = await ReadLiveAsync(keyBytes, cancellationToken).ConfigureAwait(false);
            if (raw is null)
            {
                return false;
            }

            var batch = new WriteBatch().AssertValue(ValueSubspace, keyBytes, raw).Delete(ValueSubspace, keyBytes);
            if (await store.CommitAsync(batch, cancellationToken).ConfigureAwait(false) == CommitResult.Committed)
            {
                return true;
            }

            await BackOffAsync(attempt, cancellationToken).ConfigureAwait(false);
        }

        throw Contended(key);
    }

    /// <inheritdoc />
    /// <remarks>
    /// Atomic across processes sharing the store: a compare-and-set on the whole entry, retried when another writer
    /// got there first. <see cref="IDataStore.IncrementAsync"/> cannot serve, because the entry carries its expiry.
    /// Incrementing a value that is not 8 bytes long throws <see cref="FormatException"/>.
    /// </remarks>
    public async ValueTask<long> IncrementAsync(string key, long delta, TimeSpan? expiry = null, CancellationToken cancellationToken = default)
    {
        var keyBytes = EncodeKey(key, nameof(key));
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(expiry ?? TimeSpan.MaxValue, TimeSpan.Zero, nameof(expiry));
        ThrowIfDisposed();
        for (var attempt = 0; attempt < MaxAttempts; attempt++)
        {
            var raw = await store.GetAsync(ValueSubspace, keyBytes, cancellationToken).ConfigureAwait(false);
            var now = NowMilliseconds();
            var batch = new WriteBatch();
            long result;
            if (raw is not null && IsLive(raw, now, keyBytes))
            {
                // An existing counter keeps the expiry it was created with, so a fixed window ends on time.
                result = checked(Counter.Decode(raw.AsSpan(HeaderSize)) + delta);
                batch.AssertValue(ValueSubspace, keyBytes, raw)
                    .Set(ValueSubspace, keyBytes, EncodeEntry(CounterType, ExpiresAt(raw), Counter.Encode(result)));
            }
            else
            {
                result = delta;
                if (raw is null)
                {
                    batch.AssertAbsent(ValueSubspace, keyBytes);
                }
                else
                {
                    batch.AssertValue(ValueSubspace, keyBytes, raw);
                }

                batch.Set(ValueSubspace, keyBytes, EncodeEntry(CounterType, ExpiryFromNow(expiry, nameof(expiry)), Counter.Encode(result)));
            }

            if (await store.CommitAsync(batch, cancellationToken).ConfigureAwait(false) == CommitResult.Committed)
            {
                return result;
            }

            await BackOffAsync(attempt, cancellationToken).ConfigureAwait(false);
        }

        throw Contended(key);
    }

    /// <inheritdoc />
    public async ValueTask<long> GetCounterAsync(string key, CancellationToken cancellationToken = default)
    {
        var keyBytes = EncodeKey(key, nameof(key));
        ThrowIfDisposed();
        var raw = await ReadLiveAsync(keyBytes, cancellationToken).ConfigureAwait(false);
        return raw is null ? 0 : Counter.Decode(raw.AsSpan(HeaderSize));
    }

    /// <inheritdoc />
    public async ValueTask<LockLease?> TryAcquireLockAsync(string name, TimeSpan duration, CancellationToken cancellationToken = default)
    {
        var keyBytes = EncodeKey(name, nameof(name));
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(duration, TimeSpan.Zero);
        ThrowIfDisposed();
        for (var attempt = 0; attempt < MaxAttempts; attempt++)
        {
            var raw = await store.GetAsync(LockSubspace, keyBytes, cancellationToken).ConfigureAwait(false);
            if (raw is not null && LockExpiresAt(raw, name) > NowMilliseconds())
            {
                return null;
            }

            var token = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));
            var expiresAt = ExpiryFromNow(duration, nameof(duration));
            var batch = raw is null
                ? new WriteBatch().AssertAbsent(LockSubspace, keyBytes)
                : new WriteBatch().AssertValue(LockSubspace, keyBytes, raw);
            batch.Set(LockSubspace, keyBytes, EncodeLock(token, expiresAt));
            if (await store.CommitAsync(batch, cancellationToken).ConfigureAwait(false) == CommitResult.Committed)
            {
                return new(name, token, DateTimeOffset.FromUnixTimeMilliseconds(expiresAt));
            }

            // Someone else changed the lock since it was read: look again, and most likely find it held.
        }

        throw Contended(name);
    }

    /// <inheritdoc />
    public async ValueTask<LockLease?> RenewLockAsync(LockLease lease, TimeSpan duration, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(lease);
        var keyBytes = EncodeKey(lease.Name, nameof(lease));
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(duration, TimeSpan.Zero);
        ThrowIfDisposed();
        for (var attempt = 0; attempt < MaxAttempts; attempt++)
        {
            var raw = await ReadHeldAsync(keyBytes, lease, cancellationToken).ConfigureAwait(false);
            if (raw is null)
            {
                return null;
            }

            var expiresAt = ExpiryFromNow(duration, nameof(duration));
            var batch = new WriteBatch().AssertValue(LockSubspace, keyBytes, raw).Set(LockSubspace, keyBytes, EncodeLock(lease.Token, expiresAt));
            if (await store.CommitAsync(batch, cancellationToken).ConfigureAwait(false) == CommitResult.Committed)
            {
                return lease with { ExpiresAt = DateTimeOffset.FromUnixTimeMilliseconds(expiresAt) };
            }
        }

        throw Contended(lease.Name);
    }

    /// <inheritdoc />
    public async ValueTask<bool> ReleaseLockAsync(LockLease lease, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(lease);
        var keyBytes = EncodeKey(lease.Name, nameof(lease));
        ThrowIfDisposed();
        for (var attempt = 0; attempt < MaxAttempts; attempt++)
        {
            var raw = await ReadHeldAsync(keyBytes, lease, cancellationToken).ConfigureAwait(false);
            if (raw is null)
            {
                return false;
            }

            var batch = new WriteBatch().AssertValue(LockSubspace, keyBytes, raw).Delete(LockSubspace, keyBytes);
            if (await store.CommitAsync(batch, cancellationToken).ConfigureAwait(false) == CommitResult.Committed)
            {
                return true;
            }
        }

        throw Contended(lease.Name);
    }

    /// <inheritdoc />
    /// <remarks>
    /// Subscribers in every process sharing the store receive the message at their next poll. The channel name must
    /// not contain U+0000.
    /// </remarks>
    public async ValueTask PublishAsync(string channel, ReadOnlyMemory<byte> message, CancellationToken cancellationToken = default)
    {
        var channelBytes = EncodeChannel(channel);
        ThrowIfDisposed();
        var sequence = await store.IncrementAsync(SequenceSubspace, channelBytes, 1, cancellationToken).ConfigureAwait(false);
        var value = new byte[sizeof(long) + message.Length];
        BinaryPrimitives.WriteInt64BigEndian(value, NowMilliseconds());
        message.Span.CopyTo(value.AsSpan(sizeof(long)));
        await store.CommitAsync(new WriteBatch().Set(EventSubspace, EventKey(channelBytes, sequence), value), cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    /// <remarks>
    /// Messages arrive up to <see cref="DataStoreLookupOptions.PollInterval"/> after they are published, in the order
    /// of their channel's numbers, which for one publisher is the order published. A handler that throws is
    /// logged and the subscription goes on with the next message. Disposing the handle stops the polling and,
    /// unless called from the handler itself, waits for a handler call in progress to return.
    /// </remarks>
    public async ValueTask<IAsyncDisposable> SubscribeAsync(string channel, Func<ReadOnlyMemory<byte>, CancellationToken, ValueTask> handler, CancellationToken cancellationToken = default)
    {
        var channelBytes = EncodeChannel(channel);
        ArgumentNullException.ThrowIfNull(handler);
        ThrowIfDisposed();

        // Messages numbered up to the current value were published before this call; only later ones are delivered.
        var current = Counter.Decode(await store.GetAsync(SequenceSubspace, channelBytes, cancellationToken).ConfigureAwait(false));
        var subscription = new Subscription(this, channel, channelBytes, current + 1, handler);
        lock (gate)
        {
            ThrowIfDisposed();
            subscriptions.Add(subscription);
        }

        subscription.Start();
        return subscription;
    }

    /// <summary>Ends every subscription and the background sweeps; later calls throw <see cref="ObjectDisposedException"/>.</summary>
    /// <returns>A task that completes when every handler call in progress has returned.</returns>
    public async ValueTask DisposeAsync()
    {
        List<Subscription> open;
        lock (gate)
        {
            if (disposed)
            {
                return;
            }

            disposed = true;
            open = [.. subscriptions];
        }

        await stopping.CancelAsync().ConfigureAwait(false);
        await maintenance.ConfigureAwait(false);
        foreach (var subscription in open)
        {
            await subscription.DisposeAsync().ConfigureAwait(false);
        }

        stopping.Dispose();
    }

    /// <summary>Removes messages older than the retention from every channel.</summary>
    /// <param name="cancellationToken">Cancels the sweep.</param>
    /// <returns>The number of messages removed.</returns>
    internal async Task<int> SweepEventsAsync(CancellationToken cancellationToken)
    {
        var cutoff = NowMilliseconds() - (long)options.EventRetention.TotalMilliseconds;
        var removed = 0;
        byte[]? start = [];
        while (start is not null)
        {
            var page = await ReadPageAsync(EventSubspace, new KeyRange(start, null, limit: PollPageSize), cancellationToken).ConfigureAwait(false);
            if (page.Count == 0)
            {
                break;
            }

            var batch = new WriteBatch();
            start = After(page[^1].Key);
            foreach (var entry in page)
            {
                if (entry.Key.Length <= sizeof(long) || entry.Value.Length < sizeof(long) || BinaryPrimitives.ReadInt64BigEndian(entry.Value) < cutoff)
                {
                    batch.Delete(EventSubspace, entry.Key);
                    continue;
                }

                // Numbers grow with time within a channel, so the rest of this channel is younger still.
                start = KeyRange.PrefixEnd(entry.Key.AsSpan(0, entry.Key.Length - sizeof(long)));
                break;
            }

            if (batch.Count > 0)
            {
                await store.CommitAsync(batch, cancellationToken).ConfigureAwait(false);
                removed += batch.Count;
            }
        }

        return removed;
    }

    /// <summary>Removes expired values, counters and locks.</summary>
    /// <param name="cancellationToken">Cancels the sweep.</param>
    /// <returns>The number of entries removed.</returns>
    internal async Task<int> SweepExpiredAsync(CancellationToken cancellationToken)
    {
        var removed = 0;
        foreach (var subspace in SweptSubspaces)
        {
            var start = Array.Empty<byte>();
            while (true)
            {
                var page = await ReadPageAsync(subspace, new KeyRange(start, null, limit: PollPageSize), cancellationToken).ConfigureAwait(false);
                var now = NowMilliseconds();
                foreach (var entry in page)
                {
                    var expiresAt = subspace == ValueSubspace
                        ? (entry.Value.Length >= HeaderSize ? ExpiresAt(entry.Value) : long.MaxValue)
                        : (entry.Value.Length >= sizeof(long) ? BinaryPrimitives.ReadInt64BigEndian(entry.Value.AsSpan(entry.Value.Length - sizeof(long))) : long.MaxValue);
                    if (expiresAt != 0 && expiresAt <= now
                        && await DeleteIfUnchangedAsync(subspace, entry.Key, entry.Value, cancellationToken).ConfigureAwait(false))
                    {
                        removed++;
                    }
                }

                if (page.Count < PollPageSize)
                {
                    break;
                }

                start = After(page[^1].Key);
            }
        }

        return removed;
    }

    private static byte[] EncodeEntry(byte type, long expiresAt, ReadOnlySpan<byte> payload)
    {
        var entry = new byte[HeaderSize + payload.Length];
        entry[0] = type;
        BinaryPrimitives.WriteInt64BigEndian(entry.AsSpan(1), expiresAt);
        payload.CopyTo(entry.AsSpan(HeaderSize));
        return entry;
    }

    private static long ExpiresAt(byte[] entry) => BinaryPrimitives.ReadInt64BigEndian(entry.AsSpan(1));

    private static byte[] EncodeLock(string token, long expiresAt)
    {
        var tokenLength = Encoding.UTF8.GetByteCount(token);
        var value = new byte[tokenLength + sizeof(long)];
        Encoding.UTF8.GetBytes(token, value);
        BinaryPrimitives.WriteInt64BigEndian(value.AsSpan(tokenLength), expiresAt);
        return value;
    }

    private static long LockExpiresAt(byte[] raw, string name)
        => raw.Length >= sizeof(long)
            ? BinaryPrimitives.ReadInt64BigEndian(raw.AsSpan(raw.Length - sizeof(long)))
            : throw new InvalidDataException($"The lock '{name}' holds {raw.Length} bytes, too few for a lease.");

    private static byte[] EventKey(ReadOnlySpan<byte> channel, long sequence)
    {
        var key = new byte[channel.Length + 1 + sizeof(long)];
        channel.CopyTo(key);
        BinaryPrimitives.WriteInt64BigEndian(key.AsSpan(channel.Length + 1), sequence);
        return key;
    }

    // The smallest key after the given one.
    private static byte[] After(byte[] key)
    {
        var next = new byte[key.Length + 1];
        key.CopyTo(next, 0);
        return next;
    }

    private static StoreUnavailableException Contended(string key)
        => new($"The lookup entry '{key}' kept changing under concurrent writers; try again.");

    private byte[] EncodeKey(string key, string parameter)
    {
        ArgumentNullException.ThrowIfNull(key, parameter);
        byte[] bytes;
        try
        {
            bytes = StrictUtf8.GetBytes(key);
        }
        catch (EncoderFallbackException ex)
        {
            throw new ArgumentException($"The name '{key}' is not valid Unicode.", parameter, ex);
        }

        if (bytes.Length > store.MaxKeySize)
        {
            throw new ArgumentException($"The name '{key}' is {bytes.Length} bytes in UTF-8; the store accepts keys of up to {store.MaxKeySize}.", parameter);
        }

        return bytes;
    }

    private byte[] EncodeChannel(string channel)
    {
        var bytes = EncodeKey(channel, nameof(channel));
        if (bytes.AsSpan().Contains((byte)0))
        {
            throw new ArgumentException("A channel name cannot contain U+0000, which separates it from the message number.", nameof(channel));
        }

        if (bytes.Length + 1 + sizeof(long) > store.MaxKeySize)
        {
            throw new ArgumentException($"The channel name '{channel}' is too long for this store's keys.", nameof(channel));
        }

        return bytes;
    }

    private long NowMilliseconds() => time.GetUtcNow().ToUnixTimeMilliseconds();

    // Rounded up, so that even the shortest expiry is a real one and never 0, which means "never".
    private long ExpiryFromNow(TimeSpan? expiry, string parameter)
    {
        if (expiry is not { } span)
        {
            return 0;
        }

        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(span, TimeSpan.Zero, parameter);
        var milliseconds = (span.Ticks + TimeSpan.TicksPerMillisecond - 1) / TimeSpan.TicksPerMillisecond;
        var now = NowMilliseconds();
        return milliseconds > long.MaxValue - now ? long.MaxValue : now + milliseconds;
    }

    private static bool IsLive(byte[] raw, long now, ReadOnlySpan<byte> key)
    {
        if (raw.Length < HeaderSize)
        {
            throw new InvalidDataException($"The lookup entry '{Encoding.UTF8.GetString(key)}' holds {raw.Length} bytes, too few for an entry of this store.");
        }

        var expiresAt = ExpiresAt(raw);
        return expiresAt == 0 || expiresAt > now;
    }

    // The whole entry when it is live; an expired one is removed on the way.
    private async ValueTask<byte[]?> ReadLiveAsync(byte[] keyBytes, CancellationToken cancellationToken)
    {
        var raw = await store.GetAsync(ValueSubspace, keyBytes, cancellationToken).ConfigureAwait(false);
        if (raw is null)
        {
            return null;
        }

        if (IsLive(raw, NowMilliseconds(), keyBytes))
        {
            return raw;
        }

        await DeleteIfUnchangedAsync(ValueSubspace, keyBytes, raw, cancellationToken).ConfigureAwait(false);
        return null;
    }

    // The lock entry when the lease still holds it.
    private async ValueTask<byte[]?> ReadHeldAsync(byte[] keyBytes, LockLease lease, CancellationToken cancellationToken)
    {
        var raw = await store.GetAsync(LockSubspace, keyBytes, cancellationToken).ConfigureAwait(false);
        if (raw is null || LockExpiresAt(raw, lease.Name) <= NowMilliseconds())
        {
            return null;
        }

        var token = Encoding.UTF8.GetBytes(lease.Token);
        return raw.AsSpan(0, raw.Length - sizeof(long)).SequenceEqual(token) ? raw : null;
    }

    // Removal of an expired entry is housekeeping: the assertion keeps a fresh write safe, and a failure only leaves
    // the entry for the next reader or sweep.
    private async ValueTask<bool> DeleteIfUnchangedAsync(string subspace, byte[] key, byte[] raw, CancellationToken cancellationToken)
    {
        try
        {
            var batch = new WriteBatch().AssertValue(subspace, key, raw).Delete(subspace, key);
            return await store.CommitAsync(batch, cancellationToken).ConfigureAwait(false) == CommitResult.Committed;
        }
        catch (StoreUnavailableException)
        {
            return false;
        }
    }

    private async Task<List<KeyValueEntry>> ReadPageAsync(string subspace, KeyRange range, CancellationToken cancellationToken)
    {
        // Read whole before anything is done with it, so no backend cursor stays open across slow work.
        var page = new List<KeyValueEntry>();
        await foreach (var entry in store.ScanAsync(subspace, range, cancellationToken).ConfigureAwait(false))
        {
            page.Add(entry);
        }

        return page;
    }

    private async ValueTask BackOffAsync(int attempt, CancellationToken cancellationToken)
    {
        // The first retries only step aside; later ones wait a random few milliseconds, so that writers that keep
        // colliding spread out.
        if (attempt < 2)
        {
            await Task.Yield();
            return;
        }

        var ceiling = 1 << Math.Min(attempt, 5);
        await Task.Delay(TimeSpan.FromMilliseconds(Random.Shared.Next(1, ceiling + 1)), time, cancellationToken).ConfigureAwait(false);
    }

    private void ThrowIfDisposed() => ObjectDisposedException.ThrowIf(disposed, this);

    private async Task MaintainAsync(CancellationToken cancellationToken)
    {
        var lastExpirySweep = time.GetUtcNow();
        while (true)
        {
            try
            {
                await Task.Delay(options.EventSweepInterval, time, cancellationToken).ConfigureAwait(false);
                await SweepEventsAsync(cancellationToken).ConfigureAwait(false);
                if (options.ExpiredEntrySweepInterval is { } interval && time.GetUtcNow() - lastExpirySweep >= interval)
                {
                    lastExpirySweep = time.GetUtcNow();
                    await SweepExpiredAsync(cancellationToken).ConfigureAwait(false);
                }
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                // The next round tries again; an unavailable store must not end the sweeps for good.
                LogSweepFailed(ex);
            }
        }
    }

    private void Remove(Subscription subscription)
    {
        lock (gate)
        {
            subscriptions.Remove(subscription);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "The lookup store's background sweep failed; it runs again later")]
    private partial void LogSweepFailed(Exception exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "A subscriber of channel '{Channel}' failed on message {Sequence}; the subscription goes on with the next message")]
    private partial void LogHandlerFailed(Exception exception, string channel, long sequence);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Polling channel '{Channel}' failed; the subscription tries again at its next poll")]
    private partial void LogPollFailed(Exception exception, string channel);

    [LoggerMessage(Level = LogLevel.Information, Message = "Channel '{Channel}': messages {First} to {Last} never arrived or were already removed; delivery goes on after them")]
    private partial void LogGapSkipped(string channel, long first, long last);

    /// <summary>One subscriber: a loop that polls its channel and hands new messages to the handler one at a time.</summary>
    private sealed class Subscription(DataStoreLookupStore owner, string channel, byte[] channelBytes, long next, Func<ReadOnlyMemory<byte>, CancellationToken, ValueTask> handler) : IAsyncDisposable
    {
        // Lets disposal tell that it runs inside this subscription's own handler, where waiting for the loop would
        // wait for itself.
        private static readonly AsyncLocal<Subscription?> Handling = new();

        private readonly CancellationTokenSource stopping = new();
        private readonly byte[] channelEnd = KeyRange.PrefixEnd([.. channelBytes, 0])!;
        private Task loop = Task.CompletedTask;
        private long next = next;
        private long gapAt = -1;
        private DateTimeOffset gapSince;
        private int disposed;

        public void Start() => loop = Task.Run(RunAsync);

        public async ValueTask DisposeAsync()
        {
            if (Interlocked.Exchange(ref disposed, 1) != 0)
            {
                return;
            }

            owner.Remove(this);
            await stopping.CancelAsync().ConfigureAwait(false);
            if (Handling.Value != this)
            {
                await loop.ConfigureAwait(false);
                stopping.Dispose();
            }
        }

        private async Task RunAsync()
        {
            Handling.Value = this;
            var token = stopping.Token;
            while (!token.IsCancellationRequested)
            {
                var more = false;
                try
                {
                    more = await PollAsync(token).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (token.IsCancellationRequested)
                {
                    return;
                }
                catch (Exception ex)
                {
                    owner.LogPollFailed(ex, channel);
                }

                if (!more)
                {
                    try
                    {
                        await Task.Delay(owner.options.PollInterval, owner.time, token).ConfigureAwait(false);
                    }
                    catch (OperationCanceledException)
                    {
                        return;
                    }
                }
            }
        }

        // Delivers what has arrived; true when a full page was read and more may be waiting.
        private async Task<bool> PollAsync(CancellationToken cancellationToken)
        {
            var range = new KeyRange(EventKey(channelBytes, next), channelEnd, limit: PollPageSize);
            var page = await owner.ReadPageAsync(EventSubspace, range, cancellationToken).ConfigureAwait(false);
            foreach (var entry in page)
            {
                if (entry.Key.Length != channelBytes.Length + 1 + sizeof(long))
                {
                    continue;
                }

                var sequence = BinaryPrimitives.ReadInt64BigEndian(entry.Key.AsSpan(channelBytes.Length + 1));
                if (sequence > next && !GapExpired(sequence))
                {
                    // A number below this one was taken but its message is not written yet: wait for it, so that a
                    // publisher's messages are never delivered out of order.
                    return false;
                }

                gapAt = -1;
                if (entry.Value.Length >= sizeof(long))
                {
                    await DeliverAsync(entry.Value.AsMemory(sizeof(long)), sequence, cancellationToken).ConfigureAwait(false);
                }

                next = sequence + 1;
            }

            return page.Count == PollPageSize;
        }

        private bool GapExpired(long sequence)
        {
            var now = owner.time.GetUtcNow();
            if (gapAt != next)
            {
                gapAt = next;
                gapSince = now;
            }

            if (now - gapSince < owner.options.GapTimeout)
            {
                return false;
            }

            owner.LogGapSkipped(channel, next, sequence - 1);
            return true;
        }

        private async Task DeliverAsync(ReadOnlyMemory<byte> message, long sequence, CancellationToken cancellationToken)
        {
            try
            {
                await handler(message, cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                throw;
            }
            catch (Exception ex)
            {
                // One bad message must not end the subscription.
                owner.LogHandlerFailed(ex, channel, sequence);
            }
        }
    }
}
