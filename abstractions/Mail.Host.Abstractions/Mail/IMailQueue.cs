namespace Mail.Host.Mail;

/// <summary>
/// The durable outbound queue: messages for remote recipients, kept in the data store until the outbound delivery
/// service hands them to the recipients' servers (or gives up and bounces). Every protocol that accepts mail for
/// remote recipients (SMTP submission, JMAP EmailSubmission) enqueues through it. The host registers one instance.
/// </summary>
public interface IMailQueue
{
    /// <summary>
    /// Stores a message and its envelope in one atomic write. When the call returns the message is durable and
    /// will be delivered by whichever host process sharing the store picks it up first.
    /// </summary>
    /// <param name="envelope">The sender, the remote recipients and the SMTP parameters that go with them.</param>
    /// <param name="message">The raw message, read to its end and stored byte for byte.</param>
    /// <param name="cancellationToken">Cancels the enqueue; nothing is stored when cancelled before the commit.</param>
    /// <returns>The queue id of the message, for logs, the admin API and delivery status notifications.</returns>
    ValueTask<string> EnqueueAsync(QueuedEnvelope envelope, Stream message, CancellationToken cancellationToken = default);
}
