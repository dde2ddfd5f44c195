using System.Text;
using System.Text.Json.Nodes;
using Mail.Host.Mail;
using MimeKit;
using MessagePart = Mail.Host.Mail.MessagePart;
using MimeKit.Utils;

namespace Mail.Host.Plugins.Jmap;

/// <summary>
/// The body and header properties of an Email (RFC 8621 §4.1.3, §4.1.4): EmailBodyPart objects from the stored MIME
/// structure, textBody/htmlBody/attachments by the RFC's algorithm, body values and <c>header:Name:asForm</c>.
/// </summary>
internal static class EmailBody
{
    public static readonly string[] DefaultBodyProperties = ["partId", "blobId", "size", "name", "type", "charset", "disposition", "cid", "language", "location"];

    public static readonly string[] BodyPropertyNames = ["partId", "blobId", "size", "headers", "name", "type", "charset", "disposition", "cid", "language", "location", "subParts"];

    public static string PartId(MessagePart part) => part.PartId.Length == 0 ? "0" : part.PartId;

    public static bool IsMultipart(MessagePart part) => part.MediaType == "multipart";

    public static string Type(MessagePart part) => part.MediaType + "/" + part.MediaSubtype;

    /// <summary>Estimates the decoded size from the encoded one (base64 is 3/4 without its line breaks; quoted-printable is taken as is).</summary>
    public static long DecodedSize(MessagePart part) => part.TransferEncoding == "base64" ? (part.BodySize - (part.BodySize / 78 * 2)) * 3 / 4 : part.BodySize;

    /// <summary>Parts up to this encoded size are decoded to give their exact size; larger ones are estimated.</summary>
    private const long ExactSizeLimit = 1024 * 1024;

    /// <summary>
    /// RFC 8621 §4.1.4 size: "the size, in octets, of the raw data after content transfer decoding", the length of the
    /// part's download: exact for a base64 or quoted-printable part up to <see cref="ExactSizeLimit"/>.
    /// </summary>
    public static async Task<long> DecodedSizeAsync(IMailAccount account, ulong emailId, MessagePart part, CancellationToken cancellationToken)
    {
        if (part.TransferEncoding is not ("base64" or "quoted-printable") || part.MediaType == "message" || part.BodySize > ExactSizeLimit)
        {
            return DecodedSize(part);
        }

        return (await JmapBlobs.DecodePartAsync(account, emailId, part, cancellationToken).ConfigureAwait(false))?.LongLength ?? DecodedSize(part);
    }

    public static async Task<JsonObject> PartAsync(IMailAccount account, ulong emailId, MessagePart part, IReadOnlyCollection<string> properties, bool recurse, CancellationToken cancellationToken)
    {
        var obj = new JsonObject();
        foreach (var property in properties)
        {
            switch (property)
            {
                case "partId":
                    obj[property] = IsMultipart(part) ? null : PartId(part);
                    break;
                case "blobId":
                    obj[property] = IsMultipart(part) ? null : JmapBlobs.PartBlobId(emailId, PartId(part));
                    break;
                case "size":
                    obj[property] = IsMultipart(part) ? 0 : await DecodedSizeAsync(account, emailId, part, cancellationToken).ConfigureAwait(false);
                    break;
                case "headers":
                    obj[property] = await PartHeadersAsync(account, emailId, part, cancellationToken).ConfigureAwait(false);
                    break;
                case "name":
                    obj[property] = part.FileName;
                    break;
                case "type":
                    obj[property] = Type(part);
                    break;
                case "charset":
                    obj[property] = part.Charset ?? (part.MediaType == "text" ? "us-ascii" : null);
                    break;
                case "disposition":
                    obj[property] = part.Disposition;
                    break;
                case "cid":
                    obj[property] = part.ContentId;
                    break;
                case "language":
                    obj[property] = part.ContentLanguage.Count == 0 ? null : Standard.Array(part.ContentLanguage);
                    break;
                case "location":
                    obj[property] = part.ContentLocation;
                    break;
                case "subParts":
                    if (recurse && IsMultipart(part))
                    {
                        var children = new JsonArray();
                        foreach (var child in part.Children)
                        {
                            children.Add(await PartAsync(account, emailId, child, properties, recurse, cancellationToken).ConfigureAwait(false));
                        }

                        obj[property] = children;
                    }
                    else
                    {
                        obj[property] = null;
                    }

                    break;
                default:
                    if (property.StartsWith("header:", StringComparison.Ordinal))
                    {
                        var raw = await account.ReadMessageAsync(emailId, part.HeaderOffset, (int)(part.BodyOffset - part.HeaderOffset), cancellationToken).ConfigureAwait(false);
                        obj[property] = HeaderProperty(Headers(raw ?? []), property);
                    }

                    break;
            }
        }

        return obj;
    }

    private static async Task<JsonArray> PartHeadersAsync(IMailAccount account, ulong emailId, MessagePart part, CancellationToken cancellationToken)
    {
        var raw = await account.ReadMessageAsync(emailId, part.HeaderOffset, (int)(part.BodyOffset - part.HeaderOffset), cancellationToken).ConfigureAwait(false);
        var list = new JsonArray();
        foreach (var header in Headers(raw ?? []))
        {
            list.Add(new JsonObject { ["name"] = header.Field, ["value"] = RawValue(header) });
        }

        return list;
    }

    public static HeaderList Headers(byte[] raw)
    {
        try
        {
            using var stream = new MemoryStream(raw);
            return HeaderList.Load(stream);
        }
        catch (FormatException)
        {
            return [];
        }
    }

    public static string RawValue(Header header)
    {
        var text = Encoding.UTF8.GetString(header.RawValue);
        return text.EndsWith("\r\n", StringComparison.Ordinal) ? text[..^2] : text.TrimEnd('\n');
    }

    /// <summary>Tells whether a property name is a valid <c>header:Name[:asForm][:all]</c>.</summary>
    public static bool IsHeaderProperty(string property)
    {
        if (!property.StartsWith("header:", StringComparison.Ordinal))
        {
            return false;
        }

        var parts = property.Split(':');
        if (parts.Length is < 2 or > 4 || parts[1].Length == 0 || parts[1].Any(c => c <= ' ' || c > '~' || c == ':'))
        {
            return false;
        }

        var rest = parts.Skip(2).ToList();
        if (rest.Count > 0 && rest[^1] == "all")
        {
            rest.RemoveAt(rest.Count - 1);
        }

        return rest.Count == 0 || (rest.Count == 1 && FormAllowed(parts[1], rest[0]));
    }

    private static readonly HashSet<string> TextHeaders = new(["Subject", "Comments", "Keywords", "List-Id"], StringComparer.OrdinalIgnoreCase);

    private static readonly HashSet<string> AddressHeaders = new(
        ["From", "Sender", "Reply-To", "To", "Cc", "Bcc", "Resent-From", "Resent-Sender", "Resent-Reply-To", "Resent-To", "Resent-Cc", "Resent-Bcc"], StringComparer.OrdinalIgnoreCase);

    private static readonly HashSet<string> MessageIdHeaders = new(["Message-ID", "In-Reply-To", "References", "Resent-Message-ID"], StringComparer.OrdinalIgnoreCase);

    private static readonly HashSet<string> DateHeaders = new(["Date", "Resent-Date"], StringComparer.OrdinalIgnoreCase);

    private static readonly HashSet<string> UrlHeaders = new(["List-Help", "List-Unsubscribe", "List-Subscribe", "List-Post", "List-Owner", "List-Archive"], StringComparer.OrdinalIgnoreCase);

    /// <summary>The header fields RFC 5322 and RFC 2369 define (and List-Id): each allows only the forms RFC 8621 §4.1.2 lists for it.</summary>
    private static readonly HashSet<string> KnownHeaders = new(
        [.. TextHeaders, .. AddressHeaders, .. MessageIdHeaders, .. DateHeaders, .. UrlHeaders, "Return-Path", "Received"], StringComparer.OrdinalIgnoreCase);

    /// <summary>
    /// Whether a parsed form may be asked of a header field (RFC 8621 §4.1.2): asRaw always; the others for the fields
    /// the RFC names and for any field RFC 5322 and RFC 2369 do not define.
    /// </summary>
    public static bool FormAllowed(string name, string form)
    {
        var unknown = !KnownHeaders.Contains(name);
        return form switch
        {
            "asRaw" => true,
            "asText" => unknown || TextHeaders.Contains(name),
            "asAddresses" or "asGroupedAddresses" => unknown || AddressHeaders.Contains(name),
            "asMessageIds" => unknown || MessageIdHeaders.Contains(name),
            "asDate" => unknown || DateHeaders.Contains(name),
            "asURLs" => unknown || UrlHeaders.Contains(name),
            _ => false,
        };
    }

    public static JsonNode? HeaderProperty(HeaderList headers, string property)
    {
        var parts = property.Split(':');
        var name = parts[1];
        var all = parts[^1] == "all";
        var form = parts.Length > 2 && parts[2] != "all" ? parts[2] : "asRaw";
        var matching = headers.Where(h => h.Field.Equals(name, StringComparison.OrdinalIgnoreCase)).ToList();
        if (all)
        {
            return new JsonArray([.. matching.Select(h => Form(h, form))]);
        }

        return matching.Count == 0 ? null : Form(matching[^1], form);
    }

    private static JsonNode? Form(Header header, string form)
    {
        var raw = RawValue(header);
        switch (form)
        {
            case "asText":
                return header.Value.Trim();
            case "asAddresses":
                return InternetAddressList.TryParse(raw, out var list) ? Addresses(list.Mailboxes) : new JsonArray();
            case "asGroupedAddresses":
                if (!InternetAddressList.TryParse(raw, out var grouped))
                {
                    return new JsonArray();
                }

                var groups = new JsonArray();
                var loose = new List<MailboxAddress>();
                foreach (var address in grouped)
                {
                    if (address is GroupAddress group)
                    {
                        groups.Add(new JsonObject { ["name"] = group.Name, ["addresses"] = Addresses(group.Members.Mailboxes) });
                    }
                    else if (address is MailboxAddress mailbox)
                    {
                        loose.Add(mailbox);
                    }
                }

                if (loose.Count > 0)
                {
                    groups.Insert(0, new JsonObject { ["name"] = null, ["addresses"] = Addresses(loose) });
                }

                return groups;
            case "asMessageIds":
                var ids = MimeUtils.EnumerateReferences(raw).ToList();
                return ids.Count == 0 ? null : Standard.Array(ids);
            case "asDate":
                return DateUtils.TryParse(raw, out var date) ? date.ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", System.Globalization.CultureInfo.InvariantCulture) : null;
            case "asURLs":
                var urls = raw.Split(',').Select(s => s.Trim()).Where(s => s.StartsWith('<') && s.EndsWith('>')).Select(s => s[1..^1]).ToList();
                return urls.Count == 0 ? null : Standard.Array(urls);
            default:
                return raw;
        }
    }

    private static JsonArray Addresses(IEnumerable<MailboxAddress> mailboxes)
        => new([.. mailboxes.Select(m => (JsonNode)new JsonObject { ["name"] = string.IsNullOrEmpty(m.Name) ? null : m.Name, ["email"] = m.Address })]);

    public static JsonNode? Addresses(IReadOnlyList<EmailAddress> addresses)
        => addresses.Count == 0 ? null : new JsonArray([.. addresses.Select(a => (JsonNode)new JsonObject { ["name"] = a.Name, ["email"] = a.Address })]);

    /// <summary>textBody, htmlBody and attachments by RFC 8621 §4.1.4.</summary>
    public static (List<MessagePart> Text, List<MessagePart> Html, List<MessagePart> Attachments) Lists(MessagePart root)
    {
        List<MessagePart> text = [], html = [], attachments = [];
        // As RFC 8621 §4.1.4's algorithm starts: the root as the one part of a multipart/mixed, so a multipart/alternative root is "in alternative".
        Parse([root], "mixed", false, html, text, attachments);
        return (text, html, attachments);
    }

    private static bool IsInlineMediaType(MessagePart part) => part.MediaType is "image" or "audio" or "video";

    private static void Parse(IReadOnlyList<MessagePart> parts, string multipartType, bool inAlternative, List<MessagePart>? htmlBody, List<MessagePart>? textBody, List<MessagePart> attachments)
    {
        var textLength = textBody?.Count ?? -1;
        var htmlLength = htmlBody?.Count ?? -1;
        for (var i = 0; i < parts.Count; i++)
        {
            var part = parts[i];
            var type = Type(part);
            var isInline = part.Disposition != "attachment"
                && (type is "text/plain" or "text/html" || IsInlineMediaType(part))
                && (i == 0 || (multipartType != "related" && (IsInlineMediaType(part) || part.FileName is null)));
            if (IsMultipart(part))
            {
                Parse(part.Children, part.MediaSubtype, inAlternative || part.MediaSubtype == "alternative", htmlBody, textBody, attachments);
            }
            else if (isInline)
            {
                if (multipartType == "alternative")
                {
                    switch (type)
                    {
                        case "text/plain":
                            textBody?.Add(part);
                            break;
                        case "text/html":
                            htmlBody?.Add(part);
                            break;
                        default:
                            attachments.Add(part);
                            break;
                    }

                    continue;
                }

                if (inAlternative)
                {
                    if (type == "text/plain")
                    {
                        htmlBody = null;
                    }

                    if (type == "text/html")
                    {
                        textBody = null;
                    }
                }

                textBody?.Add(part);
                htmlBody?.Add(part);
                if ((textBody is null || htmlBody is null) && IsInlineMediaType(part))
                {
                    attachments.Add(part);
                }
            }
            else
            {
                attachments.Add(part);
            }
        }

        if (multipartType == "alternative" && textBody is not null && htmlBody is not null)
        {
            if (textLength == textBody.Count && htmlLength != htmlBody.Count)
            {
                for (var i = htmlLength; i < htmlBody.Count; i++)
                {
                    textBody.Add(htmlBody[i]);
                }
            }

            if (htmlLength == htmlBody.Count && textLength != textBody.Count)
            {
                for (var i = textLength; i < textBody.Count; i++)
                {
                    htmlBody.Add(textBody[i]);
                }
            }
        }
    }

    /// <summary>
    /// RFC 8621 §4.1.4 isEncodingProblem: an unknown transfer encoding or charset, base64 with characters outside its
    /// alphabet, or bytes that are not valid in the part's UTF-8 charset.
    /// </summary>
    private static bool HasEncodingProblem(TextPart part)
    {
        if (part.Headers[HeaderId.ContentTransferEncoding] is { } cte
            && cte.Trim().ToLowerInvariant() is not ("7bit" or "8bit" or "binary" or "base64" or "quoted-printable" or "x-uuencode" or "uuencode" or "x-uue"))
        {
            return true;
        }

        var charset = part.ContentType.Charset;
        if (charset is not null)
        {
            try
            {
                _ = part.GetText(charset);
            }
            catch (Exception ex) when (ex is NotSupportedException or ArgumentException)
            {
                return true;
            }
        }

        if (part.Content is null)
        {
            return false;
        }

        if (part.ContentTransferEncoding == ContentEncoding.Base64 && part.Content.Stream is { CanSeek: true } content)
        {
            using var encoded = new MemoryStream();
            content.Position = 0;
            content.CopyTo(encoded);
            foreach (var b in encoded.GetBuffer().AsSpan(0, (int)encoded.Length))
            {
                if (!(b is (byte)'+' or (byte)'/' or (byte)'=' or (byte)'\r' or (byte)'\n' or (byte)' ' or (byte)'\t' || char.IsAsciiLetterOrDigit((char)b)))
                {
                    return true;
                }
            }
        }

        if (charset is null || charset.Equals("utf-8", StringComparison.OrdinalIgnoreCase) || charset.Equals("utf8", StringComparison.OrdinalIgnoreCase))
        {
            using var decoded = new MemoryStream();
            part.Content.DecodeTo(decoded);
            try
            {
                _ = new UTF8Encoding(false, true).GetString(decoded.GetBuffer(), 0, (int)decoded.Length);
            }
            catch (DecoderFallbackException)
            {
                return charset is not null;
            }
        }

        return false;
    }

    /// <summary>The decoded text of a text part, cut to <paramref name="maxBytes"/> UTF-8 bytes (0: no cut).</summary>
    public static async Task<JsonObject> BodyValueAsync(IMailAccount account, ulong emailId, MessagePart part, int maxBytes, CancellationToken cancellationToken)
    {
        var raw = await account.ReadMessageAsync(emailId, part.HeaderOffset, checked((int)(part.EndOffset - part.HeaderOffset)), cancellationToken).ConfigureAwait(false) ?? [];
        string text;
        var problem = false;
        try
        {
            using var stream = new MemoryStream(raw);
            var entity = await MimeEntity.LoadAsync(stream, cancellationToken).ConfigureAwait(false);
            text = entity is TextPart textPart ? textPart.Text : string.Empty;
            problem = entity is TextPart checkedPart && HasEncodingProblem(checkedPart);
        }
        catch (FormatException)
        {
            text = string.Empty;
            problem = true;
        }

        var truncated = false;
        if (maxBytes > 0 && Encoding.UTF8.GetByteCount(text) > maxBytes)
        {
            var bytes = Encoding.UTF8.GetBytes(text);
            var cut = maxBytes;
            while (cut > 0 && (bytes[cut] & 0xC0) == 0x80)
            {
                cut--;
            }

            text = Encoding.UTF8.GetString(bytes, 0, cut);
            truncated = true;
        }

        return new JsonObject { ["value"] = text, ["isEncodingProblem"] = problem, ["isTruncated"] = truncated };
    }
}
