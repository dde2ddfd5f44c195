namespace Mail.Host.Plugins.Imap;

/// <summary>A command that cannot be carried out: answered with NO and an optional response code.</summary>
internal sealed class ImapNoException(string message, string? code = null) : Exception(message)
{
    public string? Code { get; } = code;
}
