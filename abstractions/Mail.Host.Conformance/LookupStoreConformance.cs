using System.Diagnostics;
using System.Threading.Channels;
using Mail.Host.Storage;
using Xunit;

namespace Mail.Host.Conformance;

/// <summary>
/// The conformance tests every <see cref="ILookupStore"/> must pass. Inherit this class in a test project and
/// implement <see cref="OpenStoreAsync"/>; each test gets a store of its own. Expiry tests use lifetimes of a
/// few hundred milliseconds, so the store's clock must resolve at least tens of milliseconds.
/// </summary>
public abstract class LookupStoreConformance : IAsyncLifetime
{
    // How long a test waits for a message before it fails rather than hangs.
    private static readonly TimeSpan MessageTimeout = TimeSpan.FromSeconds(5);

    // How long a test waits for a message that must not come, after a later message on another path has arrived.
    private static readonly TimeSpan Quiet = TimeSpan.FromMilliseconds(200);

    private IStoreInstance? instance;
    private ILookupStore? store;

    /// <summary>The store under test, opened before each test.</summary>
    protected ILookupStore Store => store ?? throw new InvalidOperationException("The store is opened in InitializeAsync.");

    /// <summary>
    /// Opens a new, empty store instance that serves the lookup role. Each call must return a store that shares no
    /// keys or locks with any other (for a server, a new database or key prefix); the instance is disposed after
    /// the test. Channel names are unique per test, so stores may share publish/subscribe.
    /// </summary>
    /// <returns>The open instance.</returns>
    protected abstract ValueTask<IStoreInstance> OpenStoreAsync();

    /// <summary>Opens the store for one test.</summary>
    /// <returns>A task that completes when the store is open.</returns>
    public virtual async Task InitializeAsync()
    {
        instance = await OpenStoreAsync();
        store = instance.Lookup ?? throw new InvalidOperationException("The instance returned by OpenStoreAsync does not serve the lookup role.");
    }

    /// <summary>Disposes the store opened for the test.</summary>
    /// <returns>A task that completes when the store is closed.</returns>
    public virtual async Task DisposeAsync()
    {
        if (instance is not null)
        {
            await instance.DisposeAsync();
            instance = null;
            store = null;
        }
    }

    /// <summary>Reading a key that was never written returns <see langword="null"/>.</summary>
    /// <returns>A task that completes when the test has run.</returns>
    [Fact]
    public async Task Reading_an_absent_key_returns_null()
    {
        Assert.Null(await Store.GetAsync("kit:absent"));
    }

    /// <summary>A value is read back byte for byte, and an empty value is not the same as absent.</summary>
    /// <returns>A task that completes when the test has run.</returns>
    [Fact]
    public async Task A_value_is_read_back_and_an_empty_value_is_not_absent()
    {
        await Store.SetAsync("kit:value", Bytes(0, 1, 0x7F, 0x80, 0xFF));
        await Store.SetAsync("kit:empty", Array.Empty<byte>());

        Assert.Equal(Bytes(0, 1, 0x7F, 0x80, 0xFF), await Store.GetAsync("kit:value"));
        var empty = await Store.GetAsync("kit:empty");
        Assert.NotNull(empty);
        Assert.Empty(empty);
    }

    /// <summary>Changing the arrays passed in or handed out does not change what is stored.</summary>
    /// <returns>A task that completes when the test has run.</returns>
    [Fact]
    public async Task Stored_bytes_do_not_change_when_the_caller_changes_its_arrays()
    {
        var buffer = Bytes(1, 2, 3);
        await Store.SetAsync("kit:value", buffer);
        buffer[0] = 99;

        var read = await Store.GetAsync("kit:value");
        Assert.NotNull(read);
        read[1] = 99;

        Assert.Equal(Bytes(1, 2, 3), await Store.GetAsync("kit:value"));
    }

    /// <summary>Writing a key again replaces its value or counter.</summary>
    /// <returns>A task that completes when the test has run.</returns>
    [Fact]
    public async Task Writing_a_key_again_replaces_its_value_or_counter()
    {
        await Store.SetAsync("kit:value", Bytes(1, 2, 3, 4));
        await Store.SetAsync("kit:value", Bytes(5));
        await Store.IncrementAsync("kit:counter", 5);
        await Store.SetAsync("kit:counter", Bytes(6));

        Assert.Equal(Bytes(5), await Store.GetAsync("kit:value"));
        Assert.Equal(Bytes(6), await Store.GetAsync("kit:counter"));
    }

    /// <summary>Delete removes a value or a counter and tells whether a live entry was removed.</summary>
    /// <returns>A task that completes when the test has run.</returns>
    [Fact]
    public async Task Delete_removes_an_entry_and_tells_whether_one_was_there()
    {
        await Store.SetAsync("kit:value", Bytes(1));
        await Store.IncrementAsync("kit:counter", 3);

        Assert.True(await Store.DeleteAsync("kit:value"));
        Assert.True(await Store.DeleteAsync("kit:counter"));

        Assert.Null(await Store.GetAsync("kit:value"));
        Assert.Equal(0, await Store.GetCounterAsync("kit:counter"));
        Assert.False(await Store.DeleteAsync("kit:value"));
        Assert.False(await Store.DeleteAsync("kit:absent"));
        Assert.Equal(1, await Store.IncrementAsync("kit:counter", 1));
    }

    /// <summary>A value is there until its expiry and gone after it; deleting an expired value removes nothing live.</summary>
    /// <returns>A task that completes when the test has run.</returns>
    [Fact]
    public async Task A_value_is_gone_after_its_expiry()
    {
        await WithTimingAsync(async (attempt, clock) =>
        {
            var read = $"kit:read{attempt}";
            var deleted = $"kit:deleted{attempt}";
            await Store.SetAsync(read, Bytes(1), TimeSpan.FromMilliseconds(600));
            await Store.SetAsync(deleted, Bytes(2), TimeSpan.FromMilliseconds(600));
            var readBefore = await Store.GetAsync(read);
            var deletedBefore = await Store.GetAsync(deleted);
            if (clock.Elapsed >= TimeSpan.FromMilliseconds(550))
            {
                return false;
            }

            Assert.Equal(Bytes(1), readBefore);
            Assert.Equal(Bytes(2), deletedBefore);

            await Task.Delay(TimeSpan.FromMilliseconds(1000));

            Assert.Null(await Store.GetAsync(read));
            Assert.False(await Store.DeleteAsync(deleted));
            Assert.Null(await Store.GetAsync(deleted));
            return true;
        });
    }

    /// <summary>A value written without expiry stays, and writing a key again sets or clears its expiry.</summary>
    /// <returns>A task that completes when the test has run.</returns>
    [Fact]
    public async Task A_value_without_expiry_stays_and_a_new_write_replaces_the_expiry()
    {
        await Store.SetAsync("kit:forever", Bytes(1));
        await Store.SetAsync("kit:made_permanent", Bytes(2), TimeSpan.FromMilliseconds(500));
        await Store.SetAsync("kit:made_permanent", Bytes(3));
        await Store.SetAsync("kit:made_expiring", Bytes(4));
        await Store.SetAsync("kit:made_expiring", Bytes(5), TimeSpan.FromMilliseconds(500));

        await Task.Delay(TimeSpan.FromMilliseconds(900));

        Assert.Equal(Bytes(1), await Store.GetAsync("kit:forever"));
        Assert.Equal(Bytes(3), await Store.GetAsync("kit:made_permanent"));
        Assert.Null(await Store.GetAsync("kit:made_expiring"));
    }

    /// <summary>Counters start at zero, accept negative deltas and return the new value; an absent counter reads as zero.</summary>
    /// <returns>A task that completes when the test has run.</returns>
    [Fact]
    public async Task A_counter_starts_at_zero_and_returns_its_new_value()
    {
        Assert.Equal(0, await Store.GetCounterAsync("kit:counter"));

        Assert.Equal(5, await Store.IncrementAsync("kit:counter", 5));
        Assert.Equal(-2, await Store.IncrementAsync("kit:counter", -7));
        Assert.Equal(-2, await Store.IncrementAsync("kit:counter", 0));

        Assert.Equal(-2, await Store.GetCounterAsync("kit:counter"));
        Assert.Equal(0, await Store.GetCounterAsync("kit:other_counter"));
    }

    /// <summary>Parallel increments lose nothing, and each returns a different value.</summary>
    /// <returns>A task that completes when the test has run.</returns>
    [Fact]
    public async Task Parallel_increments_give_the_exact_total_and_distinct_results()
    {
        const int Workers = 8;
        const int Increments = 250;
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

        var workers = Enumerable.Range(0, Workers).Select(_ => Task.Run(async () =>
        {
            await gate.Task;
            var seen = new List<long>(Increments);
            for (var i = 0; i < Increments; i++)
            {
                seen.Add(await Store.IncrementAsync("kit:counter", 1, TimeSpan.FromMinutes(5)));
            }

            return seen;
        })).ToArray();
        gate.SetResult();
        var results = (await Task.WhenAll(workers)).SelectMany(seen => seen).Order().ToArray();

        Assert.Equal(Enumerable.Range(1, Workers * Increments).Select(i => (long)i), results);
        Assert.Equal(Workers * Increments, await Store.GetCounterAsync("kit:counter"));
    }

    /// <summary>
    /// A counter keeps the expiry it was created with: later increments, with or without an expiry, do not extend
    /// it, and once it ends the counter starts again from zero.
    /// </summary>
    /// <returns>A task that completes when the test has run.</returns>
    [Fact]
    public async Task A_counter_window_is_fixed_at_creation()
    {
        var window = TimeSpan.FromMilliseconds(1000);
        await WithTimingAsync(async (attempt, clock) =>
        {
            var key = $"kit:window{attempt}";
            Assert.Equal(1, await Store.IncrementAsync(key, 1, window));

            await Task.Delay(TimeSpan.FromMilliseconds(600));
            var inWindow = (await Store.IncrementAsync(key, 2, window), await Store.IncrementAsync(key, 1), await Store.GetCounterAsync(key));
            if (clock.Elapsed >= window - TimeSpan.FromMilliseconds(50))
            {
                return false;
            }

            Assert.Equal((3L, 4L, 4L), inWindow);

            // Past the window set at creation, well before the end a sliding window would have.
            await Task.Delay(TimeSpan.FromMilliseconds(700));
            Assert.Equal(0, await Store.GetCounterAsync(key));
            Assert.Null(await Store.GetAsync(key));
            Assert.Equal(5, await Store.IncrementAsync(key, 5, window));
            return true;
        });
    }

    /// <summary>A lock held by one lease cannot be taken by anyone else, nor released or renewed with another token.</summary>
    /// <returns>A task that completes when the test has run.</returns>
    [Fact]
    public async Task A_lock_is_exclusive_while_held()
    {
        var before = DateTimeOffset.UtcNow;
        var lease = await Store.TryAcquireLockAsync("kit:lock", TimeSpan.FromSeconds(10));
        var after = DateTimeOffset.UtcNow;

        Assert.NotNull(lease);
        Assert.Equal("kit:lock", lease.Name);
        Assert.False(string.IsNullOrEmpty(lease.Token));

        // Generous bounds: a server-side store may measure the lease on its own clock.
        Assert.InRange(lease.ExpiresAt, before.AddSeconds(5), after.AddSeconds(15));
        Assert.Null(await Store.TryAcquireLockAsync("kit:lock", TimeSpan.FromSeconds(10)));

        var forged = lease with { Token = lease.Token + "x" };
        Assert.False(await Store.ReleaseLockAsync(forged));
        Assert.Null(await Store.RenewLockAsync(forged, TimeSpan.FromSeconds(10)));
        Assert.Null(await Store.TryAcquireLockAsync("kit:lock", TimeSpan.FromSeconds(10)));

        Assert.NotNull(await Store.TryAcquireLockAsync("kit:other_lock", TimeSpan.FromSeconds(10)));
    }

    /// <summary>Of many concurrent attempts to take one lock, exactly one succeeds.</summary>
    /// <returns>A task that completes when the test has run.</returns>
    [Fact]
    public async Task Of_many_concurrent_attempts_exactly_one_takes_the_lock()
    {
        const int Contenders = 16;
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

        var attempts = Enumerable.Range(0, Contenders).Select(_ => Task.Run(async () =>
        {
            await gate.Task;
            return await Store.TryAcquireLockAsync("kit:lock", TimeSpan.FromSeconds(10));
        })).ToArray();
        gate.SetResult();
        var leases = await Task.WhenAll(attempts);

        var winner = Assert.Single(leases, lease => lease is not null);
        Assert.NotNull(winner);
        Assert.True(await Store.ReleaseLockAsync(winner));
    }

    /// <summary>Releasing a held lease frees the lock once; a released lease can be neither released nor renewed again.</summary>
    /// <returns>A task that completes when the test has run.</returns>
    [Fact]
    public async Task Releasing_a_lease_frees_the_lock_once()
    {
        var lease = await Store.TryAcquireLockAsync("kit:lock", TimeSpan.FromSeconds(10));
        Assert.NotNull(lease);

        Assert.True(await Store.ReleaseLockAsync(lease));
        Assert.False(await Store.ReleaseLockAsync(lease));
        Assert.Null(await Store.RenewLockAsync(lease, TimeSpan.FromSeconds(10)));

        var next = await Store.TryAcquireLockAsync("kit:lock", TimeSpan.FromSeconds(10));
        Assert.NotNull(next);
        Assert.NotEqual(lease.Token, next.Token);
    }

    /// <summary>
    /// An expired lease can be taken by someone else; the old lease then neither releases nor renews the new
    /// holder's lock.
    /// </summary>
    /// <returns>A task that completes when the test has run.</returns>
    [Fact]
    public async Task An_expired_lease_can_be_taken_and_the_stale_lease_cannot_touch_the_new_one()
    {
        var stale = await Store.TryAcquireLockAsync("kit:lock", TimeSpan.FromMilliseconds(400));
        Assert.NotNull(stale);

        await Task.Delay(TimeSpan.FromMilliseconds(700));
        var current = await Store.TryAcquireLockAsync("kit:lock", TimeSpan.FromSeconds(10));

        Assert.NotNull(current);
        Assert.NotEqual(stale.Token, current.Token);
        Assert.False(await Store.ReleaseLockAsync(stale));
        Assert.Null(await Store.RenewLockAsync(stale, TimeSpan.FromSeconds(10)));
        Assert.Null(await Store.TryAcquireLockAsync("kit:lock", TimeSpan.FromSeconds(10)));
        Assert.True(await Store.ReleaseLockAsync(current));
    }

    /// <summary>Renewing a held lease keeps the lock past the original end of the lease.</summary>
    /// <returns>A task that completes when the test has run.</returns>
    [Fact]
    public async Task Renewing_a_held_lease_extends_it()
    {
        await WithTimingAsync(async (attempt, clock) =>
        {
            var name = $"kit:lock{attempt}";
            var lease = await Store.TryAcquireLockAsync(name, TimeSpan.FromMilliseconds(600));
            Assert.NotNull(lease);

            await Task.Delay(TimeSpan.FromMilliseconds(300));
            var renewed = await Store.RenewLockAsync(lease, TimeSpan.FromMilliseconds(1500));
            if (clock.Elapsed >= TimeSpan.FromMilliseconds(550))
            {
                return false;
            }

            Assert.NotNull(renewed);
            Assert.Equal(lease.Name, renewed.Name);
            Assert.True(renewed.ExpiresAt > lease.ExpiresAt, "The renewed lease does not end later than the original.");

            // Past the original end of the lease; the renewed one ends 1800 ms or more after the clock started.
            await Task.Delay(TimeSpan.FromMilliseconds(500));
            var intruder = await Store.TryAcquireLockAsync(name, TimeSpan.FromSeconds(10));
            var released = await Store.ReleaseLockAsync(renewed);
            if (clock.Elapsed >= TimeSpan.FromMilliseconds(1750))
            {
                return false;
            }

            Assert.Null(intruder);
            Assert.True(released, "The renewed lease could not be released.");
            Assert.NotNull(await Store.TryAcquireLockAsync(name, TimeSpan.FromSeconds(10)));
            return true;
        });
    }

    /// <summary>A subscriber receives the messages published after it subscribed, byte for byte and in order.</summary>
    /// <returns>A task that completes when the test has run.</returns>
    [Fact]
    public async Task A_subscriber_receives_messages_in_the_order_published()
    {
        var channel = NewChannel();
        var inbox = new Inbox();
        await using var subscription = await Store.SubscribeAsync(channel, inbox.HandleAsync);

        var sent = Enumerable.Range(0, 50).Select(i => i == 0 ? [] : Bytes((byte)i, 0x00, 0xFF, 0x80, (byte)(255 - i))).ToArray();
        foreach (var message in sent)
        {
            await Store.PublishAsync(channel, message);
        }

        Assert.Equal(sent, await inbox.ReceiveAsync(sent.Length));
    }

    /// <summary>Changing the array a message was published from does not change the message received.</summary>
    /// <returns>A task that completes when the test has run.</returns>
    [Fact]
    public async Task A_published_message_does_not_change_when_the_caller_changes_its_array()
    {
        var channel = NewChannel();
        var inbox = new Inbox();
        await using var subscription = await Store.SubscribeAsync(channel, inbox.HandleAsync);

        var buffer = Bytes(1, 2, 3);
        await Store.PublishAsync(channel, buffer);
        buffer[0] = 99;
        await Store.PublishAsync(channel, buffer);

        Assert.Equal([Bytes(1, 2, 3), Bytes(99, 2, 3)], await inbox.ReceiveAsync(2));
    }

    /// <summary>Two subscribers of one channel both receive every message.</summary>
    /// <returns>A task that completes when the test has run.</returns>
    [Fact]
    public async Task Every_subscriber_of_a_channel_receives_every_message()
    {
        var channel = NewChannel();
        var first = new Inbox();
        var second = new Inbox();
        await using var firstSubscription = await Store.SubscribeAsync(channel, first.HandleAsync);
        await using var secondSubscription = await Store.SubscribeAsync(channel, second.HandleAsync);

        await Store.PublishAsync(channel, Bytes(1));
        await Store.PublishAsync(channel, Bytes(2));

        Assert.Equal([Bytes(1), Bytes(2)], await first.ReceiveAsync(2));
        Assert.Equal([Bytes(1), Bytes(2)], await second.ReceiveAsync(2));
    }

    /// <summary>A subscriber receives nothing published on another channel, even one whose name starts with its own.</summary>
    /// <returns>A task that completes when the test has run.</returns>
    [Fact]
    public async Task A_subscriber_receives_nothing_from_another_channel()
    {
        var channel = NewChannel();
        var longer = channel + "_more";
        var inbox = new Inbox();
        var longerInbox = new Inbox();
        await using var subscription = await Store.SubscribeAsync(channel, inbox.HandleAsync);
        await using var longerSubscription = await Store.SubscribeAsync(longer, longerInbox.HandleAsync);

        await Store.PublishAsync(longer, Bytes(1));
        await Store.PublishAsync(NewChannel(), Bytes(2));
        await Store.PublishAsync(channel, Bytes(3));
        await Store.PublishAsync(longer, Bytes(4));

        // Each subscription's last message marks that anything sent to it earlier has arrived too.
        Assert.Equal([Bytes(3)], await inbox.ReceiveAsync(1));
        Assert.Equal([Bytes(1), Bytes(4)], await longerInbox.ReceiveAsync(2));
        await Task.Delay(Quiet);
        Assert.Equal(0, inbox.Waiting);
        Assert.Equal(0, longerInbox.Waiting);
    }

    /// <summary>A subscription's handler is called one message at a time.</summary>
    /// <returns>A task that completes when the test has run.</returns>
    [Fact]
    public async Task A_handler_is_called_one_message_at_a_time()
    {
        var channel = NewChannel();
        var inbox = new Inbox(TimeSpan.FromMilliseconds(10));
        await using var subscription = await Store.SubscribeAsync(channel, inbox.HandleAsync);

        for (var i = 0; i < 10; i++)
        {
            await Store.PublishAsync(channel, Bytes((byte)i));
        }

        Assert.Equal(Enumerable.Range(0, 10).Select(i => Bytes((byte)i)), await inbox.ReceiveAsync(10));
        Assert.Equal(0, inbox.Overlaps);
    }

    /// <summary>After its subscription is disposed, a handler receives nothing more, while other subscribers still do.</summary>
    /// <returns>A task that completes when the test has run.</returns>
    [Fact]
    public async Task A_disposed_subscription_receives_nothing_more()
    {
        var channel = NewChannel();
        var kept = new Inbox();
        var dropped = new Inbox();
        await using var keptSubscription = await Store.SubscribeAsync(channel, kept.HandleAsync);
        var droppedSubscription = await Store.SubscribeAsync(channel, dropped.HandleAsync);

        await Store.PublishAsync(channel, Bytes(1));
        Assert.Equal([Bytes(1)], await kept.ReceiveAsync(1));
        Assert.Equal([Bytes(1)], await dropped.ReceiveAsync(1));

        await droppedSubscription.DisposeAsync();
        await Store.PublishAsync(channel, Bytes(2));
        await Store.PublishAsync(channel, Bytes(3));

        Assert.Equal([Bytes(2), Bytes(3)], await kept.ReceiveAsync(2));
        await Task.Delay(Quiet);
        Assert.Equal(0, dropped.Waiting);
    }

    private static byte[] Bytes(params byte[] bytes) => bytes;

    /// <summary>
    /// Runs a scenario that depends on timing, with fresh keys each attempt. An attempt returns
    /// <see langword="false"/> when its steps ran so late that the store could rightly have expired something the
    /// scenario still expects; a busy machine (or a starved thread pool) then costs a retry rather than a false
    /// failure. Lateness never hides a failure that happened in time.
    /// </summary>
    private static async Task WithTimingAsync(Func<int, Stopwatch, Task<bool>> attempt)
    {
        const int Attempts = 3;
        for (var i = 1; i <= Attempts; i++)
        {
            if (await attempt(i, Stopwatch.StartNew()))
            {
                return;
            }
        }

        Assert.Fail($"Each of {Attempts} attempts ran too late to judge expiry: the machine or the store is too slow for this test.");
    }

    // Unique, so that stores sharing a server's publish/subscribe (which is often global) do not hear each other.
    private static string NewChannel() => $"kit_{Guid.NewGuid():N}";

    /// <summary>Collects the messages a subscription's handler receives.</summary>
    /// <param name="handlerDelay">How long each handler call takes.</param>
    private sealed class Inbox(TimeSpan handlerDelay = default)
    {
        private readonly Channel<byte[]> received = Channel.CreateUnbounded<byte[]>();
        private int handling;
        private int overlaps;

        /// <summary>How many handler calls started while another was running.</summary>
        public int Overlaps => Volatile.Read(ref overlaps);

        /// <summary>How many messages arrived that no <see cref="ReceiveAsync"/> has taken.</summary>
        public int Waiting => received.Reader.Count;

        /// <summary>The subscription's handler.</summary>
        /// <param name="message">The message.</param>
        /// <param name="cancellationToken">Ends the call when the subscription ends.</param>
        /// <returns>A task that completes when the message is recorded.</returns>
        public async ValueTask HandleAsync(ReadOnlyMemory<byte> message, CancellationToken cancellationToken)
        {
            if (Interlocked.Increment(ref handling) > 1)
            {
                Interlocked.Increment(ref overlaps);
            }

            try
            {
                // Copied at once: the memory is only the handler's until it returns.
                var copy = message.ToArray();
                if (handlerDelay > TimeSpan.Zero)
                {
                    await Task.Delay(handlerDelay, CancellationToken.None);
                }

                received.Writer.TryWrite(copy);
            }
            finally
            {
                Interlocked.Decrement(ref handling);
            }
        }

        /// <summary>Takes the next messages, failing the test if they do not arrive in time.</summary>
        /// <param name="count">How many messages to take.</param>
        /// <returns>The messages, in the order they arrived.</returns>
        public async Task<List<byte[]>> ReceiveAsync(int count)
        {
            var messages = new List<byte[]>(count);
            using var timeout = new CancellationTokenSource(MessageTimeout);
            try
            {
                while (messages.Count < count)
                {
                    messages.Add(await received.Reader.ReadAsync(timeout.Token));
                }
            }
            catch (OperationCanceledException) when (timeout.IsCancellationRequested)
            {
                Assert.Fail($"{messages.Count} of {count} messages arrived within {MessageTimeout.TotalSeconds} s.");
            }

            return messages;
        }
    }
}
