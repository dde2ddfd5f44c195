using Mail.Host.Directory;

namespace Mail.Host.Mail;

/// <summary>One stored copy of a delivered message (see <see cref="DeliveredMessage"/>).</summary>
public sealed record DeliveredCopy
{
    /// <summary>The envelope recipient address (RCPT TO) that reached the account, as given.</summary>
    public required string Recipient { get; init; }

    /// <summary>
    /// Whether the account was reached as a member of a group or mailing list named by <see cref="Recipient"/>
    /// rather than as the recipient itself.
    /// </summary>
    public bool ThroughGroup { get; init; }

    /// <summary>The directory entry of the account's owner (its addresses, display name).</summary>
    public required Principal Principal { get; init; }

    /// <summary>The account that got the copy.</summary>
    public required ulong AccountId { get; init; }

    /// <summary>The new email's id in that account.</summary>
    public required ulong EmailId { get; init; }

    /// <summary>The mailbox it was stored in (the inbox).</summary>
    public required ulong MailboxId { get; init; }
}
