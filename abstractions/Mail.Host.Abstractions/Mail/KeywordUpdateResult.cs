namespace Mail.Host.Mail;

/// <summary>The outcome of <see cref="IMailAccount.SetKeywordsAsync"/>.</summary>
public sealed record KeywordUpdateResult
{
    /// <summary>
    /// The messages whose keywords changed, as they are now (new mod-sequence included), in UID order. A message
    /// whose keywords already were what was asked is not changed and not listed.
    /// </summary>
    public IReadOnlyList<MailboxMessage> Updated { get; init; } = [];

    /// <summary>
    /// The UIDs left unchanged because they were modified after the UNCHANGEDSINCE mod-sequence (the IMAP
    /// <c>[MODIFIED …]</c> set, RFC 7162 §3.1.3), ascending.
    /// </summary>
    public IReadOnlyList<uint> Modified { get; init; } = [];
}
