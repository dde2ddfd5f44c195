using MailKit;
using MailKit.Net.Smtp;
using MimeKit;

namespace Mail.Host.Outbound;

/// <summary>
/// MailKit's SMTP client with a result per recipient instead of an exception at the first refused RCPT, and the DSN
/// parameters of the queued envelope (NOTIFY per recipient, ENVID).
/// </summary>
internal sealed class RemoteSmtpClient(QueueEntry entry) : SmtpClient
{
    public Dictionary<string, SmtpResponse> Refused { get; } = new(StringComparer.OrdinalIgnoreCase);

    protected override void OnRecipientNotAccepted(MimeMessage message, MailboxAddress mailbox, SmtpResponse response)
        => Refused[mailbox.Address] = response;

    protected override void OnNoRecipientsAccepted(MimeMessage message) => throw new NoRecipientAcceptedException();

    protected override string? GetEnvelopeId(MimeMessage message) => entry.EnvelopeId;

    protected override DeliveryStatusNotification? GetDeliveryStatusNotifications(MimeMessage message, MailboxAddress mailbox)
    {
        var notify = entry.Recipients.FirstOrDefault(r => string.Equals(r.Address, mailbox.Address, StringComparison.OrdinalIgnoreCase))?.Notify;
        if (notify is null)
        {
            return null;
        }

        var flags = DeliveryStatusNotification.Never;
        foreach (var item in notify.Split(','))
        {
            flags |= item.ToUpperInvariant() switch
            {
                "SUCCESS" => DeliveryStatusNotification.Success,
                "FAILURE" => DeliveryStatusNotification.Failure,
                "DELAY" => DeliveryStatusNotification.Delay,
                _ => DeliveryStatusNotification.Never,
            };
        }

        return flags;
    }
}
