namespace Mail.Host.Mail;

/// <summary>
/// The outcome of <see cref="IMailAccount.CopyAsync"/> and <see cref="IMailAccount.MoveAsync"/>: which source UIDs
/// became which destination UIDs (IMAP COPYUID, RFC 4315). UIDs that named no message are left out of both lists.
/// </summary>
public sealed record CopyResult
{
    /// <summary>
    /// The quota resource the copy would have exceeded, or <see langword="null"/>. When set, the copy stopped there:
    /// the UIDs listed were copied (a large copy is applied in steps), the others were not.
    /// </summary>
    public QuotaResource? ExceededQuota { get; init; }

    /// <summary>Whether the messages were copied or moved.</summary>
    public bool Succeeded => ExceededQuota is null;

    /// <summary>The destination mailbox's UIDVALIDITY.</summary>
    public uint UidValidity { get; init; }

    /// <summary>The source UIDs copied, ascending.</summary>
    public IReadOnlyList<uint> SourceUids { get; init; } = [];

    /// <summary>The destination UIDs, in the same order as <see cref="SourceUids"/>.</summary>
    public IReadOnlyList<uint> DestinationUids { get; init; } = [];

    /// <summary>The mod-sequence of the change; unchanged when nothing was copied.</summary>
    public ulong ModSeq { get; init; }
}
