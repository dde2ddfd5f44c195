using Mail.Host.Conformance;
using Mail.Host.Storage;
using Mail.Host.Tests.Services;

namespace Mail.Host.Engine.Tests;

/// <summary>The lookup conformance kit against the engine's adapter over the <c>postgresql</c> data store on PostgreSQL, each test in a new schema.</summary>
[RequiresEnvironment(PostgreSqlTestDatabase.Variable, "PostgreSQL server")]
public sealed class PostgreSqlLookupAdapterTests : LookupStoreConformance
{
    /// <inheritdoc />
    protected override ValueTask<IStoreInstance> OpenStoreAsync() => SqlAdaptedStoreInstance.OpenAsync(new PostgreSqlTestDatabase());
}
