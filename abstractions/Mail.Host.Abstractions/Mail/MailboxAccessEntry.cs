namespace Mail.Host.Mail;

/// <summary>One entry of a mailbox's access control list (IMAP GETACL).</summary>
/// <param name="Identifier">
/// Who the rights are for: <c>anyone</c> (every authenticated user) or a principal's login name, lower-case as
/// <see cref="IMailEngine.GetAccountIdAsync"/> maps it.
/// </param>
/// <param name="Rights">The rights granted.</param>
public sealed record MailboxAccessEntry(string Identifier, MailboxRights Rights)
{
    /// <summary>The identifier that stands for every authenticated user (RFC 4314 §2).</summary>
    public const string Anyone = "anyone";
}
