using Mail.Host.Protocols;
using Microsoft.Extensions.DependencyInjection;

namespace Mail.Host.Plugins.Smtp;

/// <summary>
/// The SMTP plugin: the protocols <c>smtp</c> (inbound mail for local recipients), <c>submission</c> (authenticated
/// clients sending mail; remote recipients go to a durable queue) and <c>lmtp</c> (RFC 2033, one reply per recipient).
/// </summary>
public sealed class SmtpPlugin : IMailHostPlugin
{
    /// <inheritdoc />
    public void ConfigureServices(IPluginContext context, IServiceCollection services)
    {
        services.AddSingleton<IProtocolProvider>(new SmtpProtocolProvider(SmtpMode.Smtp));
        services.AddSingleton<IProtocolProvider>(new SmtpProtocolProvider(SmtpMode.Submission));
        services.AddSingleton<IProtocolProvider>(new SmtpProtocolProvider(SmtpMode.Lmtp));
    }
}
