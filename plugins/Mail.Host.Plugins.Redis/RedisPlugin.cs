using Mail.Host.Storage;
using Microsoft.Extensions.DependencyInjection;

namespace Mail.Host.Plugins.Redis;

/// <summary>The plugin entry point: registers the <c>redis</c> store type.</summary>
public sealed class RedisPlugin : IMailHostPlugin
{
    /// <inheritdoc />
    public void ConfigureServices(IPluginContext context, IServiceCollection services)
        => services.AddSingleton<IStoreProvider, RedisStoreProvider>();
}
