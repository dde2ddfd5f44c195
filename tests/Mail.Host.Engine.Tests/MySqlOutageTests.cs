using Mail.Host.Tests.Services;

namespace Mail.Host.Engine.Tests;

/// <summary>The outage behaviour on MariaDB, reached through a relay the test stops and starts.</summary>
[RequiresEnvironment(MySqlTestDatabase.Variable, "MariaDB server")]
public sealed class MySqlOutageTests : SqlOutageBehaviour
{
    internal override SqlTestDatabase Database { get; } = new MySqlTestDatabase();
}
