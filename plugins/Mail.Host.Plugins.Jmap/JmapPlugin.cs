using Mail.Host.Mail;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Mail.Host.Plugins.Jmap;

/// <summary>
/// The JMAP plugin (id <c>jmap</c>): RFC 8620 core with EventSource and WebSocket (RFC 8887) push, RFC 8621 mail,
/// submission and vacation response, RFC 9404 blobs and RFC 9425 quotas, served on the host's HTTP server.
/// </summary>
public sealed class JmapPlugin : IMailHostPlugin
{
    /// <inheritdoc />
    public void ConfigureServices(IPluginContext context, IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(context);
        var options = JmapOptions.From(context.Settings);
        services.AddSingleton(sp => new JmapServer(sp, options));
        services.AddSingleton(sp => new JmapApi(sp.GetRequiredService<JmapServer>()));
        services.AddSingleton(sp => new VacationResponder(sp.GetRequiredService<JmapServer>(), sp.GetRequiredService<ILoggerFactory>().CreateLogger("Mail.Host.Plugins.Jmap.Vacation")));
        services.AddSingleton<IDeliveryObserver>(sp => sp.GetRequiredService<VacationResponder>());
        services.AddSingleton<IHostedService>(sp => new JmapBackground(sp.GetRequiredService<JmapServer>(), sp.GetRequiredService<VacationResponder>()));
    }

    /// <inheritdoc />
    public void MapRoutes(IPluginContext context, IEndpointRouteBuilder endpoints) => JmapRoutes.Map(endpoints);
}
