using Mail.Host.Conformance;
using Mail.Host.Storage;

namespace Mail.Host.Plugins.Tests;

/// <summary>The data store conformance kit run against the <c>sqlite</c> store, each test on a new database in its own folder.</summary>
public sealed class SqliteDataStoreTests : DataStoreConformance
{
    private readonly SqliteTestFolder folder = new();

    /// <inheritdoc />
    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        folder.Dispose();
    }

    /// <inheritdoc />
    protected override ValueTask<IStoreInstance> OpenStoreAsync() => folder.OpenAsync();
}
