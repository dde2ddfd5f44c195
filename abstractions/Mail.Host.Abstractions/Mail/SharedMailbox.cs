namespace Mail.Host.Mail;

/// <summary>
/// A mailbox of another account that this account may see (<see cref="IMailAccount.GetSharedMailboxesAsync"/>): open
/// the owner's account through <see cref="IMailEngine.OpenSharedAccount"/> to work in it.
/// </summary>
public sealed record SharedMailbox
{
    /// <summary>The account that owns the mailbox.</summary>
    public required ulong OwnerAccountId { get; init; }

    /// <summary>The owner's principal name (lower-case), as the engine mapped it to the account.</summary>
    public required string OwnerName { get; init; }

    /// <summary>The mailbox, with its name and counters in the owner's account.</summary>
    public required Mailbox Mailbox { get; init; }

    /// <summary>This account's rights on it: those granted to its principal and to <c>anyone</c>.</summary>
    public required MailboxRights Rights { get; init; }
}
