using System.Threading.Channels;
using Mail.Host.Engine.Storage;
using Mail.Host.Plugins.InMemory;
using Xunit;

namespace Mail.Host.Engine.Tests;

/// <summary>
/// Two lookup adapters over one data store, standing for two host processes that share a store: everything one
/// does, the other sees.
/// </summary>
public sealed class DataStoreLookupStoreSharedTests : IAsyncLifetime
{
    private static readonly TimeSpan MessageTimeout = TimeSpan.FromSeconds(5);

    private readonly MemoryDataStore data = new();
    private readonly DataStoreLookupStore first;
    private readonly DataStoreLookupStore second;

    public DataStoreLookupStoreSharedTests()
    {
        var options = new DataStoreLookupOptions { PollInterval = TimeSpan.FromMilliseconds(20) };
        first = new DataStoreLookupStore(data, TimeProvider.System, options);
        second = new DataStoreLookupStore(data, TimeProvider.System, options);
    }

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        await first.DisposeAsync();
        await second.DisposeAsync();
    }

    [Fact]
    public async Task A_message_published_through_one_reaches_subscribers_of_both()
    {
        var onSecond = Channel.CreateUnbounded<byte[]>();
        var onFirst = Channel.CreateUnbounded<byte[]>();
        await using var secondSubscription = await second.SubscribeAsync("news", (message, _) => Collect(onSecond, message));
        await using var firstSubscription = await first.SubscribeAsync("news", (message, _) => Collect(onFirst, message));

        for (byte i = 1; i <= 20; i++)
        {
            await first.PublishAsync("news", new byte[] { i, 0, 0xFF });
        }

        var expected = Enumerable.Range(1, 20).Select(i => new byte[] { (byte)i, 0, 0xFF }).ToList();
        Assert.Equal(expected, await ReceiveAsync(onSecond, 20));
        Assert.Equal(expected, await ReceiveAsync(onFirst, 20));
    }

    [Fact]
    public async Task Messages_from_publishers_in_both_keep_each_publishers_order()
    {
        var inbox = Channel.CreateUnbounded<byte[]>();
        await using var subscription = await first.SubscribeAsync("mixed", (message, _) => Collect(inbox, message));

        async Task PublishAll(DataStoreLookupStore store, byte tag)
        {
            for (byte i = 0; i < 50; i++)
            {
                await store.PublishAsync("mixed", new[] { tag, i });
            }
        }

        await Task.WhenAll(Task.Run(() => PublishAll(first, 1)), Task.Run(() => PublishAll(second, 2)));

        var received = await ReceiveAsync(inbox, 100);
        Assert.Equal(Enumerable.Range(0, 50).Select(i => (byte)i), received.Where(m => m[0] == 1).Select(m => m[1]));
        Assert.Equal(Enumerable.Range(0, 50).Select(i => (byte)i), received.Where(m => m[0] == 2).Select(m => m[1]));
    }

    [Fact]
    public async Task A_lock_held_through_one_is_refused_through_the_other_until_released()
    {
        var lease = await first.TryAcquireLockAsync("queue", TimeSpan.FromSeconds(30));
        Assert.NotNull(lease);

        Assert.Null(await second.TryAcquireLockAsync("queue", TimeSpan.FromSeconds(30)));
        Assert.False(await second.ReleaseLockAsync(lease with { Token = "someone else" }));
        Assert.Null(await second.TryAcquireLockAsync("queue", TimeSpan.FromSeconds(30)));

        Assert.True(await first.ReleaseLockAsync(lease));
        var taken = await second.TryAcquireLockAsync("queue", TimeSpan.FromSeconds(30));
        Assert.NotNull(taken);
        Assert.Null(await first.TryAcquireLockAsync("queue", TimeSpan.FromSeconds(30)));
        Assert.Null(await first.RenewLockAsync(lease, TimeSpan.FromSeconds(30)));
    }

    [Fact]
    public async Task Of_contenders_in_both_exactly_one_takes_a_lock()
    {
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var attempts = Enumerable.Range(0, 16).Select(i => Task.Run(async () =>
        {
            await gate.Task;
            return await (i % 2 == 0 ? first : second).TryAcquireLockAsync("single", TimeSpan.FromSeconds(30));
        })).ToArray();
        gate.SetResult();

        Assert.Single(await Task.WhenAll(attempts), lease => lease is not null);
    }

    [Fact]
    public async Task Counters_incremented_in_parallel_through_both_are_exact()
    {
        const int WorkersEach = 4;
        const int Increments = 150;
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var workers = new[] { first, second }.SelectMany(store => Enumerable.Range(0, WorkersEach).Select(_ => Task.Run(async () =>
        {
            await gate.Task;
            var seen = new List<long>();
            for (var i = 0; i < Increments; i++)
            {
                seen.Add(await store.IncrementAsync("hits", 1, TimeSpan.FromMinutes(5)));
            }

            return seen;
        }))).ToArray();
        gate.SetResult();

        var results = (await Task.WhenAll(workers)).SelectMany(seen => seen).Order().ToArray();

        const int Total = 2 * WorkersEach * Increments;
        Assert.Equal(Enumerable.Range(1, Total).Select(i => (long)i), results);
        Assert.Equal(Total, await first.GetCounterAsync("hits"));
        Assert.Equal(Total, await second.GetCounterAsync("hits"));
    }

    [Fact]
    public async Task Values_written_through_one_are_read_and_deleted_through_the_other()
    {
        await first.SetAsync("greylist:1.2.3.4", new byte[] { 7 }, TimeSpan.FromMinutes(5));

        Assert.Equal([7], await second.GetAsync("greylist:1.2.3.4"));
        Assert.True(await second.DeleteAsync("greylist:1.2.3.4"));
        Assert.Null(await first.GetAsync("greylist:1.2.3.4"));
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
}
