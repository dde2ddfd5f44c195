namespace Mail.Host.Mail;

/// <summary>
/// The outcome of <see cref="IMailAccount.AppendAsync"/>: the new message's UID and email id (IMAP APPENDUID,
/// JMAP Email/import), or the quota it would have exceeded, in which case nothing was stored.
/// </summary>
public sealed record AppendResult
{
    /// <summary>The quota resource the append would have exceeded, or <see langword="null"/> when it succeeded.</summary>
    public QuotaResource? ExceededQuota { get; init; }

    /// <summary>Whether the message was stored.</summary>
    public bool Succeeded => ExceededQuota is null;

    /// <summary>The mailbox it was appended to.</summary>
    public ulong MailboxId { get; init; }

    /// <summary>The mailbox's UIDVALIDITY.</summary>
    public uint UidValidity { get; init; }

    /// <summary>The new message's UID; 0 when it was not stored.</summary>
    public uint Uid { get; init; }

    /// <summary>The new email's id; 0 when it was not stored.</summary>
    public ulong EmailId { get; init; }

    /// <summary>The mod-sequence of the change.</summary>
    public ulong ModSeq { get; init; }
}
