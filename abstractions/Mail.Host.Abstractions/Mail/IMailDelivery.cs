namespace Mail.Host.Mail;

/// <summary>
/// Local delivery by address, for every protocol that accepts mail (SMTP, LMTP, the admin API): recipients are
/// resolved through the manifest's authentication directory (aliases, catch-all, groups and mailing lists expanded,
/// nested groups followed once each), principals are mapped to accounts with their directory quotas, and the message
/// is stored once through <see cref="IMailEngine.DeliverAsync"/>. The host registers one instance.
/// </summary>
public interface IMailDelivery
{
    /// <summary>
    /// Delivers a message to the inbox of every account the addresses reach. An account reached through several
    /// addresses gets one copy. Every copy reported <see cref="RecipientStatus.Delivered"/> is durable when the call
    /// returns.
    /// </summary>
    /// <param name="message">The raw message, read to its end; stored byte for byte.</param>
    /// <param name="recipients">The recipient addresses (envelope RCPT TO).</param>
    /// <param name="receivedAt">The internal date; the current time when <see langword="null"/>.</param>
    /// <param name="cancellationToken">Cancels the delivery; copies already committed stay.</param>
    /// <returns>One outcome per address, in the order given.</returns>
    ValueTask<IReadOnlyList<RecipientDelivery>> DeliverAsync(Stream message, IReadOnlyList<string> recipients, DateTimeOffset? receivedAt = null, CancellationToken cancellationToken = default);

    /// <summary>
    /// Delivers a message as <see cref="DeliverAsync(Stream, IReadOnlyList{string}, DateTimeOffset?, CancellationToken)"/>
    /// does, naming its envelope sender, which every <see cref="IDeliveryObserver"/> is told (an auto-reply goes to
    /// it, never to a header address). Protocols that know the sender (SMTP MAIL FROM, a JMAP submission's envelope)
    /// call this one. The default implementation ignores the sender.
    /// </summary>
    /// <param name="message">The raw message, read to its end; stored byte for byte.</param>
    /// <param name="recipients">The recipient addresses (envelope RCPT TO).</param>
    /// <param name="returnPath">The envelope sender: an empty string for the null sender, <see langword="null"/> when unknown.</param>
    /// <param name="receivedAt">The internal date; the current time when <see langword="null"/>.</param>
    /// <param name="cancellationToken">Cancels the delivery; copies already committed stay.</param>
    /// <returns>One outcome per address, in the order given.</returns>
    ValueTask<IReadOnlyList<RecipientDelivery>> DeliverAsync(Stream message, IReadOnlyList<string> recipients, string? returnPath, DateTimeOffset? receivedAt, CancellationToken cancellationToken)
        => DeliverAsync(message, recipients, receivedAt, cancellationToken);
}
