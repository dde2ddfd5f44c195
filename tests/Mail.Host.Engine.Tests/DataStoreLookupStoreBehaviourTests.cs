using System.Buffers.Binary;
using System.Text;
using System.Threading.Channels;
using Mail.Host.Engine.Storage;
using Mail.Host.Plugins.InMemory;
using Mail.Host.Storage;
using Xunit;

namespace Mail.Host.Engine.Tests;

/// <summary>
/// What the data-store lookup adapter does beyond the conformance kit: its layout, its clean-up, how it retries and
/// how polling copes with gaps, failing handlers and disposal.
/// </summary>
public sealed class DataStoreLookupStoreBehaviourTests : IAsyncLifetime
{
    private static readonly TimeSpan MessageTimeout = TimeSpan.FromSeconds(5);

    private readonly ManualClock clock = new();
    private readonly RecordingDataStore data = new(new MemoryDataStore());
    private readonly List<DataStoreLookupStore> opened = [];

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        foreach (var store in opened)
        {
            await store.DisposeAsync();
        }
    }

    [Fact]
    public async Task A_value_is_stored_as_type_expiry_and_payload()
    {
        var lookup = Open(clock);
        var now = clock.GetUtcNow().ToUnixTimeMilliseconds();

        await lookup.SetAsync("rate:alice", new byte[] { 9, 8 }, TimeSpan.FromMinutes(1));
        await lookup.SetAsync("forever", new byte[] { 5 });

        byte[] expiring = [DataStoreLookupStore.ValueType, .. BigEndian(now + 60_000), 9, 8];
        byte[] permanent = [DataStoreLookupStore.ValueType, 0, 0, 0, 0, 0, 0, 0, 0, 5];
        Assert.Equal(expiring, await RawAsync(DataStoreLookupStore.ValueSubspace, "rate:alice"));
        Assert.Equal(permanent, await RawAsync(DataStoreLookupStore.ValueSubspace, "forever"));
    }

    [Fact]
    public async Task A_counter_is_stored_with_its_expiry_and_keeps_it_when_incremented()
    {
        var lookup = Open(clock);
        var created = clock.GetUtcNow().ToUnixTimeMilliseconds();

        Assert.Equal(3, await lookup.IncrementAsync("hits", 3, TimeSpan.FromMinutes(1)));
        clock.Advance(TimeSpan.FromSeconds(30));
        Assert.Equal(5, await lookup.IncrementAsync("hits", 2, TimeSpan.FromMinutes(10)));

        byte[] counter = [DataStoreLookupStore.CounterType, .. BigEndian(created + 60_000), .. Counter.Encode(5)];
        Assert.Equal(counter, await RawAsync(DataStoreLookupStore.ValueSubspace, "hits"));
        Assert.Equal(Counter.Encode(5), await lookup.GetAsync("hits"));

        clock.Advance(TimeSpan.FromSeconds(31));
        Assert.Equal(0, await lookup.GetCounterAsync("hits"));
        Assert.Equal(1, await lookup.IncrementAsync("hits", 1, TimeSpan.FromMinutes(1)));
    }

    [Fact]
    public async Task A_lock_is_stored_as_token_and_end_of_lease()
    {
        var lookup = Open(clock);
        var lease = await lookup.TryAcquireLockAsync("queue:7", TimeSpan.FromSeconds(30));
        Assert.NotNull(lease);

        var expected = clock.GetUtcNow().ToUnixTimeMilliseconds() + 30_000;
        Assert.Equal(expected, lease.ExpiresAt.ToUnixTimeMilliseconds());
        byte[] stored = [.. Encoding.UTF8.GetBytes(lease.Token), .. BigEndian(expected)];
        Assert.Equal(stored, await RawAsync(DataStoreLookupStore.LockSubspace, "queue:7"));
    }

    [Fact]
    public async Task An_expired_entry_reads_as_absent_and_is_removed_when_read()
    {
        var lookup = Open(clock);
        await lookup.SetAsync("short", new byte[] { 1 }, TimeSpan.FromSeconds(10));

        clock.Advance(TimeSpan.FromSeconds(10));

        Assert.Null(await lookup.GetAsync("short"));
        Assert.Null(await RawAsync(DataStoreLookupStore.ValueSubspace, "short"));
    }

    [Fact]
    public async Task Removing_an_expired_entry_on_read_never_removes_a_fresh_write()
    {
        var lookup = Open(clock);
        await lookup.SetAsync("key", new byte[] { 1 }, TimeSpan.FromSeconds(10));
        clock.Advance(TimeSpan.FromSeconds(11));

        // Another process writes the key again between this reader's read and its removal of the expired entry.
        var fresh = new byte[] { DataStoreLookupStore.ValueType, 0, 0, 0, 0, 0, 0, 0, 0, 42 };
        data.BeforeCommit = async batch =>
        {
            if (batch.Any(op => op.Kind == BatchOperationKind.Delete))
            {
                data.BeforeCommit = null;
                await data.Inner.CommitAsync(new WriteBatch().Set(DataStoreLookupStore.ValueSubspace, "key"u8, fresh));
            }

            return null;
        };

        Assert.Null(await lookup.GetAsync("key"));
        Assert.Null(data.BeforeCommit);
        Assert.Equal([42], await lookup.GetAsync("key"));
    }

    [Fact]
    public async Task An_increment_that_loses_a_race_retries_on_the_new_value()
    {
        var lookup = Open(clock);
        await lookup.IncrementAsync("hits", 1);

        // Another process adds 10 between this increment's read and its commit.
        data.BeforeCommit = async _ =>
        {
            data.BeforeCommit = null;
            var other = new DataStoreLookupStore(data.Inner, clock);
            opened.Add(other);
            await other.IncrementAsync("hits", 10);
            return null;
        };

        Assert.Equal(12, await lookup.IncrementAsync("hits", 1));
        Assert.Equal(12, await lookup.GetCounterAsync("hits"));
    }

    [Fact]
    public async Task An_increment_that_never_wins_reports_the_store_unavailable()
    {
        var lookup = Open(clock);
        data.BeforeCommit = _ => ValueTask.FromResult<CommitResult?>(CommitResult.AssertionFailed);

        await Assert.ThrowsAsync<StoreUnavailableException>(async () => await lookup.IncrementAsync("hits", 1));
    }

    [Fact]
    public async Task Keys_that_the_store_cannot_hold_are_refused()
    {
        var lookup = Open(clock);

        await Assert.ThrowsAsync<ArgumentException>(async () => await lookup.SetAsync(new string('k', MemoryDataStore.KeySizeLimit + 1), new byte[] { 1 }));
        await Assert.ThrowsAsync<ArgumentException>(async () => await lookup.SetAsync("bad\uD800", new byte[] { 1 }));
        await Assert.ThrowsAsync<ArgumentException>(async () => await lookup.PublishAsync("bad\0channel", new byte[] { 1 }));
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(async () => await lookup.SetAsync("k", new byte[] { 1 }, TimeSpan.Zero));
    }

    [Fact]
    public async Task A_message_is_stored_under_its_channel_and_number_with_its_time()
    {
        var lookup = Open(clock);
        var now = clock.GetUtcNow().ToUnixTimeMilliseconds();

        await lookup.PublishAsync("chan", new byte[] { 1, 2 });
        await lookup.PublishAsync("chan", new byte[] { 3 });

        var events = await data.EntriesAsync(DataStoreLookupStore.EventSubspace);
        Assert.Equal([[.. "chan"u8, 0, .. BigEndian(1)], [.. "chan"u8, 0, .. BigEndian(2)]], events.Select(entry => entry.Key));
        Assert.Equal([[.. BigEndian(now), 1, 2], [.. BigEndian(now), 3]], events.Select(entry => entry.Value));
        Assert.Equal(Counter.Encode(2), await data.Inner.GetAsync(DataStoreLookupStore.SequenceSubspace, "chan"u8.ToArray()));
    }

    [Fact]
    public async Task Messages_published_before_subscribing_are_not_delivered()
    {
        var lookup = Open();
        await lookup.PublishAsync("chan", new byte[] { 1 });
        await lookup.PublishAsync("chan", new byte[] { 2 });

        var inbox = Channel.CreateUnbounded<byte[]>();
        await using var subscription = await lookup.SubscribeAsync("chan", (message, _) => Collect(inbox, message));
        await lookup.PublishAsync("chan", new byte[] { 3 });

        Assert.Equal([[3]], await ReceiveAsync(inbox, 1));
        await Task.Delay(100);
        Assert.Equal(0, inbox.Reader.Count);
    }

    [Fact]
    public async Task A_handler_that_throws_does_not_end_the_subscription()
    {
        var lookup = Open();
        var inbox = Channel.CreateUnbounded<byte[]>();
        await using var subscription = await lookup.SubscribeAsync("chan", (message, _) =>
        {
            if (message.Span[0] == 1)
            {
                throw new InvalidOperationException("A bad message.");
            }

            return Collect(inbox, message);
        });

        await lookup.PublishAsync("chan", new byte[] { 1 });
        await lookup.PublishAsync("chan", new byte[] { 2 });
        await lookup.PublishAsync("chan", new byte[] { 1 });
        await lookup.PublishAsync("chan", new byte[] { 3 });

        Assert.Equal([[2], [3]], await ReceiveAsync(inbox, 2));
    }

    [Fact]
    public async Task A_message_written_late_under_an_earlier_number_is_still_delivered_first()
    {
        var lookup = Open(options: new DataStoreLookupOptions { PollInterval = TimeSpan.FromMilliseconds(20), GapTimeout = TimeSpan.FromSeconds(5) });
        var inbox = Channel.CreateUnbounded<byte[]>();
        await using var subscription = await lookup.SubscribeAsync("chan", (message, _) => Collect(inbox, message));

        // A slow publisher takes number 1 but writes its message only after a faster one has published number 2.
        var slow = await data.Inner.IncrementAsync(DataStoreLookupStore.SequenceSubspace, "chan"u8.ToArray(), 1);
        await lookup.PublishAsync("chan", new byte[] { 2 });
        await Task.Delay(150);
        Assert.Equal(0, inbox.Reader.Count);
        await data.Inner.CommitAsync(new WriteBatch().Set(DataStoreLookupStore.EventSubspace, [.. "chan"u8, 0, .. BigEndian(slow)], [.. BigEndian(clock.GetUtcNow().ToUnixTimeMilliseconds()), 1]));

        Assert.Equal([[1], [2]], await ReceiveAsync(inbox, 2));
    }

    [Fact]
    public async Task A_number_never_written_delays_later_messages_only_until_the_gap_timeout()
    {
        var lookup = Open(options: new DataStoreLookupOptions { PollInterval = TimeSpan.FromMilliseconds(20), GapTimeout = TimeSpan.FromMilliseconds(300) });
        var inbox = Channel.CreateUnbounded<byte[]>();
        await using var subscription = await lookup.SubscribeAsync("chan", (message, _) => Collect(inbox, message));

        // A publisher that stopped between taking its number and writing its message.
        await data.Inner.IncrementAsync(DataStoreLookupStore.SequenceSubspace, "chan"u8.ToArray(), 1);
        var published = DateTimeOffset.UtcNow;
        await lookup.PublishAsync("chan", new byte[] { 2 });
        await lookup.PublishAsync("chan", new byte[] { 3 });

        Assert.Equal([[2], [3]], await ReceiveAsync(inbox, 2));
        Assert.True(DateTimeOffset.UtcNow - published >= TimeSpan.FromMilliseconds(250), "Messages after the gap did not wait for it.");
    }

    [Fact]
    public async Task A_disposed_subscription_stops_polling()
    {
        var lookup = Open();
        var subscription = await lookup.SubscribeAsync("chan", (_, _) => ValueTask.CompletedTask);
        await Task.Delay(100);
        Assert.Contains(data.Scans, scan => scan.Subspace == DataStoreLookupStore.EventSubspace);

        await subscription.DisposeAsync();
        data.Clear();
        await Task.Delay(150);

        Assert.DoesNotContain(data.Scans, scan => scan.Subspace == DataStoreLookupStore.EventSubspace);
    }

    [Fact]
    public async Task The_event_sweep_removes_only_messages_older_than_the_retention()
    {
        var lookup = Open(clock, new DataStoreLookupOptions { EventRetention = TimeSpan.FromSeconds(60) });
        for (byte i = 0; i < 3; i++)
        {
            await lookup.PublishAsync("old", new[] { i });
        }

        await lookup.PublishAsync("mixed", new byte[] { 1 });
        clock.Advance(TimeSpan.FromSeconds(30));
        await lookup.PublishAsync("mixed", new byte[] { 2 });
        await lookup.PublishAsync("young", new byte[] { 3 });
        clock.Advance(TimeSpan.FromSeconds(31));

        Assert.Equal(4, await lookup.SweepEventsAsync(CancellationToken.None));

        var left = await data.EntriesAsync(DataStoreLookupStore.EventSubspace);
        Assert.Equal([[2], [3]], left.Select(entry => entry.Value[8..]));
    }

    [Fact]
    public async Task The_expiry_sweep_removes_expired_values_counters_and_locks_only()
    {
        var lookup = Open(clock);
        await lookup.SetAsync("gone", new byte[] { 1 }, TimeSpan.FromSeconds(5));
        await lookup.IncrementAsync("gone_counter", 1, TimeSpan.FromSeconds(5));
        await lookup.SetAsync("kept", new byte[] { 2 }, TimeSpan.FromMinutes(5));
        await lookup.SetAsync("forever", new byte[] { 3 });
        Assert.NotNull(await lookup.TryAcquireLockAsync("gone_lock", TimeSpan.FromSeconds(5)));
        Assert.NotNull(await lookup.TryAcquireLockAsync("kept_lock", TimeSpan.FromMinutes(5)));
        clock.Advance(TimeSpan.FromSeconds(6));

        Assert.Equal(3, await lookup.SweepExpiredAsync(CancellationToken.None));

        Assert.Equal(["forever", "kept"], (await data.EntriesAsync(DataStoreLookupStore.ValueSubspace)).Select(entry => Encoding.UTF8.GetString(entry.Key)));
        Assert.Equal(["kept_lock"], (await data.EntriesAsync(DataStoreLookupStore.LockSubspace)).Select(entry => Encoding.UTF8.GetString(entry.Key)));
    }

    [Fact]
    public async Task Old_messages_are_swept_in_the_background()
    {
        var lookup = Open(options: new DataStoreLookupOptions { EventRetention = TimeSpan.FromMilliseconds(100), EventSweepInterval = TimeSpan.FromMilliseconds(50) });
        await lookup.PublishAsync("chan", new byte[] { 1 });

        var deadline = DateTimeOffset.UtcNow + MessageTimeout;
        while ((await data.EntriesAsync(DataStoreLookupStore.EventSubspace)).Count > 0)
        {
            Assert.True(DateTimeOffset.UtcNow < deadline, "The message was never swept.");
            await Task.Delay(20);
        }
    }

    private static byte[] BigEndian(long value)
    {
        var bytes = new byte[8];
        BinaryPrimitives.WriteInt64BigEndian(bytes, value);
        return bytes;
    }

    private static ValueTask Collect(Channel<byte[]> inbox, ReadOnlyMemory<byte> message)
    {
        inbox.Writer.TryWrite(message.ToArray());
        return ValueTask.CompletedTask;
    }

    private static async Task<List<byte[]>> ReceiveAsync(Channel<byte[]> inbox, int count)
    {
        var messages = new List<byte[]>();
        using var timeout = new CancellationTokenSource(MessageTimeout);
        while (messages.Count < count)
        {
            messages.Add(await inbox.Reader.ReadAsync(timeout.Token));
        }

        return messages;
    }

    private DataStoreLookupStore Open(TimeProvider? time = null, DataStoreLookupOptions? options = null)
    {
        var store = new DataStoreLookupStore(data, time ?? TimeProvider.System, options ?? new DataStoreLookupOptions { PollInterval = TimeSpan.FromMilliseconds(20) });
        opened.Add(store);
        return store;
    }

    private async Task<byte[]?> RawAsync(string subspace, string key)
        => await data.Inner.GetAsync(subspace, Encoding.UTF8.GetBytes(key));
}
