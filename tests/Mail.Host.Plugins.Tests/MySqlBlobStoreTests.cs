using Mail.Host.Conformance;
using Mail.Host.Storage;
using Mail.Host.Tests.Services;

namespace Mail.Host.Plugins.Tests;

/// <summary>The blob store conformance kit run against the <c>mysql</c> store on MariaDB, each test with a new table prefix.</summary>
[RequiresEnvironment(MySqlTestDatabase.Variable, "MariaDB server")]
public sealed class MySqlBlobStoreTests : BlobStoreConformance
{
    private readonly MySqlTestDatabase database = new();

    /// <inheritdoc />
    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        await database.DisposeAsync();
    }

    /// <inheritdoc />
    protected override ValueTask<IStoreInstance> OpenStoreAsync() => database.OpenAsync();
}
