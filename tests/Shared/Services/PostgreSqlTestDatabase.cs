using Mail.Host.Plugins.PostgreSql;
using Mail.Host.Storage;
using Npgsql;

namespace Mail.Host.Tests.Services;

/// <summary>A schema of its own, for one test, on the PostgreSQL server named by <c>MAILHOST_TEST_POSTGRES</c>.</summary>
internal sealed class PostgreSqlTestDatabase : SqlTestDatabase
{
    /// <summary>The environment variable naming the test server.</summary>
    public const string Variable = "MAILHOST_TEST_POSTGRES";

    /// <summary>The schema of this test.</summary>
    public string Schema { get; } = UniqueName();

    /// <inheritdoc />
    public override string Type => "postgresql";

    /// <inheritdoc />
    public override IStoreProvider Provider { get; } = new PostgreSqlStoreProvider();

    /// <inheritdoc />
    public override string ConnectionString => Environment.GetEnvironmentVariable(Variable) ?? throw new InvalidOperationException($"{Variable} is not set.");

    /// <inheritdoc />
    public override (string Key, string Value)[] PlaceSettings => [("Schema", Schema)];

    /// <inheritdoc />
    public override (string Host, int Port) Server
    {
        get
        {
            var builder = new NpgsqlConnectionStringBuilder(ConnectionString);
            return (builder.Host!, builder.Port);
        }
    }

    /// <inheritdoc />
    public override string ThroughPort(int port) => new NpgsqlConnectionStringBuilder(ConnectionString) { Port = port, Timeout = 5 }.ConnectionString;

    /// <inheritdoc />
    public override async Task<object?> ScalarAsync(string sql)
    {
        await using var connection = new NpgsqlConnection(ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        var value = await command.ExecuteScalarAsync();
        return value is DBNull ? null : value;
    }

    /// <inheritdoc />
    public override async ValueTask DisposeAsync()
    {
        if (!string.IsNullOrEmpty(Environment.GetEnvironmentVariable(Variable)))
        {
            await ScalarAsync($"DROP SCHEMA IF EXISTS \"{Schema}\" CASCADE");
        }
    }
}
