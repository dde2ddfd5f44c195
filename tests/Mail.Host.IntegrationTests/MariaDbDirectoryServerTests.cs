using System.Data.Common;
using Mail.Host.Tests.Services;
using MySqlConnector;

namespace Mail.Host.IntegrationTests;

/// <summary>The <c>sql</c> directory end to end on user tables in the test MariaDB server, through the <c>mysql</c> store.</summary>
[Collection(DeploymentCollection.Name)]
[RequiresEnvironment("MAILHOST_TEST_MARIADB", "MariaDB server")]
public sealed class MariaDbDirectoryServerTests(DeploymentFixture fixture) : SqlDirectoryServerTestBase(fixture)
{
    /// <inheritdoc />
    protected override string StoreType => "mysql";

    /// <inheritdoc />
    protected override string ConnectionString => Environment.GetEnvironmentVariable("MAILHOST_TEST_MARIADB")!;

    /// <inheritdoc />
    protected override (string Host, int Port) Server
    {
        get
        {
            var builder = new MySqlConnectionStringBuilder(ConnectionString);
            return (builder.Server, (int)builder.Port);
        }
    }

    /// <inheritdoc />
    protected override string ThroughPort(int port) => new MySqlConnectionStringBuilder(ConnectionString) { Port = (uint)port, ConnectionTimeout = 5 }.ConnectionString;

    /// <inheritdoc />
    protected override async Task<DbConnection> OpenAsync()
    {
        var connection = new MySqlConnection(ConnectionString);
        await connection.OpenAsync();
        return connection;
    }
}
