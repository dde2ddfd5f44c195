using Mail.Host.Tests.Services;

namespace Mail.Host.Engine.Tests;

/// <summary>The outage behaviour on PostgreSQL, reached through a relay the test stops and starts.</summary>
[RequiresEnvironment(PostgreSqlTestDatabase.Variable, "PostgreSQL server")]
public sealed class PostgreSqlOutageTests : SqlOutageBehaviour
{
    internal override SqlTestDatabase Database { get; } = new PostgreSqlTestDatabase();
}
