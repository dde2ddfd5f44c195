using Mail.Host.Plugins;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Newtonsoft.Json;

namespace Mail.Host.TestPlugins.JsonNew;

/// <summary>
/// Answers <c>GET /test/test-json13</c> with JSON written by the Newtonsoft.Json 13 this plugin carries:
/// <c>{"plugin":"test-json13","newtonsoftJson":"13.0.0.0"}</c>. With the <c>test-json12</c> plugin
/// loaded beside it, each answer names its own version only if each plugin got its own copy of the library.
/// </summary>
public sealed class JsonNewPlugin : IMailHostPlugin
{
    /// <summary>The plugin id, as in plugin.json.</summary>
    public const string PluginId = "test-json13";

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
