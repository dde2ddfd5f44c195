using Mail.Host.Storage;
using Mail.Host.Tests.Services;
using Xunit;

namespace Mail.Host.Plugins.Tests;

/// <summary>
/// What a SQL store does beyond the conformance kit, written once for both servers: several instances (standing for
/// host processes) on one database, the server going away and coming back, the schema version, and parameterized SQL.
/// </summary>
public abstract class SqlStoreBehaviour : IAsyncLifetime
{
    private readonly List<IStoreInstance> instances = [];

    internal abstract SqlTestDatabase Database { get; }

    /// <inheritdoc />
    public Task InitializeAsync() => Task.CompletedTask;

    /// <inheritdoc />
    public async Task DisposeAsync()
    {
        foreach (var instance in instances)
        {
            await instance.DisposeAsync();
        }

        await Database.DisposeAsync();
    }

    [Fact]
    public async Task Two_instances_on_one_database_lose_no_compare_and_set_update()
    {
        var stores = new[] { (await OpenAsync()).Data!, (await OpenAsync()).Data! };
        const int Tasks = 6;
        const int PerTask = 15;
        var key = new byte[] { 1 };

        await Task.WhenAll(Enumerable.Range(0, Tasks).Select(t => Task.Run(async () =>
        {
            var store = stores[t % 2];
            for (var i = 0; i < PerTask; i++)
            {
                while (true)
                {
                    var current = await store.GetAsync("cas", key);
                    var next = Counter.Decode(current) + 1;
                    var batch = new WriteBatch();
                    if (current is null)
                    {
                        batch.AssertAbsent("cas", key);
                    }
                    else
                    {
                        batch.AssertValue("cas", key, current);
                    }

                    batch.Set("cas", key, Counter.Encode(next)).Set("log", Counter.Encode(next), [(byte)t]);
                    if (await store.CommitAsync(batch) == CommitResult.Committed)
                    {
                        break;
                    }
                }
            }
        })));

        Assert.Equal(Tasks * PerTask, Counter.Decode(await stores[1].GetAsync("cas", key)));
        var log = await stores[0].ScanAsync("log", KeyRange.All()).ToListAsync();
        Assert.Equal(Tasks * PerTask, log.Count);
    }

    [Fact]
    public async Task Of_batches_from_two_instances_asserting_one_key_absent_exactly_one_commits()
    {
        var stores = new[] { (await OpenAsync()).Data!, (await OpenAsync()).Data! };
        var results = await Task.WhenAll(Enumerable.Range(0, 16).Select(i => Task.Run(async () =>
            await stores[i % 2].CommitAsync(new WriteBatch()
                .AssertAbsent("claim", [7])
                .Set("claim", [7], [(byte)i])
                .Set("winner", [(byte)i], [1])))));

        Assert.Single(results, r => r == CommitResult.Committed);
        var winner = Assert.Single(await stores[0].ScanAsync("winner", KeyRange.All()).ToListAsync());
        Assert.Equal(winner.Key, await stores[1].GetAsync("claim", new byte[] { 7 }));
    }

    [Fact]
    public async Task Counters_incremented_from_two_instances_add_up()
    {
        var stores = new[] { (await OpenAsync()).Data!, (await OpenAsync()).Data! };
        var results = await Task.WhenAll(Enumerable.Range(0, 40).Select(i => Task.Run(async () => await stores[i % 2].IncrementAsync("count", new byte[] { 1 }, 1))));

        Assert.Equal(Enumerable.Range(1, 40).Select(i => (long)i), results.Order());
        Assert.Equal(-60, await stores[0].IncrementAsync("count", new byte[] { 1 }, -100));
    }

    [Fact]
    public async Task The_server_going_away_gives_StoreUnavailableException_and_the_store_works_again_when_it_returns()
    {
        var (host, port) = Database.Server;
        await using var relay = new TcpForwarder(host, port);
        relay.Start();
        var instance = await Database.OpenThroughAsync(relay.Port);
        instances.Add(instance);
        var store = instance.Data!;
        Assert.Equal(CommitResult.Committed, await store.CommitAsync(new WriteBatch().Set("mail", [1], [10])));

        // A dropped connection (a server restart between calls) is replaced without the caller seeing it.
        relay.DropConnections();
        Assert.Equal(new byte[] { 10 }, await store.GetAsync("mail", new byte[] { 1 }));
        relay.DropConnections();
        Assert.Equal(CommitResult.Committed, await store.CommitAsync(new WriteBatch().Set("mail", [2], [20])));

        await relay.StopAsync();
        await Assert.ThrowsAsync<StoreUnavailableException>(async () => await store.GetAsync("mail", new byte[] { 1 }));
        await Assert.ThrowsAsync<StoreUnavailableException>(async () => await store.CommitAsync(new WriteBatch().Set("mail", [3], [30])));
        await Assert.ThrowsAsync<StoreUnavailableException>(async () => await store.IncrementAsync("count", new byte[] { 1 }, 1));
        await Assert.ThrowsAsync<StoreUnavailableException>(async () => await store.ScanAsync("mail", KeyRange.All()).ToListAsync());
        await Assert.ThrowsAsync<StoreUnavailableException>(async () => await instance.Sql!.QueryAsync("SELECT 1", new Dictionary<string, object?>()));

        relay.Start();
        Assert.Equal(new byte[] { 20 }, await store.GetAsync("mail", new byte[] { 2 }));
        Assert.Equal(CommitResult.Committed, await store.CommitAsync(new WriteBatch().Set("mail", [3], [30])));
        Assert.Equal(3, (await store.ScanAsync("mail", KeyRange.All()).ToListAsync()).Count);
    }

    [Fact]
    public async Task Opening_against_a_closed_port_fails_with_StoreUnavailableException()
    {
        var (host, port) = Database.Server;
        var relay = new TcpForwarder(host, port);

        // Never started: nothing listens on the relay's port.
        var failure = await Assert.ThrowsAsync<StoreUnavailableException>(async () => await Database.OpenThroughAsync(relay.Port));
        Assert.Contains("unavailable", failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_new_database_records_schema_version_1_and_a_newer_version_is_refused()
    {
        var first = await OpenAsync();
        await first.DisposeAsync();
        instances.Remove(first);
        var table = VersionTable;
        Assert.Equal(1L, Convert.ToInt64(await Database.ScalarAsync($"SELECT version FROM {table}"), System.Globalization.CultureInfo.InvariantCulture));

        // Opening again keeps the one row.
        await (await OpenAsync()).FlushAsync(CancellationToken.None);
        Assert.Equal(1L, Convert.ToInt64(await Database.ScalarAsync($"SELECT count(*) FROM {table}"), System.Globalization.CultureInfo.InvariantCulture));

        await Database.ScalarAsync($"UPDATE {table} SET version = 99");
        var refused = await Assert.ThrowsAsync<InvalidOperationException>(async () => await OpenAsync());
        Assert.Contains("schema version 99", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Parameterized_sql_binds_values_and_never_splices_them()
    {
        var instance = await OpenAsync();
        var sql = Assert.IsAssignableFrom<ISqlQueryStore>(instance.Sql);
        Assert.Equal(Database.Type, sql.Dialect);
        var table = DirectoryTable;
        await sql.ExecuteAsync($"CREATE TABLE {table} (name VARCHAR(100) NOT NULL, secret VARCHAR(100), quota BIGINT)", new Dictionary<string, object?>());

        const string Hostile = "x'); DROP TABLE users; --";
        Assert.Equal(1, await sql.ExecuteAsync($"INSERT INTO {table} (name, secret, quota) VALUES (@name, @secret, @quota)", new Dictionary<string, object?> { ["name"] = Hostile, ["secret"] = null, ["quota"] = 5L }));
        Assert.Equal(1, await sql.ExecuteAsync($"INSERT INTO {table} (name, secret, quota) VALUES (@name, @secret, @quota)", new Dictionary<string, object?> { ["@name"] = "bob", ["secret"] = "s3", ["quota"] = 7L }));

        var rows = await sql.QueryAsync($"SELECT name, secret, quota FROM {table} WHERE name = @name", new Dictionary<string, object?> { ["name"] = Hostile });
        var row = Assert.Single(rows);
        Assert.Equal(Hostile, row["NAME"]);
        Assert.Null(row["secret"]);
        Assert.Equal(5L, Convert.ToInt64(row["quota"], System.Globalization.CultureInfo.InvariantCulture));
        Assert.Empty(await sql.QueryAsync($"SELECT name FROM {table} WHERE name = @name", new Dictionary<string, object?> { ["name"] = "nobody' OR '1'='1" }));
        Assert.Equal(2, (await sql.QueryAsync($"SELECT name FROM {table}", new Dictionary<string, object?>())).Count);
    }

    /// <summary>The version table of the test's store, qualified.</summary>
    internal abstract string VersionTable { get; }

    /// <summary>A scratch table for the SQL test, in the test's own place.</summary>
    internal abstract string DirectoryTable { get; }

    private async Task<IStoreInstance> OpenAsync()
    {
        var instance = await Database.OpenAsync();
        instances.Add(instance);
        return instance;
    }
}
