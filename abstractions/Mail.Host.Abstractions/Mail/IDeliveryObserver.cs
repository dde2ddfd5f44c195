namespace Mail.Host.Mail;

/// <summary>
/// Told about every local delivery once its copies are durable: a plugin registers one or more in its
/// <c>ConfigureServices</c> (as <c>services.AddSingleton&lt;IDeliveryObserver&gt;(...)</c>) to act on new mail, for
/// example to send vacation auto-replies or push notifications. The host's <see cref="IMailDelivery"/> calls every
/// registered observer in turn after each delivery that stored at least one copy, before it returns to the protocol
/// that accepted the message. An observer cannot change the outcome: an exception it throws is logged and ignored.
/// Observers should return quickly (queue the work and do it in the background), since the sender waits meanwhile.
/// </summary>
public interface IDeliveryObserver
{
    /// <summary>Called after a delivery stored at least one copy.</summary>
    /// <param name="delivered">The envelope sender and the copies stored.</param>
    /// <param name="cancellationToken">The delivery's cancellation token.</param>
    /// <returns>A task that completes when the observer has taken note.</returns>
    ValueTask OnDeliveredAsync(DeliveredMessage delivered, CancellationToken cancellationToken);
}
