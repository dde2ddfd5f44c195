namespace Mail.Host.Mail;

/// <summary>The outcome of <see cref="IMailEngine.DeliverAsync"/> for one recipient.</summary>
public sealed record DeliveryResult
{
    /// <summary>The recipient account.</summary>
    public required ulong AccountId { get; init; }

    /// <summary>Delivered, over quota or account unknown.</summary>
    public required DeliveryStatus Status { get; init; }

    /// <summary>For <see cref="DeliveryStatus.OverQuota"/>, the resource that would have been exceeded.</summary>
    public QuotaResource? ExceededQuota { get; init; }

    /// <summary>For a delivered message, the new email's id; otherwise 0.</summary>
    public ulong EmailId { get; init; }

    /// <summary>For a delivered message, the inbox's id; otherwise 0.</summary>
    public ulong MailboxId { get; init; }

    /// <summary>For a delivered message, its UID in the inbox; otherwise 0.</summary>
    public uint Uid { get; init; }
}
