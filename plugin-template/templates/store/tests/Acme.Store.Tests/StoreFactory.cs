using Mail.Host.Storage;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Acme.Store.Tests;

/// <summary>Opens stores through <see cref="AcmeStoreProvider"/> with the settings a manifest would give.</summary>
internal static class StoreFactory
{
    public static StoreContext Context(string? path)
    {
        var settings = new Dictionary<string, string?> { ["Type"] = "acme-store" };
        if (path is not null)
        {
            settings["Path"] = path;
        }

        return new StoreContext
        {
            Name = "main",
            Settings = new ConfigurationBuilder().AddInMemoryCollection(settings).Build(),
            BaseDirectory = Path.GetTempPath(),
            Services = new ServiceCollection().BuildServiceProvider(),
        };
    }

    public static ValueTask<IStoreInstance> OpenAsync(string? path)
        => new AcmeStoreProvider().OpenAsync(Context(path), CancellationToken.None);
}
