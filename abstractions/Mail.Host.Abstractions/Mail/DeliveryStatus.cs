namespace Mail.Host.Mail;

/// <summary>What happened to a message for one recipient of <see cref="IMailEngine.DeliverAsync"/>.</summary>
public enum DeliveryStatus
{
    /// <summary>The message is in the recipient's inbox and durable.</summary>
    Delivered,

    /// <summary>The recipient's quota would be exceeded; nothing was stored for them (SMTP 452/552, RFC 3463 4.2.2/5.2.2).</summary>
    OverQuota,

    /// <summary>The engine has no account with that id; nothing was stored for it.</summary>
    AccountUnknown,
}
