using System.Globalization;
using System.Text;
using MimeKit;
using MimeKit.Utils;

namespace Mail.Host.Outbound;

/// <summary>
/// Delivery status notifications (RFC 3464): a <c>multipart/report; report-type=delivery-status</c> with a readable
/// part, the <c>message/delivery-status</c> fields per recipient, and the original message (or its headers when the
/// sender asked for RET=HDRS), from <c>MAILER-DAEMON</c> at this host to the envelope sender.
/// </summary>
internal static class DeliveryReports
{
    /// <summary>Builds a failure (<paramref name="delayed"/> false) or delay notice for the given recipients.</summary>
    public static MimeMessage Build(QueueEntry entry, IReadOnlyList<QueueRecipientState> recipients, bool delayed, string hostname, MemoryStream original, DateTimeOffset now, DateTimeOffset? retryUntil)
    {
        var report = new MimeMessage();
        report.From.Add(new MailboxAddress("Mail Delivery System", "MAILER-DAEMON@" + hostname));
        report.To.Add(MailboxAddress.Parse(entry.From));
        report.Subject = delayed ? "Delivery delayed: message not yet delivered" : "Undelivered Mail Returned to Sender";
        report.Date = now;
        report.MessageId = MimeKit.Utils.MimeUtils.GenerateMessageId(hostname);
        report.Headers.Add("Auto-Submitted", "auto-replied");

        var text = new StringBuilder();
        text.Append("This is the mail system at host ").Append(hostname).Append(".\r\n\r\n");
        text.Append(delayed
            ? "Your message could not be delivered yet to the recipients below. Delivery will be tried again"
              + (retryUntil is { } until ? " until " + until.ToString("R", CultureInfo.InvariantCulture) : string.Empty) + "; you do not need to send it again.\r\n\r\n"
            : "Your message could not be delivered to the recipients below. It has been given up on.\r\n\r\n");
        foreach (var recipient in recipients)
        {
            text.Append('<').Append(recipient.Address).Append(">: ").Append(recipient.Detail ?? "no reason recorded").Append("\r\n");
        }

        var multipart = new MultipartReport("delivery-status");
        multipart.Add(new TextPart("plain") { Text = text.ToString() });

        var status = new MessageDeliveryStatus();
        var perMessage = new HeaderList();
        if (entry.EnvelopeId is { } envid)
        {
            perMessage.Add("Original-Envelope-Id", envid);
        }

        perMessage.Add("Reporting-MTA", "dns; " + hostname);
        perMessage.Add("Arrival-Date", DateUtils.FormatDate(entry.ReceivedAt));
        status.StatusGroups.Add(perMessage);
        foreach (var recipient in recipients)
        {
            var fields = new HeaderList();
            if (recipient.OriginalRecipient is { } orcpt)
            {
                fields.Add("Original-Recipient", orcpt);
            }

            fields.Add("Final-Recipient", "rfc822; " + recipient.Address);
            fields.Add("Action", delayed ? "delayed" : "failed");
            fields.Add("Status", recipient.StatusCode ?? (delayed ? "4.0.0" : "5.0.0"));
            if (recipient.RemoteMta is { } mta)
            {
                fields.Add("Remote-MTA", "dns; " + mta);
            }

            if (recipient.Detail is { } detail)
            {
                fields.Add("Diagnostic-Code", "smtp; " + detail.ReplaceLineEndings(" "));
            }

            fields.Add("Last-Attempt-Date", DateUtils.FormatDate(now));
            if (delayed && retryUntil is { } willRetryUntil)
            {
                fields.Add("Will-Retry-Until", DateUtils.FormatDate(willRetryUntil));
            }

            status.StatusGroups.Add(fields);
        }

        multipart.Add(status);
        original.Position = 0;
        if (string.Equals(entry.Ret, "HDRS", StringComparison.OrdinalIgnoreCase) || delayed)
        {
            var headers = HeaderList.Load(original);
            using var buffer = new MemoryStream();
            headers.WriteTo(buffer);
            var part = new MimePart("text", "rfc822-headers") { Content = new MimeContent(new MemoryStream(buffer.ToArray())) };
            multipart.Add(part);
        }
        else
        {
            multipart.Add(new MessagePart { Message = MimeMessage.Load(original) });
        }

        report.Body = multipart;
        return report;
    }
}
