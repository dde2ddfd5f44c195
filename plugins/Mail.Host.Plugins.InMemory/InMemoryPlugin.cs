using Mail.Host.Directory;
using Mail.Host.Plugins;
using Mail.Host.Storage;
using Microsoft.Extensions.DependencyInjection;

namespace Mail.Host.Plugins.InMemory;

/// <summary>
/// Registers the <c>memory</c> store type (data, full-text and lookup roles, kept in process memory and lost on
/// exit) and the <c>static</c> directory type (principals written in the manifest).
/// </summary>
public sealed class InMemoryPlugin : IMailHostPlugin
{
    /// <inheritdoc />
    public void ConfigureServices(IPluginContext context, IServiceCollection services)
    {
        services.AddSingleton<IStoreProvider, MemoryStoreProvider>();
        services.AddSingleton<IDirectoryProvider, StaticDirectoryProvider>();
    }
}
