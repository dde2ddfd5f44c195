using Mail.Host.Directory;
using Mail.Host.Plugins;
using Microsoft.Extensions.DependencyInjection;

namespace Acme.Directory;

/// <summary>
/// The plugin's entry point: the host finds this class in the assembly plugin.json names and lets it register its
/// providers. Every directory type registered here must also be listed in plugin.json.
/// </summary>
public sealed class AcmeDirectoryPlugin : IMailHostPlugin
{
    /// <inheritdoc />
    public void ConfigureServices(IPluginContext context, IServiceCollection services)
        => services.AddSingleton<IDirectoryProvider, AcmeDirectoryProvider>();
}
