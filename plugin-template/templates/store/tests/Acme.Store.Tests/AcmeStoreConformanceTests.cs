using Mail.Host.Conformance;
using Mail.Host.Storage;

namespace Acme.Store.Tests;

/// <summary>
/// The data store conformance kit: every test of <see cref="DataStoreConformance"/> runs against a new store, opened
/// through the provider the way the host opens it, with its journal in a folder of its own.
/// </summary>
public sealed class AcmeStoreConformanceTests : DataStoreConformance
{
    private readonly string folder = Path.Combine(Path.GetTempPath(), "acme-store-tests-" + Guid.NewGuid().ToString("N"));

    /// <inheritdoc />
    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        if (Directory.Exists(folder))
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    /// <inheritdoc />
    protected override ValueTask<IStoreInstance> OpenStoreAsync()
        => StoreFactory.OpenAsync(Path.Combine(folder, "store.journal"));
}
