using Mail.Host.Storage;
using Microsoft.Extensions.DependencyInjection;

namespace Mail.Host.Plugins.PostgreSql;

/// <summary>Registers the <c>postgresql</c> store type: the data role and parameterized SQL in a PostgreSQL database.</summary>
public sealed class PostgreSqlPlugin : IMailHostPlugin
{
    /// <inheritdoc />
    public void ConfigureServices(IPluginContext context, IServiceCollection services)
        => services.AddSingleton<IStoreProvider, PostgreSqlStoreProvider>();
}
