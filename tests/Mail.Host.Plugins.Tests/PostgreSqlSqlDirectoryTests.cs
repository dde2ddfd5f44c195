using Mail.Host.Directory;
using Mail.Host.Storage;
using Mail.Host.Tests.Services;
using Xunit;

namespace Mail.Host.Plugins.Tests;

/// <summary>The <c>sql</c> directory kit on a <c>postgresql</c> store, in a schema of the test's own.</summary>
[RequiresEnvironment(PostgreSqlTestDatabase.Variable, "PostgreSQL server")]
public sealed class PostgreSqlSqlDirectoryTests : SqlDirectoryTestBase
{
    private readonly PostgreSqlTestDatabase database = new();

    /// <inheritdoc />
    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        await database.DisposeAsync();
    }

    [Fact]
    public async Task Database_down_is_a_temporary_failure_not_a_wrong_password()
    {
        var (host, port) = database.Server;
        await using var relay = new TcpForwarder(host, port);
        relay.Start();
        await using var store = await database.OpenThroughAsync(relay.Port);
        var directory = await OpenOnAsync(store);
        Assert.Equal(AuthenticationStatus.Success, (await directory.AuthenticateAsync(new PasswordCredentials("alice", Data.AlicePassword))).Status);

        await relay.StopAsync();

        await Assert.ThrowsAsync<DirectoryUnavailableException>(async () => await directory.AuthenticateAsync(new PasswordCredentials("alice", Data.AlicePassword)));
        await Assert.ThrowsAsync<DirectoryUnavailableException>(async () => await directory.AuthenticateAsync(new PasswordCredentials("alice", "wrong")));
    }

    /// <inheritdoc />
    protected override ValueTask<IStoreInstance> OpenStoreAsync() => database.OpenAsync();

    /// <inheritdoc />
    protected override string TableName(string table) => $"\"{database.Schema}\".{table}";
}
