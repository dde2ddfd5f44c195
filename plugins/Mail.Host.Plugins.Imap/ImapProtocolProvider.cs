using Mail.Host.Protocols;

namespace Mail.Host.Plugins.Imap;

/// <summary>Creates IMAP listeners from the manifest.</summary>
internal sealed class ImapProtocolProvider : IProtocolProvider
{
    public string Protocol => "imap";

    public IEnumerable<string> Validate(ListenerContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var (_, problems) = ImapListenerOptions.Read(context.Settings);
        return problems;
    }

    public IProtocolListener CreateListener(ListenerContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var (options, problems) = ImapListenerOptions.Read(context.Settings);
        if (problems.Count > 0)
        {
            throw new InvalidOperationException(string.Join("; ", problems));
        }

        return new ImapListener(context, options);
    }
}
