using Mail.Host.Storage;
using Microsoft.Extensions.DependencyInjection;

namespace Mail.Host.Plugins.S3;

/// <summary>The plugin entry point: registers the <c>s3</c> store type.</summary>
public sealed class S3Plugin : IMailHostPlugin
{
    /// <inheritdoc />
    public void ConfigureServices(IPluginContext context, IServiceCollection services)
        => services.AddSingleton<IStoreProvider, S3StoreProvider>();
}
