using Mail.Host.Plugins;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Newtonsoft.Json;

namespace Mail.Host.TestPlugins.JsonOld;

/// <summary>
/// Answers <c>GET /test/test-json12</c> with JSON written by the Newtonsoft.Json 12 this plugin carries:
/// <c>{"plugin":"test-json12","newtonsoftJson":"12.0.0.0"}</c>. With the <c>test-json13</c> plugin
/// loaded beside it, each answer names its own version only if each plugin got its own copy of the library.
/// </summary>
public sealed class JsonOldPlugin : IMailHostPlugin
{
    /// <summary>The plugin id, as in plugin.json.</summary>
    public const string PluginId = "test-json12";

    /// <summary>The path of the endpoint.</summary>
    public const string Route = "/test/" + PluginId;

    /// <inheritdoc />
    public void ConfigureServices(IPluginContext context, IServiceCollection services)
    {
    }

    /// <inheritdoc />
    public void MapRoutes(IPluginContext context, IEndpointRouteBuilder endpoints)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(endpoints);

        // The id comes from the host's context, not the constant, so a test also sees which context the host passed.
        var pluginId = context.PluginId;
        endpoints.MapGet(Route, () =>
        {
            var body = JsonConvert.SerializeObject(new
            {
                plugin = pluginId,
                newtonsoftJson = typeof(JsonConvert).Assembly.GetName().Version?.ToString(),
            });
            return Results.Text(body, "application/json");
        });
    }
}
