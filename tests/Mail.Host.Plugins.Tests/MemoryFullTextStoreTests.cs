using Mail.Host.Conformance;
using Mail.Host.Plugins.InMemory;
using Mail.Host.Storage;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Xunit;

namespace Mail.Host.Plugins.Tests;

/// <summary>
/// The full-text conformance kit run against the in-memory store, and the choices that store makes where the
/// contract leaves room.
/// </summary>
public sealed class MemoryFullTextStoreTests : FullTextStoreConformance
{
    private const string Subject = FullTextFieldNames.Subject;
    private const string Body = FullTextFieldNames.Body;

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
