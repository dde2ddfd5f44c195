using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace Mail.Host.Plugins;

/// <summary>
/// The entry point of a plugin assembly. The host creates one instance per enabled plugin with a public
/// parameterless constructor, calls <see cref="ConfigureServices"/> before the server is built and
/// <see cref="MapRoutes"/> after, on the host's one HTTP server.
/// </summary>
public interface IMailHostPlugin
{
    /// <summary>
    /// Registers what the plugin provides into the host's container: <see cref="Storage.IStoreProvider"/>,
    /// <see cref="Directory.IDirectoryProvider"/> and <see cref="Protocols.IProtocolProvider"/> implementations,
    /// and any services they need. Runs once, before any store, directory or listener exists.
    /// </summary>
    /// <param name="context">The plugin's identity, folder and own configuration section.</param>
    /// <param name="services">The host's service collection.</param>
    void ConfigureServices(IPluginContext context, IServiceCollection services);

    /// <summary>
    /// Adds HTTP endpoints (JMAP, admin API, well-known URLs) to the host's HTTP server. The default adds none.
    /// </summary>
    /// <param name="context">The plugin's identity, folder and own configuration section.</param>
    /// <param name="endpoints">The host's endpoint route builder.</param>
    void MapRoutes(IPluginContext context, IEndpointRouteBuilder endpoints)
    {
    }
}
