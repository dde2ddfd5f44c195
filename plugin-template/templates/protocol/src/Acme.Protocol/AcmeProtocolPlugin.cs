using Mail.Host.Plugins;
using Mail.Host.Protocols;
using Microsoft.Extensions.DependencyInjection;

namespace Acme.Protocol;

/// <summary>
/// The plugin's entry point: the host finds this class in the assembly plugin.json names and lets it register its
/// providers. Every protocol registered here must also be listed in plugin.json.
/// </summary>
public sealed class AcmeProtocolPlugin : IMailHostPlugin
{
    /// <inheritdoc />
    public void ConfigureServices(IPluginContext context, IServiceCollection services)
        => services.AddSingleton<IProtocolProvider, AcmeProtocolProvider>();
}
