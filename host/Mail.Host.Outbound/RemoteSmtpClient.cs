using MailKit;
using MailKit.Net.Smtp;
using MimeKit;

namespace Mail.Host.Outbound;

/// <summary>
/// MailKit's SMTP client with a result per recipient instead of an exception at the first refused RCPT, and the DSN
/// parameters of the queued envelope (NOTIFY per recipient, ENVID). One connection may carry several messages in turn:
/// <see cref="Begin"/> sets the next one.
/// </summary>
internal sealed class RemoteSmtpClient : SmtpClient
{
    private QueueEntry? entry;

    public Dictionary<string, SmtpResponse> Refused { get; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>How many transactions this connection has carried.</summary>
    public int Transactions { get; private set; }

    /// <summary>When the connection last finished a transaction (for the idle limit of pooled connections).</summary>
    public DateTimeOffset IdleSince { get; set; }

    /// <summary>Prepares the next transaction on this connection.</summary>
    public void Begin(QueueEntry next)
    {
        entry = next;
        Refused.Clear();
        RequireTLS = next.RequireTls;
        Transactions++;
    }

    protected override void OnRecipientNotAccepted(MimeMessage message, MailboxAddress mailbox, SmtpResponse response)
        => Refused[mailbox.Address] = response;

    protected override void OnNoRecipientsAccepted(MimeMessage message) => throw new NoRecipientAcceptedException();

    protected override string? GetEnvelopeId(MimeMessage message) => entry?.EnvelopeId;

    protected override DeliveryStatusNotification? GetDeliveryStatusNotifications(MimeMessage message, MailboxAddress mailbox)
    {
        var notify = entry?.Recipients.FirstOrDefault(r => string.Equals(r.Address, mailbox.Address, StringComparison.OrdinalIgnoreCase))?.Notify;
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
