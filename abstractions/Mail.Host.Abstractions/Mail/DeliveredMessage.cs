namespace Mail.Host.Mail;

/// <summary>A message local delivery has just stored, as told to every <see cref="IDeliveryObserver"/>.</summary>
public sealed record DeliveredMessage
{
    /// <summary>
    /// The envelope sender (SMTP MAIL FROM, the return path): an empty string for the null sender <c>&lt;&gt;</c> of
    /// bounces and auto-replies, <see langword="null"/> when the protocol that accepted the message did not say (the
    /// admin API, for one). Observers that answer the sender must answer neither.
    /// </summary>
    public string? ReturnPath { get; init; }

    /// <summary>When the message was received (its internal date).</summary>
    public required DateTimeOffset ReceivedAt { get; init; }

    /// <summary>Every copy stored: one per account reached, with the address that reached it.</summary>
    public required IReadOnlyList<DeliveredCopy> Copies { get; init; }
}
