using Mail.Host.Conformance;
using Mail.Host.Storage;
using Mail.Host.Tests.Services;

namespace Mail.Host.Engine.Tests;

/// <summary>The full-text conformance kit against the engine's adapter over the <c>mysql</c> data store on MariaDB, each test with a new table prefix.</summary>
[RequiresEnvironment(MySqlTestDatabase.Variable, "MariaDB server")]
public sealed class MySqlFullTextAdapterTests : FullTextStoreConformance
{
    /// <inheritdoc />
    protected override ValueTask<IStoreInstance> OpenStoreAsync() => SqlAdaptedStoreInstance.OpenAsync(new MySqlTestDatabase());
}
