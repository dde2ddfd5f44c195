using System.Buffers.Binary;
using Mail.Host.Plugins.Sqlite;
using Mail.Host.Storage;
using Microsoft.Data.Sqlite;
using Xunit;

namespace Mail.Host.Plugins.Tests;

/// <summary>What the <c>sqlite</c> store does on disk and under load, beyond the conformance kit.</summary>
public sealed class SqliteStoreTests : IDisposable
{
    private readonly SqliteTestFolder folder = new();
    private readonly SqliteStoreProvider provider = new();

    /// <inheritdoc />
    public void Dispose() => folder.Dispose();

    [Fact]
    public async Task The_provider_offers_the_sqlite_type_for_the_data_role_only()
    {
        Assert.Equal("sqlite", provider.Type);
        Assert.Equal(StoreRoles.Data, provider.Roles);

        await using var instance = await folder.OpenAsync();
        Assert.NotNull(instance.Data);
        Assert.Null(instance.Blob);
        Assert.Null(instance.FullText);
        Assert.Null(instance.Lookup);
    }

    [Fact]
    public async Task Data_survives_closing_and_reopening()
    {
        await using (var first = await folder.OpenAsync())
        {
            Assert.Equal(CommitResult.Committed, await first.Data!.CommitAsync(new WriteBatch()
                .Set("mail", [1], [10, 11])
                .Set("mail", [2], [])
                .Set("index", [0xFF, 0x00], [20])));
            Assert.Equal(3, await first.Data.IncrementAsync("counts", new byte[] { 7 }, 3));
            await first.FlushAsync(CancellationToken.None);
        }

        await using var second = await folder.OpenAsync();
        Assert.Equal(new byte[] { 10, 11 }, await second.Data!.GetAsync("mail", new byte[] { 1 }));
        Assert.Equal(Array.Empty<byte>(), await second.Data.GetAsync("mail", new byte[] { 2 }));
        Assert.Equal(new byte[] { 20 }, await second.Data.GetAsync("index", new byte[] { 0xFF, 0x00 }));
        Assert.Equal(5, await second.Data.IncrementAsync("counts", new byte[] { 7 }, 2));
        Assert.Equal([[1], [2]], (await ScanAsync(second.Data, "mail", KeyRange.All())).Select(entry => entry.Key));
    }

    [Fact]
    public async Task A_new_database_records_its_schema_version_and_keeps_a_table_per_subspace()
    {
        await using (var instance = await folder.OpenAsync())
        {
            await instance.Data!.CommitAsync(new WriteBatch().Set("mail_index", [1], [1]).Set("mail_index", [2], []));
        }

        using var connection = folder.Connect();
        Assert.Equal(1L, Scalar(connection, "SELECT version FROM mailhost_schema"));
        Assert.Equal(1L, Scalar(connection, "SELECT count(*) FROM mailhost_schema"));
        Assert.Equal("wal", Scalar(connection, "PRAGMA journal_mode"));
        var table = Assert.IsType<string>(Scalar(connection, "SELECT sql FROM sqlite_schema WHERE name = 's_mail_index'"));
        Assert.Contains("WITHOUT ROWID", table, StringComparison.OrdinalIgnoreCase);
        Assert.Equal(1L, Scalar(connection, "SELECT count(*) FROM s_mail_index WHERE k = x'01' AND v = x'01'"));

        // An empty value is an empty BLOB, not NULL and not text.
        Assert.Equal("blob", Scalar(connection, "SELECT typeof(v) FROM s_mail_index WHERE k = x'02'"));
        Assert.Equal("blob", Scalar(connection, "SELECT typeof(k) FROM s_mail_index WHERE k = x'02'"));
    }

    [Fact]
    public async Task A_database_with_a_newer_schema_version_is_refused_with_a_clear_message()
    {
        await using (await folder.OpenAsync())
        {
        }

        using (var connection = folder.Connect())
        {
            Execute(connection, "UPDATE mailhost_schema SET version = 2");
        }

        var error = await Assert.ThrowsAsync<InvalidOperationException>(async () => await folder.OpenAsync());
        Assert.Contains("schema version 2", error.Message, StringComparison.Ordinal);
        Assert.Contains(folder.DatabasePath, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_file_that_is_not_a_database_is_refused_naming_the_store_and_the_file()
    {
        System.IO.Directory.CreateDirectory(Path.GetDirectoryName(folder.DatabasePath)!);
        await File.WriteAllTextAsync(folder.DatabasePath, new string('x', 4096));

        var error = await Assert.ThrowsAsync<InvalidOperationException>(async () => await folder.OpenAsync());
        Assert.Contains("Store 'main'", error.Message, StringComparison.Ordinal);
        Assert.Contains(folder.DatabasePath, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_accepts_a_file_path_and_a_cache_size()
    {
        Assert.Empty(provider.Validate(folder.Context(("Path", "data/mail.sqlite"), ("CacheMegabytes", "64"))));
        Assert.Empty(provider.Validate(folder.Context(("Path", Path.Combine(folder.FullPath, "absolute.sqlite")))));
    }

    [Fact]
    public void Validate_reports_a_missing_Path_naming_the_key()
    {
        var problem = Assert.Single(provider.Validate(folder.Context()));
        Assert.StartsWith("Stores:main:Path is missing; set it to a file such as data/mail.sqlite", problem, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_reports_a_Path_that_is_a_folder()
    {
        System.IO.Directory.CreateDirectory(Path.Combine(folder.FullPath, "data"));

        var problem = Assert.Single(provider.Validate(folder.Context(("Path", "data"))));
        Assert.StartsWith($"Stores:main:Path '{Path.Combine(folder.FullPath, "data")}' is a folder; it must name the database file", problem, StringComparison.Ordinal);
        Assert.Single(provider.Validate(folder.Context(("Path", "missing/"))));
    }

    [Fact]
    public void Validate_reports_a_bad_cache_size_and_an_unknown_key()
    {
        var problems = provider.Validate(folder.Context(("Path", "data/mail.sqlite"), ("CacheMegabytes", "lots"), ("Pth", "x"))).ToList();

        Assert.Equal(2, problems.Count);
        Assert.Contains(problems, problem => problem.StartsWith("Stores:main:CacheMegabytes 'lots' is not a whole number of megabytes", StringComparison.Ordinal));
        Assert.Contains(problems, problem => problem.StartsWith("Stores:main:Pth is not a setting of the sqlite store type", StringComparison.Ordinal));
        Assert.NotEmpty(provider.Validate(folder.Context(("Path", "data/mail.sqlite"), ("CacheMegabytes", "0"))));
    }

    [Fact]
    public async Task OpenAsync_refuses_settings_that_Validate_reports()
    {
        var error = await Assert.ThrowsAsync<InvalidOperationException>(async () => await provider.OpenAsync(folder.Context(), CancellationToken.None));
        Assert.Contains("Stores:main:Path is missing", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_relative_Path_resolves_against_the_manifest_folder_and_its_folder_is_created()
    {
        await using (var instance = await provider.OpenAsync(folder.Context(("Path", "deep/er/mail.sqlite"), ("CacheMegabytes", "8")), CancellationToken.None))
        {
            await instance.Data!.CommitAsync(new WriteBatch().Set("kit", [1], [1]));
        }

        Assert.True(File.Exists(Path.Combine(folder.FullPath, "deep", "er", "mail.sqlite")));
    }

    [Fact]
    public async Task Many_concurrent_committers_all_land_and_survive_reopening()
    {
        const int Tasks = 32;
        const int Commits = 50;
        await using (var instance = await folder.OpenAsync())
        {
            var store = instance.Data!;
            var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            var workers = Enumerable.Range(0, Tasks).Select(task => Task.Run(async () =>
            {
                await gate.Task;
                for (var i = 0; i < Commits; i++)
                {
                    var result = await store.CommitAsync(new WriteBatch()
                        .Set("mail", Key(task, i), BitConverter.GetBytes(task * 1000 + i))
                        .Increment("counts", [0], 1));
                    Assert.Equal(CommitResult.Committed, result);
                }
            })).ToArray();
            gate.SetResult();
            await Task.WhenAll(workers);
        }

        await using var reopened = await folder.OpenAsync();
        var entries = await ScanAsync(reopened.Data!, "mail", KeyRange.All());
        Assert.Equal(Tasks * Commits, entries.Count);
        for (var task = 0; task < Tasks; task++)
        {
            for (var i = 0; i < Commits; i++)
            {
                Assert.Equal(BitConverter.GetBytes(task * 1000 + i), await reopened.Data!.GetAsync("mail", Key(task, i)));
            }
        }

        Assert.Equal(Counter.Encode(Tasks * Commits), await reopened.Data!.GetAsync("counts", new byte[] { 0 }));
    }

    [Fact]
    public async Task Of_two_conflicting_batches_committed_in_one_group_exactly_one_wins()
    {
        await using var instance = await folder.OpenAsync();
        var store = instance.Data!;
        await store.CommitAsync(new WriteBatch().Set("kit", [0], [0]));

        // Another connection holds the write lock, so the writer stalls on its first group and both contenders
        // queue up behind it; when the lock goes, they are taken together.
        Task<CommitResult> plug, first, second;
        using (var blocker = folder.Connect())
        {
            Execute(blocker, "BEGIN IMMEDIATE");
            plug = store.CommitAsync(new WriteBatch().Set("kit", [9], [9])).AsTask();
            await Task.Delay(100);
            first = store.CommitAsync(new WriteBatch().AssertAbsent("kit", [1]).Set("kit", [1], [1]).Set("kit_log", [1], [1])).AsTask();
            second = store.CommitAsync(new WriteBatch().AssertAbsent("kit", [1]).Set("kit", [1], [2]).Set("kit_log", [2], [2])).AsTask();
            await Task.Delay(300);
            Assert.False(plug.IsCompleted);
            Assert.False(first.IsCompleted);
            Assert.False(second.IsCompleted);
            Execute(blocker, "COMMIT");
        }

        Assert.Equal(CommitResult.Committed, await plug);
        var results = new[] { await first, await second };
        var winner = Assert.Single(results, result => result == CommitResult.Committed);
        Assert.Single(results, result => result == CommitResult.AssertionFailed);
        var winnerId = (byte)(Array.IndexOf(results, winner) + 1);
        Assert.Equal(new byte[] { winnerId }, await store.GetAsync("kit", new byte[] { 1 }));
        Assert.Equal([[winnerId]], (await ScanAsync(store, "kit_log", KeyRange.All())).Select(entry => entry.Key));
    }

    [Fact]
    public async Task A_batch_that_throws_in_a_group_is_undone_alone()
    {
        await using var instance = await folder.OpenAsync();
        var store = instance.Data!;
        await store.CommitAsync(new WriteBatch().Set("kit", [0], [1, 2, 3]));

        Task<CommitResult> bad, good;
        using (var blocker = folder.Connect())
        {
            Execute(blocker, "BEGIN IMMEDIATE");
            var plug = store.CommitAsync(new WriteBatch().Set("kit", [9], [9])).AsTask();
            await Task.Delay(100);
            bad = store.CommitAsync(new WriteBatch().Set("kit", [1], [1]).Set("kit_new", [1], [1]).Increment("kit", [0], 1)).AsTask();
            good = store.CommitAsync(new WriteBatch().Set("kit", [2], [2]).Set("kit_new", [2], [2])).AsTask();
            await Task.Delay(200);
            Execute(blocker, "COMMIT");
            Assert.Equal(CommitResult.Committed, await plug);
        }

        await Assert.ThrowsAsync<FormatException>(async () => await bad);
        Assert.Equal(CommitResult.Committed, await good);
        Assert.Null(await store.GetAsync("kit", new byte[] { 1 }));
        Assert.Null(await store.GetAsync("kit_new", new byte[] { 1 }));
        Assert.Equal(new byte[] { 2 }, await store.GetAsync("kit_new", new byte[] { 2 }));
        Assert.Equal(new byte[] { 1, 2, 3 }, await store.GetAsync("kit", new byte[] { 0 }));
    }

    [Fact]
    public async Task A_write_lock_held_too_long_elsewhere_makes_the_store_unavailable_until_it_is_released()
    {
        await using var instance = await folder.OpenAsync();
        var store = instance.Data!;
        await store.CommitAsync(new WriteBatch().Set("kit", [0], [0]));

        using (var blocker = folder.Connect())
        {
            Execute(blocker, "BEGIN IMMEDIATE");
            var error = await Assert.ThrowsAsync<StoreUnavailableException>(async () => await store.CommitAsync(new WriteBatch().Set("kit", [1], [1])));
            Assert.IsType<SqliteException>(error.InnerException);
            Assert.Equal(new byte[] { 0 }, await store.GetAsync("kit", new byte[] { 0 }));
            Execute(blocker, "ROLLBACK");
        }

        Assert.Equal(CommitResult.Committed, await store.CommitAsync(new WriteBatch().Set("kit", [1], [1])));
        Assert.Equal(new byte[] { 1 }, await store.GetAsync("kit", new byte[] { 1 }));
    }

    [Fact]
    public async Task Read_connections_opened_before_a_subspace_exists_see_it_once_written()
    {
        await using var instance = await folder.OpenAsync();
        var store = instance.Data!;
        await store.CommitAsync(new WriteBatch().Set("kit", [0], [0]));

        // Several reads at once open several read connections, each loading the schema as it is now.
        await Task.WhenAll(Enumerable.Range(0, 16).Select(_ => Task.Run(async () =>
        {
            Assert.Null(await store.GetAsync("kit_later", new byte[] { 1 }));
            Assert.Empty(await ScanAsync(store, "kit_later", KeyRange.All()));
        })));

        await store.CommitAsync(new WriteBatch().Set("kit_later", [1], [7]));

        await Task.WhenAll(Enumerable.Range(0, 16).Select(_ => Task.Run(async () =>
        {
            Assert.Equal(new byte[] { 7 }, await store.GetAsync("kit_later", new byte[] { 1 }));
            Assert.Single(await ScanAsync(store, "kit_later", KeyRange.All()));
        })));
    }

    [Fact]
    public async Task Scans_longer_than_a_page_return_every_key_once_in_both_directions()
    {
        await using var instance = await folder.OpenAsync();
        var store = instance.Data!;
        var batch = new WriteBatch();
        for (var i = 0; i < 1000; i++)
        {
            batch.Set("kit", BigEndian(i), BigEndian(i * 3));
        }

        await store.CommitAsync(batch);

        Assert.Equal(Enumerable.Range(0, 1000), (await ScanAsync(store, "kit", KeyRange.All())).Select(entry => ReadInt(entry.Key)));
        Assert.Equal(Enumerable.Range(0, 1000).Reverse(), (await ScanAsync(store, "kit", KeyRange.All(reverse: true))).Select(entry => ReadInt(entry.Key)));
        Assert.Equal(Enumerable.Range(100, 600), (await ScanAsync(store, "kit", new KeyRange(BigEndian(100), BigEndian(800), limit: 600))).Select(entry => ReadInt(entry.Key)));
        Assert.Equal(Enumerable.Range(200, 600).Reverse(), (await ScanAsync(store, "kit", new KeyRange(BigEndian(200), BigEndian(800), reverse: true))).Select(entry => ReadInt(entry.Key)));
        Assert.All(await ScanAsync(store, "kit", KeyRange.All()), entry => Assert.Equal(ReadInt(entry.Key) * 3, ReadInt(entry.Value)));
    }

    [Fact]
    public async Task Scans_of_large_values_page_by_size()
    {
        await using var instance = await folder.OpenAsync();
        var store = instance.Data!;
        for (var i = 0; i < 5; i++)
        {
            var value = new byte[3 * 1024 * 1024];
            value[0] = (byte)i;
            await store.CommitAsync(new WriteBatch().Set("kit", [(byte)i], value));
        }

        Assert.Equal([0, 1, 2, 3, 4], (await ScanAsync(store, "kit", KeyRange.All())).Select(entry => (int)entry.Value[0]));
        Assert.Equal([4, 3, 2, 1, 0], (await ScanAsync(store, "kit", KeyRange.All(reverse: true))).Select(entry => (int)entry.Value[0]));
        Assert.Equal([1, 2, 3], (await ScanAsync(store, "kit", new KeyRange([1], null, limit: 3))).Select(entry => (int)entry.Value[0]));
    }

    [Fact]
    public async Task Flush_empties_the_write_ahead_log_and_closing_leaves_only_the_database_file()
    {
        var instance = await folder.OpenAsync();
        await instance.Data!.CommitAsync(new WriteBatch().Set("kit", [1], new byte[100_000]));
        Assert.True(new FileInfo(folder.DatabasePath + "-wal").Length > 0);

        await instance.FlushAsync(CancellationToken.None);
        Assert.Equal(0, new FileInfo(folder.DatabasePath + "-wal").Length);

        await instance.DisposeAsync();
        Assert.False(File.Exists(folder.DatabasePath + "-wal"));
        Assert.False(File.Exists(folder.DatabasePath + "-shm"));
        await Assert.ThrowsAsync<ObjectDisposedException>(async () => await instance.Data.CommitAsync(new WriteBatch().Set("kit", [2], [2])));

        File.Delete(folder.DatabasePath);
        await using var fresh = await folder.OpenAsync();
        Assert.Null(await fresh.Data!.GetAsync("kit", new byte[] { 1 }));
    }

    [Fact]
    public async Task Disposing_finishes_the_commits_already_queued()
    {
        var instance = await folder.OpenAsync();
        var commits = Enumerable.Range(0, 200).Select(i => instance.Data!.CommitAsync(new WriteBatch().Set("kit", BigEndian(i), [1])).AsTask()).ToArray();
        await instance.DisposeAsync();

        Assert.All(await Task.WhenAll(commits), result => Assert.Equal(CommitResult.Committed, result));
        await using var reopened = await folder.OpenAsync();
        Assert.Equal(200, (await ScanAsync(reopened.Data!, "kit", KeyRange.All())).Count);
    }

    private static byte[] Key(int task, int index)
    {
        var key = new byte[8];
        BinaryPrimitives.WriteInt32BigEndian(key, task);
        BinaryPrimitives.WriteInt32BigEndian(key.AsSpan(4), index);
        return key;
    }

    private static byte[] BigEndian(int value)
    {
        var bytes = new byte[4];
        BinaryPrimitives.WriteInt32BigEndian(bytes, value);
        return bytes;
    }

    private static int ReadInt(byte[] bytes) => BinaryPrimitives.ReadInt32BigEndian(bytes);

    private static async Task<List<KeyValueEntry>> ScanAsync(IDataStore store, string subspace, KeyRange range)
    {
        var entries = new List<KeyValueEntry>();
        await foreach (var entry in store.ScanAsync(subspace, range))
        {
            entries.Add(entry);
        }

        return entries;
    }

    private static object? Scalar(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        return command.ExecuteScalar();
    }

    private static void Execute(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }
}
