using Mail.Host.Storage;
using Microsoft.Extensions.DependencyInjection;

namespace Mail.Host.Plugins.MySql;

/// <summary>Registers the <c>mysql</c> store type: the data role and parameterized SQL in a MySQL or MariaDB database.</summary>
public sealed class MySqlPlugin : IMailHostPlugin
{
    /// <inheritdoc />
    public void ConfigureServices(IPluginContext context, IServiceCollection services)
        => services.AddSingleton<IStoreProvider, MySqlStoreProvider>();
}
