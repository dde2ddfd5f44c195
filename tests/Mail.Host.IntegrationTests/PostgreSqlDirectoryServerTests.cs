using System.Data.Common;
using Mail.Host.Tests.Services;
using Npgsql;

namespace Mail.Host.IntegrationTests;

/// <summary>The <c>sql</c> directory end to end on user tables in the test PostgreSQL server.</summary>
[Collection(DeploymentCollection.Name)]
[RequiresEnvironment("MAILHOST_TEST_POSTGRES", "PostgreSQL server")]
public sealed class PostgreSqlDirectoryServerTests(DeploymentFixture fixture) : SqlDirectoryServerTestBase(fixture)
{
    /// <inheritdoc />
    protected override string StoreType => "postgresql";

    /// <inheritdoc />
    protected override string ConnectionString => Environment.GetEnvironmentVariable("MAILHOST_TEST_POSTGRES")!;

    /// <inheritdoc />
    protected override (string Host, int Port) Server
    {
        get
        {
            var builder = new NpgsqlConnectionStringBuilder(ConnectionString);
            return (builder.Host!, builder.Port);
        }
    }

    /// <inheritdoc />
    protected override string ThroughPort(int port) => new NpgsqlConnectionStringBuilder(ConnectionString) { Port = port, Timeout = 5 }.ConnectionString;

    /// <inheritdoc />
    protected override async Task<DbConnection> OpenAsync()
    {
        var connection = new NpgsqlConnection(ConnectionString);
        await connection.OpenAsync();
        return connection;
    }
}
