namespace Mail.Host.Plugins.Imap;

/// <summary>A command that does not follow the IMAP grammar: answered with BAD.</summary>
internal sealed class ImapParseException(string message) : Exception(message);
