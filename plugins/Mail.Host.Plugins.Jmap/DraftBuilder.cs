using System.Globalization;
using System.Text.Json.Nodes;
using MimeKit;
using MimeKit.Text;

namespace Mail.Host.Plugins.Jmap;

/// <summary>Builds the MIME message of an Email/set create (RFC 8621 §4.6) with MimeKit.</summary>
internal static class DraftBuilder
{
    private static readonly HashSet<string> Settable =
    [
        "mailboxIds", "keywords", "receivedAt", "messageId", "inReplyTo", "references", "sender", "from", "to", "cc", "bcc", "replyTo",
        "subject", "sentAt", "bodyStructure", "bodyValues", "textBody", "htmlBody", "attachments",
    ];

    public static async Task<MimeMessage> BuildAsync(MethodCall call, JsonObject input)
    {
        foreach (var (key, _) in input)
        {
            if (!Settable.Contains(key) && !key.StartsWith("header:", StringComparison.Ordinal))
            {
                throw SetErrorException.InvalidProperties($"'{key}' cannot be set when creating an email.", key);
            }
        }

        var message = new MimeMessage();
        message.Headers.Remove(HeaderId.MimeVersion);
        AddAddresses(message.From, input, "from");
        AddAddresses(message.To, input, "to");
        AddAddresses(message.Cc, input, "cc");
        AddAddresses(message.Bcc, input, "bcc");
        AddAddresses(message.ReplyTo, input, "replyTo");
        if (input["sender"] is JsonArray { Count: > 0 } sender)
        {
            var list = new InternetAddressList();
            AddAddresses(list, input, "sender");
            message.Sender = list.Mailboxes.FirstOrDefault();
        }

        message.Subject = EmailSetMethods.StringProperty(input, "subject") ?? string.Empty;
        if (input["sentAt"] is JsonValue sentAt)
        {
            message.Date = sentAt.TryGetValue<string>(out var sentText) && DateTimeOffset.TryParse(sentText, CultureInfo.InvariantCulture, DateTimeStyles.None, out var date)
                ? date
                : throw SetErrorException.InvalidProperties("'sentAt' must be a Date.", "sentAt");
        }
        else
        {
            message.Date = DateTimeOffset.UtcNow;
        }

        message.MessageId = input["messageId"] is JsonArray { Count: 1 } ids && ids[0] is JsonValue id && id.TryGetValue<string>(out var messageId)
            ? messageId
            : MimeKit.Utils.MimeUtils.GenerateMessageId(call.User.Principal.PrimaryAddress?.Split('@').LastOrDefault() ?? "localhost");
        if (input["inReplyTo"] is JsonArray { Count: > 0 } inReplyTo)
        {
            message.InReplyTo = inReplyTo[0]?.GetValue<string>();
        }

        if (input["references"] is JsonArray references)
        {
            foreach (var reference in references)
            {
                message.References.Add(reference?.GetValue<string>() ?? string.Empty);
            }
        }

        foreach (var (key, value) in input)
        {
            if (key.StartsWith("header:", StringComparison.Ordinal))
            {
                var parts = key.Split(':');
                if (parts.Length != 2 || value is not JsonValue v || !v.TryGetValue<string>(out var raw) || raw.Contains('\n'))
                {
                    throw SetErrorException.InvalidProperties($"'{key}' must be header:Name with a string value.", key);
                }

                message.Headers.Add(parts[1], raw.Trim());
            }
        }

        var bodyValues = input["bodyValues"] as JsonObject ?? [];
        if (input["bodyStructure"] is JsonObject structure)
        {
            message.Body = await PartAsync(call, structure, bodyValues).ConfigureAwait(false);
            return CheckAttachmentSize(call, message);
        }

        MimeEntity? text = input["textBody"] is JsonArray { Count: > 0 } textBody ? await PartAsync(call, Single(textBody, "textBody"), bodyValues, "text/plain").ConfigureAwait(false) : null;
        MimeEntity? html = input["htmlBody"] is JsonArray { Count: > 0 } htmlBody ? await PartAsync(call, Single(htmlBody, "htmlBody"), bodyValues, "text/html").ConfigureAwait(false) : null;
        MimeEntity body = text is not null && html is not null
            ? new MultipartAlternative { text, html }
            : text ?? html ?? new TextPart(TextFormat.Plain) { Text = string.Empty };
        if (input["attachments"] is JsonArray { Count: > 0 } attachments)
        {
            var mixed = new Multipart("mixed") { body };
            foreach (var attachment in attachments)
            {
                mixed.Add(await PartAsync(call, attachment as JsonObject ?? throw SetErrorException.InvalidProperties("Attachments must be EmailBodyPart objects.", "attachments"), bodyValues).ConfigureAwait(false));
            }

            body = mixed;
        }

        message.Body = body;
        return CheckAttachmentSize(call, message);
    }

    /// <summary>RFC 8621 §1.3.1 maxSizeAttachmentsPerEmail: the parts made from blobs, decoded, may not add up to more.</summary>
    private static MimeMessage CheckAttachmentSize(MethodCall call, MimeMessage message)
    {
        var total = message.BodyParts.OfType<MimePart>().Where(p => p.GetType() == typeof(MimePart)).Sum(p => p.Content?.Stream?.Length ?? 0);
        var max = call.Server.Options.MaxSizeUpload;
        if (total > max)
        {
            throw new SetErrorException("tooLarge", $"The attachments add up to {total} octets, over maxSizeAttachmentsPerEmail ({max}).");
        }

        return message;
    }

    private static JsonObject Single(JsonArray array, string property)
        => array.Count == 1 && array[0] is JsonObject part ? part : throw SetErrorException.InvalidProperties($"'{property}' must hold exactly one EmailBodyPart.", property);

    private static void AddAddresses(InternetAddressList list, JsonObject input, string property)
    {
        if (input[property] is null)
        {
            return;
        }

        if (input[property] is not JsonArray array)
        {
            throw SetErrorException.InvalidProperties($"'{property}' must be an array of EmailAddress objects.", property);
        }

        foreach (var item in array)
        {
            if (item is not JsonObject address || address["email"] is not JsonValue e || !e.TryGetValue<string>(out var email) || !MailboxAddress.TryParse(email, out var parsed))
            {
                throw SetErrorException.InvalidProperties($"'{property}' holds an address that is not valid.", property);
            }

            parsed.Name = address["name"] is JsonValue n && n.TryGetValue<string>(out var name) ? name : null;
            list.Add(parsed);
        }
    }

    private static async Task<MimeEntity> PartAsync(MethodCall call, JsonObject part, JsonObject bodyValues, string? defaultType = null)
    {
        var type = EmailSetMethods.StringProperty(part, "type") ?? defaultType ?? "text/plain";
        if (!ContentType.TryParse(type, out var contentType))
        {
            throw SetErrorException.InvalidProperties($"'{type}' is not a media type.", "type");
        }

        if (contentType.MediaType.Equals("multipart", StringComparison.OrdinalIgnoreCase))
        {
            var multipart = new Multipart(contentType.MediaSubtype);
            foreach (var sub in part["subParts"] as JsonArray ?? [])
            {
                multipart.Add(await PartAsync(call, sub as JsonObject ?? throw SetErrorException.InvalidProperties("subParts must be objects.", "bodyStructure"), bodyValues).ConfigureAwait(false));
            }

            return multipart;
        }

        MimePart entity;
        if (EmailSetMethods.StringProperty(part, "partId") is { } partId)
        {
            if (bodyValues[partId] is not JsonObject value || value["value"] is not JsonValue v || !v.TryGetValue<string>(out var text))
            {
                throw SetErrorException.InvalidProperties($"No bodyValues entry for part '{partId}'.", "bodyValues");
            }

            if (!contentType.MediaType.Equals("text", StringComparison.OrdinalIgnoreCase))
            {
                throw SetErrorException.InvalidProperties("A part given by partId must be text.", "type");
            }

            var textPart = new TextPart(contentType.MediaSubtype);
            textPart.SetText("utf-8", text);
            entity = textPart;
        }
        else if (EmailSetMethods.StringProperty(part, "blobId") is { } blobId)
        {
            var bytes = await call.Server.Blobs.ReadAsync(call.User, call.Request.ResolveId(blobId), call.Server.Options.MaxSizeUpload, call.CancellationToken).ConfigureAwait(false)
                ?? throw new SetErrorException("blobNotFound", $"There is no blob '{JmapApi.Shorten(blobId)}' in this account.");
            entity = new MimePart(contentType.MediaType, contentType.MediaSubtype)
            {
                Content = new MimeContent(new MemoryStream(bytes)),
                ContentTransferEncoding = ContentEncoding.Base64,
            };
        }
        else
        {
            throw SetErrorException.InvalidProperties("A body part needs a partId or a blobId.", "bodyStructure");
        }

        if (EmailSetMethods.StringProperty(part, "charset") is { } charset && entity is TextPart)
        {
            entity.ContentType.Charset = charset;
        }

        if (EmailSetMethods.StringProperty(part, "disposition") is { } disposition)
        {
            entity.ContentDisposition = new ContentDisposition(disposition);
        }

        if (EmailSetMethods.StringProperty(part, "name") is { } name)
        {
            entity.FileName = name;
        }

        if (EmailSetMethods.StringProperty(part, "cid") is { } cid)
        {
            entity.ContentId = cid;
        }

        if (EmailSetMethods.StringProperty(part, "location") is { } location && Uri.TryCreate(location, UriKind.RelativeOrAbsolute, out var uri))
        {
            entity.ContentLocation = uri;
        }

        return entity;
    }
}
