using Mail.Host.Plugins;
using Mail.Host.Storage;
using Microsoft.Extensions.DependencyInjection;

namespace Acme.Store;

/// <summary>
/// The plugin's entry point: the host finds this class in the assembly plugin.json names and lets it register its
/// providers. Every store type registered here must also be listed in plugin.json.
/// </summary>
public sealed class AcmeStorePlugin : IMailHostPlugin
{
    /// <inheritdoc />
    public void ConfigureServices(IPluginContext context, IServiceCollection services)
        => services.AddSingleton<IStoreProvider, AcmeStoreProvider>();
}
