using Mail.Host.Conformance;
using Mail.Host.Storage;
using Mail.Host.Tests.Services;

namespace Mail.Host.Plugins.Tests;

/// <summary>The blob store conformance kit run against the <c>postgresql</c> store, each test in a new schema.</summary>
[RequiresEnvironment(PostgreSqlTestDatabase.Variable, "PostgreSQL server")]
public sealed class PostgreSqlBlobStoreTests : BlobStoreConformance
{
    private readonly PostgreSqlTestDatabase database = new();

    /// <inheritdoc />
    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        await database.DisposeAsync();
    }

    /// <inheritdoc />
    protected override ValueTask<IStoreInstance> OpenStoreAsync() => database.OpenAsync();
}
