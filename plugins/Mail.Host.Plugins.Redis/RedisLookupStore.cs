using System.Globalization;
using Mail.Host.Storage;
using Microsoft.Extensions.Logging;
using StackExchange.Redis;

namespace Mail.Host.Plugins.Redis;

/// <summary>
/// The lookup role on Redis. Values and counters share one key space (<c>PREFIX v:KEY</c>); a counter is a Redis
/// integer, so increments are atomic on the server; locks are <c>SET NX PX</c> with a random token, renewed and
/// released only by a script that checks the token; publish/subscribe is Redis's own, which reaches every host process
/// connected to the server.
/// </summary>
internal sealed class RedisLookupStore : ILookupStore, IAsyncDisposable
{
    // Starts a counter's expiry only when the increment created it, so a window is fixed at creation.
    private static readonly LuaScript IncrementScript = LuaScript.Prepare("""
        local existed = redis.call('EXISTS', @key)
        local value = redis.call('INCRBY', @key, @delta)
        if existed == 0 and tonumber(@expiry) > 0 then redis.call('PEXPIRE', @key, @expiry) end
        return value
        """);

    private static readonly LuaScript RenewScript = LuaScript.Prepare("""
        if redis.call('GET', @key) == @token then return redis.call('PEXPIRE', @key, @duration) else return 0 end
        """);

    private static readonly LuaScript ReleaseScript = LuaScript.Prepare("""
        if redis.call('GET', @key) == @token then return redis.call('DEL', @key) else return 0 end
        """);

    private readonly ConnectionMultiplexer connection;
    private readonly string prefix;
    private readonly ILogger logger;

    public RedisLookupStore(ConnectionMultiplexer connection, string prefix, ILogger logger)
    {
        this.connection = connection;
        this.prefix = prefix;
        this.logger = logger;
    }

    private IDatabase Db => connection.GetDatabase();

    public ValueTask SetAsync(string key, ReadOnlyMemory<byte> value, TimeSpan? expiry = null, CancellationToken cancellationToken = default)
        => RunAsync(async () =>
        {
            await Db.StringSetAsync(ValueKey(key), value.ToArray(), expiry, When.Always).WaitAsync(cancellationToken).ConfigureAwait(false);
            return true;
        }).Discard();

    public ValueTask<byte[]?> GetAsync(string key, CancellationToken cancellationToken = default)
        => RunAsync(async () => (byte[]?)await Db.StringGetAsync(ValueKey(key)).WaitAsync(cancellationToken).ConfigureAwait(false));

    public ValueTask<bool> DeleteAsync(string key, CancellationToken cancellationToken = default)
        => RunAsync(() => Db.KeyDeleteAsync(ValueKey(key)).WaitAsync(cancellationToken));

    public ValueTask<long> IncrementAsync(string key, long delta, TimeSpan? expiry = null, CancellationToken cancellationToken = default)
        => RunAsync(async () =>
        {
            var milliseconds = expiry is { } e ? Math.Max(1, (long)Math.Ceiling(e.TotalMilliseconds)) : 0;
            var result = await Db.ScriptEvaluateAsync(IncrementScript, new { key = ValueKey(key), delta, expiry = milliseconds }).WaitAsync(cancellationToken).ConfigureAwait(false);
            return (long)result;
        });

    public ValueTask<long> GetCounterAsync(string key, CancellationToken cancellationToken = default)
        => RunAsync(async () =>
        {
            var value = await Db.StringGetAsync(ValueKey(key)).WaitAsync(cancellationToken).ConfigureAwait(false);
            return value.IsNull ? 0 : long.TryParse((string?)value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var number) ? number : 0;
        });

    public ValueTask<LockLease?> TryAcquireLockAsync(string name, TimeSpan duration, CancellationToken cancellationToken = default)
        => RunAsync(async () =>
        {
            var token = Guid.NewGuid().ToString("N");
            var expires = DateTimeOffset.UtcNow + duration;
            var taken = await Db.StringSetAsync(LockKey(name), token, duration, When.NotExists).WaitAsync(cancellationToken).ConfigureAwait(false);
            return taken ? new LockLease(name, token, expires) : null;
        });

    public ValueTask<LockLease?> RenewLockAsync(LockLease lease, TimeSpan duration, CancellationToken cancellationToken = default)
        => RunAsync(async () =>
        {
            ArgumentNullException.ThrowIfNull(lease);
            var expires = DateTimeOffset.UtcNow + duration;
            var result = await Db.ScriptEvaluateAsync(RenewScript, new { key = LockKey(lease.Name), token = lease.Token, duration = Math.Max(1, (long)duration.TotalMilliseconds) }).WaitAsync(cancellationToken).ConfigureAwait(false);
            return (long)result == 1 ? lease with { ExpiresAt = expires } : null;
        });

    public ValueTask<bool> ReleaseLockAsync(LockLease lease, CancellationToken cancellationToken = default)
        => RunAsync(async () =>
        {
            ArgumentNullException.ThrowIfNull(lease);
            var result = await Db.ScriptEvaluateAsync(ReleaseScript, new { key = LockKey(lease.Name), token = lease.Token }).WaitAsync(cancellationToken).ConfigureAwait(false);
            return (long)result == 1;
        });

    public ValueTask PublishAsync(string channel, ReadOnlyMemory<byte> message, CancellationToken cancellationToken = default)
        => RunAsync(async () =>
        {
            await connection.GetSubscriber().PublishAsync(Channel(channel), message.ToArray()).WaitAsync(cancellationToken).ConfigureAwait(false);
            return true;
        }).Discard();

    public ValueTask<IAsyncDisposable> SubscribeAsync(string channel, Func<ReadOnlyMemory<byte>, CancellationToken, ValueTask> handler, CancellationToken cancellationToken = default)
        => RunAsync<IAsyncDisposable>(async () =>
        {
            ArgumentNullException.ThrowIfNull(handler);
            var queue = await connection.GetSubscriber().SubscribeAsync(Channel(channel)).WaitAsync(cancellationToken).ConfigureAwait(false);
            return new Subscription(queue, handler, logger);
        });

    public async ValueTask DisposeAsync() => await connection.DisposeAsync().ConfigureAwait(false);

    private static async ValueTask<T> RunAsync<T>(Func<Task<T>> call)
    {
        try
        {
            return await call().ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is RedisConnectionException or RedisTimeoutException or TimeoutException)
        {
            throw new StoreUnavailableException($"Redis is not reachable: {ex.Message}", ex);
        }
    }

    private RedisKey ValueKey(string key) => prefix + "v:" + key;

    private RedisKey LockKey(string name) => prefix + "l:" + name;

    private RedisChannel Channel(string name) => RedisChannel.Literal(prefix + "c:" + name);

    /// <summary>One subscription: Redis hands its messages to the handler in order, one at a time.</summary>
    private sealed class Subscription : IAsyncDisposable
    {
        private readonly ChannelMessageQueue queue;
        private readonly CancellationTokenSource stopping = new();

        public Subscription(ChannelMessageQueue queue, Func<ReadOnlyMemory<byte>, CancellationToken, ValueTask> handler, ILogger logger)
        {
            this.queue = queue;
            queue.OnMessage(async message =>
            {
                if (stopping.IsCancellationRequested)
                {
                    return;
                }

                try
                {
                    await handler((byte[])message.Message!, stopping.Token).ConfigureAwait(false);
                }
                catch (Exception ex) when (ex is not OperationCanceledException || !stopping.IsCancellationRequested)
                {
                    logger.LogWarning(ex, "A subscriber to {Channel} failed on a message", message.Channel);
                }
            });
        }

        public async ValueTask DisposeAsync()
        {
            if (stopping.IsCancellationRequested)
            {
                return;
            }

            await stopping.CancelAsync().ConfigureAwait(false);
            try
            {
                await queue.UnsubscribeAsync().ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is RedisConnectionException or RedisTimeoutException)
            {
                // The server is gone, and with it the subscription.
            }
        }
    }
}
