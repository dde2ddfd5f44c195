using Mail.Host.Tests.Services;

namespace Mail.Host.Plugins.Tests;

/// <summary>The SQL store behaviour on PostgreSQL, in a new schema.</summary>
[RequiresEnvironment(PostgreSqlTestDatabase.Variable, "PostgreSQL server")]
public sealed class PostgreSqlStoreBehaviourTests : SqlStoreBehaviour
{
    private readonly PostgreSqlTestDatabase database = new();

    internal override SqlTestDatabase Database => database;

    internal override string VersionTable => $"\"{database.Schema}\".mailhost_schema";

    internal override string DirectoryTable => $"\"{database.Schema}\".users";
}
