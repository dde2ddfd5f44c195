using Mail.Host.Storage;
using Microsoft.Extensions.DependencyInjection;

namespace Mail.Host.Plugins.Elasticsearch;

/// <summary>The plugin entry point: registers the <c>elasticsearch</c> store type.</summary>
public sealed class ElasticsearchPlugin : IMailHostPlugin
{
    /// <inheritdoc />
    public void ConfigureServices(IPluginContext context, IServiceCollection services)
        => services.AddSingleton<IStoreProvider, ElasticsearchStoreProvider>();
}
