using Mail.Host.Directory;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace Mail.Host.Plugins.InternalDirectory;

/// <summary>
/// Registers the <c>internal</c> directory type (principals in the data store) and maps the admin API under
/// <c>/api/admin/</c> on the host's HTTP server.
/// </summary>
public sealed class InternalDirectoryPlugin : IMailHostPlugin
{
    /// <inheritdoc />
    public void ConfigureServices(IPluginContext context, IServiceCollection services)
        => services.AddSingleton<IDirectoryProvider, InternalDirectoryProvider>();

    /// <inheritdoc />
    public void MapRoutes(IPluginContext context, IEndpointRouteBuilder endpoints) => AdminApi.Map(endpoints);
}
