using Mail.Host.Tests.Services;

namespace Mail.Host.Plugins.Tests;

/// <summary>The SQL store behaviour on MariaDB, with a new table prefix.</summary>
[RequiresEnvironment(MySqlTestDatabase.Variable, "MariaDB server")]
public sealed class MySqlStoreBehaviourTests : SqlStoreBehaviour
{
    private readonly MySqlTestDatabase database = new();

    internal override SqlTestDatabase Database => database;

    internal override string VersionTable => $"`{database.Prefix}schema`";

    internal override string DirectoryTable => $"`{database.Prefix}users`";
}
