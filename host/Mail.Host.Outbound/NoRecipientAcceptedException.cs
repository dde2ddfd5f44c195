namespace Mail.Host.Outbound;

/// <summary>Every RCPT of a transaction was refused; the per-recipient replies are in <see cref="RemoteSmtpClient.Refused"/>.</summary>
internal sealed class NoRecipientAcceptedException : Exception
{
    public NoRecipientAcceptedException()
        : base("The server accepted none of the recipients.")
    {
    }

    public NoRecipientAcceptedException(string message)
        : base(message)
    {
    }

    public NoRecipientAcceptedException(string message, Exception inner)
        : base(message, inner)
    {
    }
}
