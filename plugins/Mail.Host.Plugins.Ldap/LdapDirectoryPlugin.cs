using Mail.Host.Directory;
using Microsoft.Extensions.DependencyInjection;

namespace Mail.Host.Plugins.Ldap;

/// <summary>Registers the <c>ldap</c> directory type: principals in an LDAP directory (OpenLDAP, 389, Active Directory).</summary>
public sealed class LdapDirectoryPlugin : IMailHostPlugin
{
    /// <inheritdoc />
    public void ConfigureServices(IPluginContext context, IServiceCollection services)
        => services.AddSingleton<IDirectoryProvider, LdapDirectoryProvider>();
}
