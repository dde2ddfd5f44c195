namespace Mail.Host.Mail;

/// <summary>A remote recipient of a queued message, with its DSN parameters (RFC 3461).</summary>
public sealed record QueuedRecipient
{
    /// <summary>The recipient address (RCPT TO).</summary>
    public required string Address { get; init; }

    /// <summary>The NOTIFY parameter (<c>NEVER</c>, or a list of <c>SUCCESS</c>, <c>FAILURE</c>, <c>DELAY</c>), when given.</summary>
    public string? Notify { get; init; }

    /// <summary>The ORCPT parameter, when given.</summary>
    public string? OriginalRecipient { get; init; }
}
