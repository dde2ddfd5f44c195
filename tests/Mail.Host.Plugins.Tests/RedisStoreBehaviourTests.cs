using Mail.Host.Tests.Services;
using System.Net;
using System.Net.Sockets;
using Mail.Host.Plugins.Redis;
using Mail.Host.Storage;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Xunit;

namespace Mail.Host.Plugins.Tests;

/// <summary>What the redis store does beyond the kit: settings checks, an unreachable server, two processes.</summary>
[RequiresEnvironment("MAILHOST_TEST_REDIS", "Redis server")]
public sealed class RedisStoreBehaviourTests
{
    [Fact]
    public void Settings_problems_name_the_key_and_the_fix()
    {
        var problems = new RedisStoreProvider().Validate(Context(new() { ["Type"] = "redis", ["Database"] = "99", ["Colour"] = "red" })).ToList();

        Assert.Contains(problems, p => p.Contains("Stores:cache:Endpoints is missing", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.Contains("Stores:cache:Database '99'", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.Contains("Stores:cache:Colour is not a setting of the redis store", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_server_that_does_not_answer_is_a_store_unavailable_error()
    {
        var closedPort = ClosedPort();

        var error = await Assert.ThrowsAsync<StoreUnavailableException>(async () => await RedisLookupStoreTests.OpenAsync($"127.0.0.1:{closedPort}", "x:", connectTimeoutMilliseconds: 500));

        Assert.Contains($"127.0.0.1:{closedPort}", error.Message, StringComparison.Ordinal);
    }

    /// <summary>Two store instances stand for two host processes: a message one publishes reaches the other's subscriber, and a lock one holds the other cannot take.</summary>
    [Fact]
    public async Task Two_processes_share_messages_and_locks_through_the_server()
    {
        var endpoint = TestServices.Require("MAILHOST_TEST_REDIS");
        var prefix = $"test-{Guid.NewGuid():N}:";
        await using var first = await RedisLookupStoreTests.OpenAsync(endpoint, prefix);
        await using var second = await RedisLookupStoreTests.OpenAsync(endpoint, prefix);
        var received = new TaskCompletionSource<byte[]>(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var subscription = await second.Lookup!.SubscribeAsync("changes", (m, _) =>
        {
            received.TrySetResult(m.ToArray());
            return ValueTask.CompletedTask;
        });

        await first.Lookup!.PublishAsync("changes", new byte[] { 4, 2 });
        var lease = await first.Lookup.TryAcquireLockAsync("queue", TimeSpan.FromSeconds(30));

        Assert.Equal(new byte[] { 4, 2 }, await received.Task.WaitAsync(TimeSpan.FromSeconds(5)));
        Assert.NotNull(lease);
        Assert.Null(await second.Lookup.TryAcquireLockAsync("queue", TimeSpan.FromSeconds(30)));
        Assert.Equal(7, await second.Lookup.IncrementAsync("shared", 7));
        Assert.Equal(7, await first.Lookup.GetCounterAsync("shared"));
    }

    /// <summary>
    /// A private Redis server is stopped under an open store: calls fail with <see cref="StoreUnavailableException"/>
    /// (a temporary failure for the protocols), and succeed again once the server is back, on the same store.
    /// </summary>
    [Fact]
    public async Task The_store_fails_temporarily_while_redis_is_down_and_recovers_when_it_returns()
    {
        TestServices.Require("MAILHOST_TEST_REDIS");
        var port = ClosedPort();
        using (var server = StartRedis(port))
        {
            await using var store = await OpenWhenReadyAsync(port);
            await store.Lookup!.SetAsync("k", new byte[] { 1 });

            server.Kill();
            await server.WaitForExitAsync();
            await Assert.ThrowsAsync<StoreUnavailableException>(async () => await store.Lookup.GetAsync("k"));

            using var restarted = StartRedis(port);
            var deadline = DateTime.UtcNow.AddSeconds(20);
            while (true)
            {
                try
                {
                    await store.Lookup.SetAsync("k", new byte[] { 2 });
                    break;
                }
                catch (StoreUnavailableException) when (DateTime.UtcNow < deadline)
                {
                    await Task.Delay(200);
                }
            }

            Assert.Equal(new byte[] { 2 }, await store.Lookup.GetAsync("k"));
            restarted.Kill();
        }
    }

    private static System.Diagnostics.Process StartRedis(int port)
        => System.Diagnostics.Process.Start(new System.Diagnostics.ProcessStartInfo("redis-server", $"--port {port} --bind 127.0.0.1 --save \"\" --appendonly no")
        {
            RedirectStandardOutput = true,
            UseShellExecute = false,
        })!;

    private static async Task<IStoreInstance> OpenWhenReadyAsync(int port)
    {
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                return await RedisLookupStoreTests.OpenAsync($"127.0.0.1:{port}", "recover:", connectTimeoutMilliseconds: 1000);
            }
            catch (StoreUnavailableException) when (attempt < 50)
            {
                await Task.Delay(100);
            }
        }
    }

    private static int ClosedPort()
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return ((IPEndPoint)socket.LocalEndPoint!).Port;
    }

    private static StoreContext Context(Dictionary<string, string?> settings) => new()
    {
        Name = "cache",
        Settings = new ConfigurationBuilder().AddInMemoryCollection(settings).Build(),
        BaseDirectory = AppContext.BaseDirectory,
        Services = new ServiceCollection().BuildServiceProvider(),
    };
}
