using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Threading.Channels;
using Mail.Host.Mail;
using Microsoft.Extensions.Logging;
using MimeKit;
using MimeKit.Utils;

namespace Mail.Host.Plugins.Jmap;

/// <summary>
/// Sends the VacationResponse auto-reply (RFC 8621 §8) for mail delivered to an account whose vacation response is
/// enabled and current, following RFC 3834 and the rules of RFC 5230 (Sieve vacation): one reply per sender per period
/// (<see cref="JmapOptions.VacationReplyIntervalSeconds"/>, counted in the lookup store, started again when the response
/// changes); never to the null sender, to list and daemon addresses (<c>MAILER-DAEMON</c>, <c>owner-*</c>,
/// <c>*-request</c>, ...), to automatic mail (<c>Auto-Submitted</c> other than <c>no</c>), to list or bulk mail
/// (<c>List-Id</c>, <c>List-Unsubscribe</c>, <c>Precedence: bulk/list/junk</c>), to messages that do not name the
/// account in To or Cc, or to the account's own addresses. The reply has the null envelope sender, so it can never
/// be answered in turn; it goes to local senders by local delivery and to remote ones through the outbound queue.
/// Deliveries are noted at once and answered in the background, so the sender's SMTP transaction never waits on it.
/// </summary>
internal sealed class VacationResponder(JmapServer server, ILogger logger) : IDeliveryObserver
{
    private static readonly string[] DaemonLocalParts = ["mailer-daemon", "postmaster", "listserv", "majordomo", "mailman", "noreply", "no-reply"];

    private readonly Channel<(string Sender, DeliveredCopy Copy)> work = Channel.CreateBounded<(string, DeliveredCopy)>(
        new BoundedChannelOptions(10_000) { FullMode = BoundedChannelFullMode.DropWrite, SingleReader = true });

    /// <inheritdoc />
    public ValueTask OnDeliveredAsync(DeliveredMessage delivered, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(delivered);
        if (delivered.ReturnPath is not { Length: > 0 } sender || IsAutomaticSender(sender))
        {
            return ValueTask.CompletedTask;
        }

        foreach (var copy in delivered.Copies)
        {
            // A member of a group or list is not addressed personally (RFC 5230 §4.5).
            if (!copy.ThroughGroup && !work.Writer.TryWrite((sender, copy)))
            {
                logger.LogWarning("Too many vacation replies are waiting; none is sent for the message to {Recipient}", copy.Recipient);
            }
        }

        return ValueTask.CompletedTask;
    }

    /// <summary>Answers the deliveries noted, one at a time, until the server stops.</summary>
    public async Task RunAsync(CancellationToken stoppingToken)
    {
        try
        {
            await foreach (var (sender, copy) in work.Reader.ReadAllAsync(stoppingToken).ConfigureAwait(false))
            {
                try
                {
                    await AnswerAsync(sender, copy, stoppingToken).ConfigureAwait(false);
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    logger.LogWarning(ex, "The vacation reply to {Sender} for {Account} could not be sent", sender, copy.Principal.Name);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    /// <summary>The envelope senders never answered: daemons and list software (RFC 5230 §4.6, RFC 3834 §2).</summary>
    internal static bool IsAutomaticSender(string address)
    {
        var at = address.LastIndexOf('@');
        var local = (at < 0 ? address : address[..at]).ToLowerInvariant();
        return DaemonLocalParts.Contains(local) || local.StartsWith("owner-", StringComparison.Ordinal) || local.EndsWith("-request", StringComparison.Ordinal)
            || local.EndsWith("-owner", StringComparison.Ordinal) || local.StartsWith("bounce", StringComparison.Ordinal);
    }

    /// <summary>Whether the header fields mark the message as automatic, list or bulk mail (RFC 3834 §2, RFC 5230 §4.6).</summary>
    internal static bool IsAutomaticMessage(HeaderList headers)
    {
        foreach (var header in headers)
        {
            var value = header.Value.Trim();
            switch (header.Field.ToLowerInvariant())
            {
                case "auto-submitted":
                    var token = value.Split(';', 2)[0].Trim();
                    if (!token.Equals("no", StringComparison.OrdinalIgnoreCase))
                    {
                        return true;
                    }

                    break;
                case "precedence":
                    if (value.Equals("bulk", StringComparison.OrdinalIgnoreCase) || value.Equals("list", StringComparison.OrdinalIgnoreCase) || value.Equals("junk", StringComparison.OrdinalIgnoreCase))
                    {
                        return true;
                    }

                    break;
                case "list-id" or "list-unsubscribe" or "list-post" or "list-help" or "x-auto-response-suppress":
                    return true;
            }
        }

        return false;
    }

    private async Task AnswerAsync(string sender, DeliveredCopy copy, CancellationToken cancellationToken)
    {
        var entry = await server.Objects.GetAsync(copy.AccountId, JmapObjectKind.VacationResponse, 1, cancellationToken).ConfigureAwait(false);
        if (entry is null || entry.Value["isEnabled"]?.GetValue<bool>() != true)
        {
            return;
        }

        var now = DateTimeOffset.UtcNow;
        if ((Date(entry.Value["fromDate"]) is { } from && now < from) || (Date(entry.Value["toDate"]) is { } to && now >= to))
        {
            return;
        }

        var own = new HashSet<string>(copy.Principal.Addresses, StringComparer.OrdinalIgnoreCase) { copy.Recipient };
        if (own.Contains(sender))
        {
            return;
        }

        HeaderList headers;
        var stream = await server.Engine.OpenAccount(copy.AccountId).OpenMessageAsync(copy.EmailId, cancellationToken).ConfigureAwait(false);
        if (stream is null)
        {
            return;
        }

        await using (stream.ConfigureAwait(false))
        {
            headers = await HeaderList.LoadAsync(stream, cancellationToken).ConfigureAwait(false);
        }

        if (IsAutomaticMessage(headers))
        {
            return;
        }

        // The account must be named in To or Cc (RFC 5230 §4.5): Bcc copies and list traffic get no reply.
        var named = Addresses(headers, HeaderId.To).Concat(Addresses(headers, HeaderId.Cc)).FirstOrDefault(a => own.Contains(a.Address));
        if (named is null)
        {
            return;
        }

        // One reply per sender per period; a changed response starts the count again (RFC 5230 §4.2).
        var period = TimeSpan.FromSeconds(server.Options.VacationReplyIntervalSeconds);
        var key = $"jmap:vacation:{copy.AccountId.ToString(CultureInfo.InvariantCulture)}:{entry.ModSeq.ToString(CultureInfo.InvariantCulture)}:{Hash(sender.ToLowerInvariant())}";
        if (await server.Stores.Lookup.IncrementAsync(key, 1, period, cancellationToken).ConfigureAwait(false) != 1)
        {
            return;
        }

        var reply = Build(entry.Value, headers, new MailboxAddress(copy.Principal.DisplayName ?? string.Empty, named.Address), sender, now);
        using var buffer = new MemoryStream();
        await reply.WriteToAsync(FormatOptions.Default, buffer, cancellationToken).ConfigureAwait(false);
        var bytes = buffer.ToArray();
        var domains = await server.Directory.ListDomainsAsync(cancellationToken).ConfigureAwait(false);
        var senderDomain = sender[(sender.LastIndexOf('@') + 1)..];
        if (domains.Contains(senderDomain, StringComparer.OrdinalIgnoreCase))
        {
            var delivery = server.Delivery ?? throw new InvalidOperationException("local delivery is unavailable");
            var outcomes = await delivery.DeliverAsync(new MemoryStream(bytes, false), [sender], string.Empty, now, cancellationToken).ConfigureAwait(false);
            logger.LogInformation("Vacation reply from {Account} to {Sender}: {Status}", copy.Principal.Name, sender, outcomes[0].Status);
        }
        else if (server.Queue is { } queue)
        {
            var id = await queue.EnqueueAsync(new QueuedEnvelope
            {
                From = string.Empty,
                Recipients = [new QueuedRecipient { Address = sender, Notify = "NEVER" }],
                ReceivedAt = now,
                AuthenticatedAs = copy.Principal.Name,
                Client = "jmap",
                Helo = "jmap",
            }, new MemoryStream(bytes, false), cancellationToken).ConfigureAwait(false);
            logger.LogInformation("Vacation reply from {Account} to {Sender} queued as {QueueId}", copy.Principal.Name, sender, id);
        }
        else
        {
            logger.LogWarning("Vacation reply from {Account} to {Sender} not sent: this server has no outbound queue", copy.Principal.Name, sender);
        }
    }

    private static MimeMessage Build(System.Text.Json.Nodes.JsonObject vacation, HeaderList original, MailboxAddress from, string to, DateTimeOffset now)
    {
        var message = new MimeMessage();
        message.From.Add(from);
        message.To.Add(MailboxAddress.Parse(to));
        var subject = vacation["subject"]?.GetValue<string>();
        var originalSubject = original[HeaderId.Subject]?.Trim() ?? string.Empty;
        message.Subject = !string.IsNullOrEmpty(subject) ? subject : "Auto: " + originalSubject;
        message.Date = now;
        var domain = from.Address[(from.Address.LastIndexOf('@') + 1)..];
        message.MessageId = MimeUtils.GenerateMessageId(domain.Length > 0 ? domain : "localhost");
        if (MessageId(original[HeaderId.MessageId]) is { } originalId)
        {
            message.InReplyTo = originalId;
            foreach (var reference in (original[HeaderId.References] ?? string.Empty).Split([' ', '\t', '\r', '\n'], StringSplitOptions.RemoveEmptyEntries).Select(MessageId).OfType<string>().TakeLast(20))
            {
                message.References.Add(reference);
            }

            message.References.Add(originalId);
        }

        message.Headers.Add("Auto-Submitted", "auto-replied");
        var text = vacation["textBody"]?.GetValue<string>();
        var html = vacation["htmlBody"]?.GetValue<string>();
        if (text is null && html is null)
        {
            text = $"This is an automatic reply: {(string.IsNullOrEmpty(from.Name) ? from.Address : from.Name)} is away and will read your message later.";
        }

        var textPart = text is null ? null : new TextPart("plain") { Text = text };
        var htmlPart = html is null ? null : new TextPart("html") { Text = html };
        message.Body = (textPart, htmlPart) switch
        {
            ({ } t, { } h) => new MultipartAlternative { t, h },
            ({ } t, null) => t,
            (null, { } h) => h,
            _ => throw new InvalidOperationException("unreachable"),
        };
        return message;
    }

    private static IEnumerable<MailboxAddress> Addresses(HeaderList headers, HeaderId id)
    {
        foreach (var header in headers.Where(h => h.Id == id))
        {
            if (InternetAddressList.TryParse(header.RawValue, out var list))
            {
                foreach (var mailbox in list.Mailboxes)
                {
                    yield return mailbox;
                }
            }
        }
    }

    private static string? MessageId(string? text)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return null;
        }

        var id = text.Trim().Trim('<', '>').Trim();
        return id.Length is > 0 and < 1000 && !id.Any(char.IsWhiteSpace) ? id : null;
    }

    private static DateTimeOffset? Date(System.Text.Json.Nodes.JsonNode? node)
        => node?.GetValue<string>() is { } text && DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var date) ? date : null;

    private static string Hash(string text) => Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(text)).AsSpan(0, 16));
}
