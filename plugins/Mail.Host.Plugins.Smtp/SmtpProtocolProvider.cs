using Mail.Host.Protocols;

namespace Mail.Host.Plugins.Smtp;

/// <summary>Creates listeners for one of the plugin's protocols.</summary>
internal sealed class SmtpProtocolProvider(SmtpMode mode) : IProtocolProvider
{
    public string Protocol => mode switch
    {
        SmtpMode.Submission => "submission",
        SmtpMode.Lmtp => "lmtp",
        _ => "smtp",
    };

    public IEnumerable<string> Validate(ListenerContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var (_, problems) = SmtpListenerOptions.Read(context.Settings);
        return problems;
    }

    public IProtocolListener CreateListener(ListenerContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var (options, problems) = SmtpListenerOptions.Read(context.Settings);
        if (problems.Count > 0)
        {
            throw new InvalidOperationException(string.Join("; ", problems));
        }

        return new SmtpListener(mode, context, options);
    }
}
