namespace Mail.Host.Mail;

/// <summary>The outcome of a local delivery for one recipient address (see <see cref="IMailDelivery"/>).</summary>
public sealed record RecipientDelivery
{
    /// <summary>The address as given.</summary>
    public required string Address { get; init; }

    /// <summary>What became of the message for this address.</summary>
    public required RecipientStatus Status { get; init; }

    /// <summary>
    /// The copy each account got or refused: one for a person, one per member for a group or mailing list (members
    /// over quota or disabled are left out of a group's delivery without failing it).
    /// </summary>
    public IReadOnlyList<DeliveryResult> Accounts { get; init; } = [];

    /// <summary>The quota that refused it, for <see cref="RecipientStatus.OverQuota"/>.</summary>
    public QuotaResource? ExceededQuota { get; init; }

    /// <summary>A sentence for logs and protocol replies when it was not delivered.</summary>
    public string? Detail { get; init; }
}
