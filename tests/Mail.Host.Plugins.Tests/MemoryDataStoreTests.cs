using Mail.Host.Conformance;
using Mail.Host.Plugins.InMemory;
using Mail.Host.Storage;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Mail.Host.Plugins.Tests;

/// <summary>The data store conformance kit run against the in-memory store.</summary>
public sealed class MemoryDataStoreTests : DataStoreConformance
{
    /// <inheritdoc />
    protected override ValueTask<IStoreInstance> OpenStoreAsync()
        => new MemoryStoreProvider().OpenAsync(
            new StoreContext
            {
                Name = "memory",
                Settings = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { ["Type"] = "memory" }).Build(),
                BaseDirectory = AppContext.BaseDirectory,
                Services = new ServiceCollection().BuildServiceProvider(),
            },
            CancellationToken.None);
}
