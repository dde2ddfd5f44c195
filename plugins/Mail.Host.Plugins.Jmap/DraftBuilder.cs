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
                var name = key.Split(':')[1];
                if (ConvenienceHeaders.FirstOrDefault(c => c.Header.Equals(name, StringComparison.OrdinalIgnoreCase) && input.ContainsKey(c.Property)) is { Property: not null } both)
                {
                    throw SetErrorException.InvalidProperties($"The {both.Header} header is given both as '{key}' and as '{both.Property}'.", key, both.Property);
                }

                AddHeaders(message.Headers, key, value);
            }
        }

        var bodyKeys = new[] { "textBody", "htmlBody", "attachments" }.Where(k => input[k] is not null).ToList();
        if (input["bodyStructure"] is not null && bodyKeys.Count > 0)
        {
            throw SetErrorException.InvalidProperties("bodyStructure cannot be given together with textBody, htmlBody or attachments.", ["bodyStructure", .. bodyKeys]);
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

            AddPartHeaders(multipart, part);
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
                ?? throw new SetErrorException("blobNotFound", $"There is no blob '{JmapApi.Shorten(blobId)}' in this account.") { NotFoundIds = [blobId] };
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

        AddPartHeaders(entity, part);
        return entity;
    }

    /// <summary>The header fields each convenience property sets: a create may not give both (RFC 8621 §4.6).</summary>
    private static readonly (string Property, string Header)[] ConvenienceHeaders =
    [
        ("from", "From"), ("to", "To"), ("cc", "Cc"), ("bcc", "Bcc"), ("replyTo", "Reply-To"), ("sender", "Sender"), ("subject", "Subject"),
        ("sentAt", "Date"), ("messageId", "Message-ID"), ("inReplyTo", "In-Reply-To"), ("references", "References"),
    ];

    private static void AddPartHeaders(MimeEntity entity, JsonObject part)
    {
        foreach (var (key, value) in part)
        {
            if (key.StartsWith("header:", StringComparison.Ordinal))
            {
                var name = key.Split(':')[1];
                if (name.Equals("Content-Type", StringComparison.OrdinalIgnoreCase) || name.Equals("Content-Disposition", StringComparison.OrdinalIgnoreCase))
                {
                    throw SetErrorException.InvalidProperties($"'{key}' would clash with the part's type or disposition.", key);
                }

                AddHeaders(entity.Headers, key, value);
            }
        }
    }

    /// <summary>
    /// Adds the header fields of a <c>header:Name[:asForm][:all]</c> property (RFC 8621 §4.1.2, §4.6); the
    /// Content-Transfer-Encoding field is the server's to choose and cannot be given.
    /// </summary>
    private static void AddHeaders(HeaderList headers, string key, JsonNode? value)
    {
        var parts = key.Split(':');
        var all = parts.Length > 2 && parts[^1] == "all";
        var form = parts.Length > 2 && parts[2] != "all" ? parts[2] : "asRaw";
        if (!EmailBody.IsHeaderProperty(key) || parts.Length > (all ? 4 : 3))
        {
            throw SetErrorException.InvalidProperties($"'{JmapApi.Shorten(key)}' is not a header property.", key);
        }

        var name = parts[1];
        if (name.Equals("Content-Transfer-Encoding", StringComparison.OrdinalIgnoreCase))
        {
            throw SetErrorException.InvalidProperties("The Content-Transfer-Encoding header field cannot be given: the server chooses it.", key);
        }

        if (value is null)
        {
            return;
        }

        var values = all ? value as JsonArray ?? throw SetErrorException.InvalidProperties($"'{key}' must be an array.", key) : new JsonArray(value.DeepClone());
        foreach (var item in values)
        {
            headers.Add(HeaderOf(name, form, item, key));
        }
    }

    private static Header HeaderOf(string name, string form, JsonNode? value, string key)
    {
        try
        {
            string raw;
            switch (form)
            {
                case "asText" when value is JsonValue v && v.TryGetValue<string>(out var text):
                    return new Header(System.Text.Encoding.UTF8, name, text);
                case "asAddresses" when value is JsonArray addresses:
                    raw = string.Join(", ", addresses.Select(a => Address(a, key)));
                    break;
                case "asGroupedAddresses" when value is JsonArray groups:
                    raw = string.Join(", ", groups.Select(g => g is JsonObject group && group["addresses"] is JsonArray members
                        ? group["name"] is JsonValue n && n.TryGetValue<string>(out var groupName)
                            ? new GroupAddress(groupName, members.Select(m => MailboxAddress.Parse(Address(m, key)))).ToString(true)
                            : string.Join(", ", members.Select(m => Address(m, key)))
                        : throw SetErrorException.InvalidProperties($"'{key}' must hold EmailAddressGroup objects.", key)));
                    break;
                case "asMessageIds" when value is JsonArray ids:
                    raw = string.Join(' ', ids.Select(i => "<" + i!.GetValue<string>() + ">"));
                    break;
                case "asDate" when value is JsonValue d && d.TryGetValue<string>(out var dateText)
                    && DateTimeOffset.TryParse(dateText, CultureInfo.InvariantCulture, DateTimeStyles.None, out var date):
                    raw = MimeKit.Utils.DateUtils.FormatDate(date);
                    break;
                case "asURLs" when value is JsonArray urls:
                    raw = string.Join(", ", urls.Select(u => "<" + u!.GetValue<string>() + ">"));
                    break;
                case "asRaw" when value is JsonValue r && r.TryGetValue<string>(out var rawText) && !rawText.Contains('\n'):
                    raw = rawText.Trim();
                    break;
                default:
                    throw SetErrorException.InvalidProperties($"'{JmapApi.Shorten(key)}' has a value of the wrong form.", key);
            }

            var header = new Header(name, string.Empty);
            header.SetRawValue(System.Text.Encoding.UTF8.GetBytes(" " + raw + "\r\n"));
            return header;
        }
        catch (Exception ex) when (ex is FormatException or ArgumentException or InvalidOperationException)
        {
            throw SetErrorException.InvalidProperties($"'{JmapApi.Shorten(key)}' has a value that is not valid.", key);
        }
    }

    private static string Address(JsonNode? node, string key)
    {
        if (node is not JsonObject address || address["email"] is not JsonValue e || !e.TryGetValue<string>(out var email) || !MailboxAddress.TryParse(email, out var parsed))
        {
            throw SetErrorException.InvalidProperties($"'{JmapApi.Shorten(key)}' holds an address that is not valid.", key);
        }

        parsed.Name = address["name"] is JsonValue n && n.TryGetValue<string>(out var name) ? name : null;
        return parsed.ToString(true);
    }
}
