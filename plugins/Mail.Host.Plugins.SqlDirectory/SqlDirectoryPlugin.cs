using Mail.Host.Directory;
using Microsoft.Extensions.DependencyInjection;

namespace Mail.Host.Plugins.SqlDirectory;

/// <summary>Registers the <c>sql</c> directory type: principals read by queries from a SQL store's database.</summary>
public sealed class SqlDirectoryPlugin : IMailHostPlugin
{
    /// <inheritdoc />
    public void ConfigureServices(IPluginContext context, IServiceCollection services)
        => services.AddSingleton<IDirectoryProvider, SqlDirectoryProvider>();
}
