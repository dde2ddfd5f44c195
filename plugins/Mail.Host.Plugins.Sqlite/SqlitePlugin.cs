using Mail.Host.Storage;
using Microsoft.Extensions.DependencyInjection;

namespace Mail.Host.Plugins.Sqlite;

/// <summary>Registers the <c>sqlite</c> store type: the data role kept in one local SQLite database file.</summary>
public sealed class SqlitePlugin : IMailHostPlugin
{
    /// <inheritdoc />
    public void ConfigureServices(IPluginContext context, IServiceCollection services)
        => services.AddSingleton<IStoreProvider, SqliteStoreProvider>();
}
