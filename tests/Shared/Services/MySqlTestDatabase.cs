using Mail.Host.Plugins.MySql;
using Mail.Host.Storage;
using MySqlConnector;

namespace Mail.Host.Tests.Services;

/// <summary>A table prefix of its own, for one test, in the MariaDB database named by <c>MAILHOST_TEST_MARIADB</c>.</summary>
internal sealed class MySqlTestDatabase : SqlTestDatabase
{
    /// <summary>The environment variable naming the test server.</summary>
    public const string Variable = "MAILHOST_TEST_MARIADB";

    /// <summary>The table prefix of this test.</summary>
    public string Prefix { get; } = UniqueName() + "_";

    /// <inheritdoc />
    public override string Type => "mysql";

    /// <inheritdoc />
    public override IStoreProvider Provider { get; } = new MySqlStoreProvider();

    /// <inheritdoc />
    public override string ConnectionString => Environment.GetEnvironmentVariable(Variable) ?? throw new InvalidOperationException($"{Variable} is not set.");

    /// <inheritdoc />
    public override (string Key, string Value)[] PlaceSettings => [("TablePrefix", Prefix)];

    /// <inheritdoc />
    public override (string Host, int Port) Server
    {
        get
        {
            var builder = new MySqlConnectionStringBuilder(ConnectionString);
            return (builder.Server, (int)builder.Port);
        }
    }

    /// <inheritdoc />
    public override string ThroughPort(int port) => new MySqlConnectionStringBuilder(ConnectionString) { Port = (uint)port, ConnectionTimeout = 5 }.ConnectionString;

    /// <inheritdoc />
    public override async Task<object?> ScalarAsync(string sql)
    {
        await using var connection = new MySqlConnection(ConnectionString);
        await connection.OpenAsync();
        await using var command = new MySqlCommand(sql, connection);
        var value = await command.ExecuteScalarAsync();
        return value is DBNull ? null : value;
    }

    /// <inheritdoc />
    public override async ValueTask DisposeAsync()
    {
        if (string.IsNullOrEmpty(Environment.GetEnvironmentVariable(Variable)))
        {
            return;
        }

        await using var connection = new MySqlConnection(ConnectionString);
        await connection.OpenAsync();
        var tables = new List<string>();
        await using (var command = new MySqlCommand("SELECT table_name FROM information_schema.tables WHERE table_schema = DATABASE() AND table_name LIKE @prefix", connection))
        {
            command.Parameters.AddWithValue("@prefix", Prefix.Replace("_", "\\_", StringComparison.Ordinal) + "%");
            await using var reader = await command.ExecuteReaderAsync();
            while (await reader.ReadAsync())
            {
                tables.Add(reader.GetString(0));
            }
        }

        foreach (var table in tables)
        {
            await using var drop = new MySqlCommand($"DROP TABLE IF EXISTS `{table}`", connection);
            await drop.ExecuteNonQueryAsync();
        }
    }
}
