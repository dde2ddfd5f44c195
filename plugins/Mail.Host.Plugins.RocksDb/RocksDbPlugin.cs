using Mail.Host.Storage;
using Microsoft.Extensions.DependencyInjection;

namespace Mail.Host.Plugins.RocksDb;

/// <summary>Registers the <c>rocksdb</c> store type: an embedded, durable, ordered key-value store for the data role.</summary>
public sealed class RocksDbPlugin : IMailHostPlugin
{
    /// <inheritdoc />
    public void ConfigureServices(IPluginContext context, IServiceCollection services)
        => services.AddSingleton<IStoreProvider, RocksDbStoreProvider>();
}
