using Mail.Host.Plugins.RocksDb;
using Mail.Host.Storage;
using Xunit;

namespace Mail.Host.Plugins.Tests;

/// <summary>What the <c>rocksdb</c> store does beyond the conformance kit: settings, files on disk, reopening, group commit.</summary>
public sealed class RocksDbStoreTests : IDisposable
{
    private readonly RocksDbTestFolder folder = new();
    private readonly RocksDbStoreProvider provider = new();

    /// <inheritdoc />
    public void Dispose() => folder.Dispose();

    [Fact]
    public void The_provider_offers_the_rocksdb_type_for_the_data_role_only()
    {
        Assert.Equal("rocksdb", provider.Type);
        Assert.Equal(StoreRoles.Data, provider.Roles);
    }

    [Fact]
    public async Task An_instance_serves_the_data_role_only_and_creates_its_folder_relative_to_the_manifest()
    {
        await using var instance = await folder.OpenAsync();

        Assert.NotNull(instance.Data);
        Assert.Null(instance.Blob);
        Assert.Null(instance.FullText);
        Assert.Null(instance.Lookup);
        Assert.True(File.Exists(Path.Combine(folder.DatabasePath, "CURRENT")));
    }

    [Fact]
    public void Usable_settings_raise_no_problem()
    {
        Assert.Empty(provider.Validate(folder.Context(("Path", "data/rocksdb"))));
        Assert.Empty(provider.Validate(folder.Context(("Path", folder.FullPath), ("SyncWrites", "false"), ("BlockCacheMegabytes", "16"), ("MaxBatchOperations", "32"))));
    }

    [Fact]
    public void A_missing_Path_is_reported_with_the_key_and_an_example()
    {
        var problem = Assert.Single(provider.Validate(folder.Context()));

        Assert.StartsWith("Stores:main:Path is missing; set it to a folder such as data/rocksdb", problem, StringComparison.Ordinal);
        Assert.Single(provider.Validate(folder.Context(("Path", "  "))));
    }

    [Fact]
    public async Task A_Path_that_is_a_file_is_reported()
    {
        var file = Path.Combine(folder.FullPath, "not-a-folder");
        await File.WriteAllTextAsync(file, "x");

        var problem = Assert.Single(provider.Validate(folder.Context(("Path", "not-a-folder"))));

        Assert.Contains("Stores:main:Path", problem, StringComparison.Ordinal);
        Assert.Contains(file, problem, StringComparison.Ordinal);
        Assert.Contains("is a file", problem, StringComparison.Ordinal);
        var thrown = await Assert.ThrowsAsync<InvalidOperationException>(async () => await provider.OpenAsync(folder.Context(("Path", "not-a-folder")), CancellationToken.None));
        Assert.Contains("is a file", thrown.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("SyncWrites", "yes", "Stores:main:SyncWrites 'yes' is not true or false")]
    [InlineData("BlockCacheMegabytes", "0", "Stores:main:BlockCacheMegabytes '0' is not a whole number from 1")]
    [InlineData("BlockCacheMegabytes", "lots", "Stores:main:BlockCacheMegabytes 'lots' is not a whole number")]
    [InlineData("MaxBatchOperations", "-5", "Stores:main:MaxBatchOperations '-5' is not a whole number from 1")]
    [InlineData("Sync", "true", "Stores:main:Sync is not a setting of the rocksdb store")]
    public void A_bad_optional_setting_is_reported_with_its_key(string key, string value, string expected)
    {
        var problem = Assert.Single(provider.Validate(folder.Context(("Path", "data/rocksdb"), (key, value))));

        Assert.StartsWith(expected, problem, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Data_subspaces_and_counters_survive_closing_and_reopening()
    {
        await using (var first = await folder.OpenAsync())
        {
            var data = first.Data!;
            Assert.Equal(CommitResult.Committed, await data.CommitAsync(new WriteBatch()
                .Set("mailbox", [1], [10])
                .Set("mailbox", [2], [])
                .Set("message", [1], [20, 21])
                .Set("default", [9], [90])
                .Increment("counter", [1], 41)));
            Assert.Equal(42, await data.IncrementAsync("counter", new byte[] { 1 }, 1));
            Assert.Equal(CommitResult.Committed, await data.CommitAsync(new WriteBatch().Delete("message", [1]).Set("message", [2], [22])));
        }

        await using var second = await folder.OpenAsync();
        var reopened = second.Data!;
        Assert.Equal([10], await reopened.GetAsync("mailbox", new byte[] { 1 }));
        var empty = await reopened.GetAsync("mailbox", new byte[] { 2 });
        Assert.NotNull(empty);
        Assert.Empty(empty);
        Assert.Null(await reopened.GetAsync("message", new byte[] { 1 }));
        Assert.Equal([22], await reopened.GetAsync("message", new byte[] { 2 }));
        Assert.Equal([90], await reopened.GetAsync("default", new byte[] { 9 }));
        Assert.Equal(Counter.Encode(42), await reopened.GetAsync("counter", new byte[] { 1 }));
        Assert.Equal(2, await CountAsync(reopened, "mailbox"));
        Assert.Equal(43, await reopened.IncrementAsync("counter", new byte[] { 1 }, 1));

        // Subspaces created in the first run are written to again, and new ones created, after reopening.
        Assert.Equal(CommitResult.Committed, await reopened.CommitAsync(new WriteBatch().Set("mailbox", [3], [30]).Set("thread", [1], [1])));
        Assert.Equal(3, await CountAsync(reopened, "mailbox"));
        Assert.Equal([1], await reopened.GetAsync("thread", new byte[] { 1 }));
    }

    [Fact]
    public async Task A_folder_in_use_by_an_open_store_cannot_be_opened_twice()
    {
        await using var first = await folder.OpenAsync();

        var thrown = await Assert.ThrowsAsync<InvalidOperationException>(async () => await folder.OpenAsync());

        Assert.Contains("Store 'main' cannot open the RocksDB database", thrown.Message, StringComparison.Ordinal);
        Assert.Contains("Another process", thrown.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Concurrent_commits_are_all_applied_and_all_present_after_reopening()
    {
        const int Tasks = 32;
        const int Commits = 100;
        long groups;
        await using (var first = await folder.OpenAsync())
        {
            var data = first.Data!;
            var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            var writers = Enumerable.Range(0, Tasks).Select(task => Task.Run(async () =>
            {
                await gate.Task;
                for (var i = 0; i < Commits; i++)
                {
                    var result = await data.CommitAsync(new WriteBatch()
                        .Set("msg", [(byte)task, (byte)i], [(byte)task, (byte)i, 0xAB])
                        .Set("idx", [(byte)i, (byte)task], [])
                        .Increment("count", [0], 1));
                    Assert.Equal(CommitResult.Committed, result);
                }
            })).ToArray();
            gate.SetResult();
            await Task.WhenAll(writers);
            groups = Store(first).Writer.GroupsWritten;
        }

        // Group commit shares writes between callers; never more writes than commits.
        Assert.InRange(groups, 1, Tasks * Commits);

        await using var second = await folder.OpenAsync();
        var reopened = second.Data!;
        Assert.Equal(Tasks * Commits, await CountAsync(reopened, "msg"));
        Assert.Equal(Tasks * Commits, await CountAsync(reopened, "idx"));
        Assert.Equal(Counter.Encode(Tasks * Commits), await reopened.GetAsync("count", new byte[] { 0 }));
        for (var task = 0; task < Tasks; task++)
        {
            Assert.Equal([(byte)task, 99, 0xAB], await reopened.GetAsync("msg", new byte[] { (byte)task, 99 }));
        }
    }

    [Fact]
    public async Task Of_two_conflicting_batches_in_one_group_exactly_the_first_commits()
    {
        await using var instance = await folder.OpenAsync();
        var data = instance.Data!;
        var writer = Store(instance).Writer;
        Assert.Equal(CommitResult.Committed, await data.CommitAsync(new WriteBatch().Set("kit", [1], [0])));
        var before = writer.GroupsWritten;

        ValueTask<CommitResult> first, second, third;
        using (writer.Hold())
        {
            first = data.CommitAsync(new WriteBatch().AssertValue("kit", [1], [0]).Set("kit", [1], [1]).Set("log", [1], [1]));
            second = data.CommitAsync(new WriteBatch().AssertValue("kit", [1], [0]).Set("kit", [1], [2]).Set("log", [2], [2]));

            // Asserts what the first batch of the group writes, so it commits on the group's own earlier write.
            third = data.CommitAsync(new WriteBatch().AssertValue("kit", [1], [1]).AssertAbsent("log", [2]).Set("log", [3], [3]));
        }

        Assert.Equal(CommitResult.Committed, await first);
        Assert.Equal(CommitResult.AssertionFailed, await second);
        Assert.Equal(CommitResult.Committed, await third);
        Assert.Equal(before + 1, writer.GroupsWritten);
        Assert.Equal(3, writer.LastGroupSize);
        Assert.Equal([1], await data.GetAsync("kit", new byte[] { 1 }));
        Assert.Equal([[1], [3]], await KeysAsync(data, "log"));
    }

    [Fact]
    public async Task Increments_in_one_group_build_on_the_writes_before_them()
    {
        await using var instance = await folder.OpenAsync();
        var data = instance.Data!;
        var writer = Store(instance).Writer;

        ValueTask<CommitResult> set;
        ValueTask<long> increment, again;
        ValueTask<CommitResult> batchIncrement;
        using (writer.Hold())
        {
            set = data.CommitAsync(new WriteBatch().Set("kit", [1], Counter.Encode(10)));
            increment = data.IncrementAsync("kit", new byte[] { 1 }, 5);
            batchIncrement = data.CommitAsync(new WriteBatch().Increment("kit", [1], 100).AssertValue("kit", [1], Counter.Encode(15)));
            again = data.IncrementAsync("kit", new byte[] { 1 }, -1);
        }

        Assert.Equal(CommitResult.Committed, await set);
        Assert.Equal(15, await increment);
        Assert.Equal(CommitResult.Committed, await batchIncrement);
        Assert.Equal(114, await again);
        Assert.Equal(4, writer.LastGroupSize);
        Assert.Equal(Counter.Encode(114), await data.GetAsync("kit", new byte[] { 1 }));
    }

    [Fact]
    public async Task A_batch_that_fails_in_a_group_fails_alone()
    {
        await using var instance = await folder.OpenAsync();
        var data = instance.Data!;
        var writer = Store(instance).Writer;
        Assert.Equal(CommitResult.Committed, await data.CommitAsync(new WriteBatch().Set("kit", [9], [1, 2, 3])));

        ValueTask<CommitResult> before, broken, after;
        using (writer.Hold())
        {
            before = data.CommitAsync(new WriteBatch().Set("kit", [1], [1]));

            // The key holds three bytes, not a counter.
            broken = data.CommitAsync(new WriteBatch().Set("kit", [2], [2]).Increment("kit", [9], 1));
            after = data.CommitAsync(new WriteBatch().Set("kit", [3], [3]));
        }

        Assert.Equal(CommitResult.Committed, await before);
        await Assert.ThrowsAsync<FormatException>(async () => await broken);
        Assert.Equal(CommitResult.Committed, await after);
        Assert.Equal([[1], [3], [9]], await KeysAsync(data, "kit"));
    }

    [Fact]
    public async Task A_group_holds_at_most_MaxBatchOperations_batches()
    {
        await using var instance = await folder.OpenAsync(("MaxBatchOperations", "2"));
        var data = instance.Data!;
        var writer = Store(instance).Writer;
        var before = writer.GroupsWritten;

        var commits = new List<ValueTask<CommitResult>>();
        using (writer.Hold())
        {
            for (var i = 0; i < 5; i++)
            {
                commits.Add(data.CommitAsync(new WriteBatch().Set("kit", [(byte)i], [(byte)i])));
            }
        }

        foreach (var commit in commits)
        {
            Assert.Equal(CommitResult.Committed, await commit);
        }

        // One held group of two, then what was left: at least three writes.
        Assert.InRange(writer.GroupsWritten - before, 3, 5);
        Assert.Equal(5, await CountAsync(data, "kit"));
    }

    [Fact]
    public async Task A_commit_cancelled_while_queued_applies_nothing()
    {
        await using var instance = await folder.OpenAsync();
        var data = instance.Data!;
        var writer = Store(instance).Writer;
        using var cancellation = new CancellationTokenSource();

        ValueTask<CommitResult> first, cancelled;
        using (writer.Hold())
        {
            first = data.CommitAsync(new WriteBatch().Set("kit", [1], [1]));
            cancelled = data.CommitAsync(new WriteBatch().Set("kit", [2], [2]), cancellation.Token);
            await cancellation.CancelAsync();
        }

        Assert.Equal(CommitResult.Committed, await first);
        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await cancelled);
        Assert.Null(await data.GetAsync("kit", new byte[] { 2 }));
    }

    [Fact]
    public async Task Closing_writes_the_queued_batches_first_and_then_refuses_calls()
    {
        var instance = await folder.OpenAsync();
        var data = instance.Data!;
        var writer = Store(instance).Writer;

        var commits = new List<ValueTask<CommitResult>>();
        Task closing;
        using (writer.Hold())
        {
            for (var i = 0; i < 10; i++)
            {
                commits.Add(data.CommitAsync(new WriteBatch().Set("kit", [(byte)i], [(byte)i])));
            }

            closing = instance.DisposeAsync().AsTask();
        }

        await closing;
        foreach (var commit in commits)
        {
            Assert.Equal(CommitResult.Committed, await commit);
        }

        await Assert.ThrowsAsync<ObjectDisposedException>(async () => await data.CommitAsync(new WriteBatch().Set("kit", [99], [1])));
        await Assert.ThrowsAsync<ObjectDisposedException>(async () => await data.IncrementAsync("kit", new byte[] { 98 }, 1));
        await Assert.ThrowsAsync<ObjectDisposedException>(async () => await data.GetAsync("kit", new byte[] { 1 }));
        await instance.DisposeAsync();

        await using var reopened = await folder.OpenAsync();
        Assert.Equal(10, await CountAsync(reopened.Data!, "kit"));
    }

    [Fact]
    public async Task Unsynced_writes_are_kept_after_a_flush_and_reopening()
    {
        await using (var first = await folder.OpenAsync(("SyncWrites", "false")))
        {
            for (var i = 0; i < 50; i++)
            {
                Assert.Equal(CommitResult.Committed, await first.Data!.CommitAsync(new WriteBatch().Set("kit", [(byte)i], [(byte)i])));
            }

            await first.FlushAsync(CancellationToken.None);
        }

        await using var second = await folder.OpenAsync();
        Assert.Equal(50, await CountAsync(second.Data!, "kit"));
        Assert.True(System.IO.Directory.EnumerateFiles(folder.DatabasePath, "*.sst").Any(), "The flush wrote no table file.");
    }

    [Fact]
    public async Task A_scan_reads_the_state_of_when_it_started()
    {
        await using var instance = await folder.OpenAsync();
        var data = instance.Data!;
        Assert.Equal(CommitResult.Committed, await data.CommitAsync(new WriteBatch().Set("kit", [1], [1]).Set("kit", [2], [2]).Set("kit", [3], [3])));

        var seen = new List<byte[]>();
        await foreach (var entry in data.ScanAsync("kit", KeyRange.All()))
        {
            seen.Add(entry.Key);
            if (seen.Count == 1)
            {
                // Written while the scan is open: neither the deletion nor the new key shows in it.
                Assert.Equal(CommitResult.Committed, await data.CommitAsync(new WriteBatch().Delete("kit", [2]).Set("kit", [4], [4])));
            }
        }

        Assert.Equal([[1], [2], [3]], seen);
        Assert.Equal([[1], [3], [4]], await KeysAsync(data, "kit"));
    }

    private static RocksDbDataStore Store(IStoreInstance instance) => Assert.IsType<RocksDbStoreInstance>(instance).Store;

    private static async Task<int> CountAsync(IDataStore data, string subspace)
    {
        var count = 0;
        await foreach (var entry in data.ScanAsync(subspace, KeyRange.All()))
        {
            count++;
        }

        return count;
    }

    private static async Task<List<byte[]>> KeysAsync(IDataStore data, string subspace)
    {
        var keys = new List<byte[]>();
        await foreach (var entry in data.ScanAsync(subspace, KeyRange.All()))
        {
            keys.Add(entry.Key);
        }

        return keys;
    }
}
