namespace Mail.Host.Mail;

/// <summary>What became of a message for one recipient address (see <see cref="IMailDelivery"/>).</summary>
public enum RecipientStatus
{
    /// <summary>Durable in the inbox of every account the address reaches (at least one).</summary>
    Delivered,

    /// <summary>No principal has the address and no catch-all takes it (SMTP 550 5.1.1).</summary>
    Unknown,

    /// <summary>The address belongs to a disabled account (SMTP 550 5.2.1).</summary>
    Disabled,

    /// <summary>Every account the address reaches is over its quota (SMTP 452 4.2.2 or 552 5.2.2).</summary>
    OverQuota,

    /// <summary>The directory or a store could not be reached; nothing was delivered for it (SMTP 451 4.3.0).</summary>
    TemporaryFailure,
}
