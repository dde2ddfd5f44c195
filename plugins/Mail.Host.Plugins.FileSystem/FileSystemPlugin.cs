using Mail.Host.Plugins;
using Mail.Host.Storage;
using Microsoft.Extensions.DependencyInjection;

namespace Mail.Host.Plugins.FileSystem;

/// <summary>Registers the <c>filesystem</c> store type: content-addressed blob files in fanned-out folders.</summary>
public sealed class FileSystemPlugin : IMailHostPlugin
{
    /// <inheritdoc />
    public void ConfigureServices(IPluginContext context, IServiceCollection services)
        => services.AddSingleton<IStoreProvider, FileSystemBlobStoreProvider>();
}
