using Mail.Host.Protocols;
using Microsoft.Extensions.DependencyInjection;

namespace Mail.Host.Plugins.Imap;

/// <summary>The IMAP plugin: the protocol <c>imap</c> (RFC 9051 and RFC 3501) over STARTTLS or implicit TLS.</summary>
public sealed class ImapPlugin : IMailHostPlugin
{
    /// <inheritdoc />
    public void ConfigureServices(IPluginContext context, IServiceCollection services)
        => services.AddSingleton<IProtocolProvider>(new ImapProtocolProvider());
}
