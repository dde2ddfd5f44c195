using System.Net;
using System.Text;
using System.Text.RegularExpressions;
using Mail.Host.Mail;
using MimeKit;
using MimeKit.Text;
using MimeKit.Utils;
using MailPart = Mail.Host.Mail.MessagePart;
using MimeMessagePart = MimeKit.MessagePart;

namespace Mail.Host.Engine.Mail;

/// <summary>
/// Parses a raw message once with MimeKit into <see cref="MessageMetadata"/>: the envelope, a preview, and the body
/// structure with the byte offsets the parser reports for every entity. Parsing is lenient and never throws for a
/// malformed message: when MimeKit itself gives up, the message is described as one text/plain part.
/// </summary>
internal static partial class MessageParser
{
    public const int PreviewLength = 256;

    private const int PreviewBytes = 16 * 1024;

    /// <summary>Tags that sit inside a word as easily as between words (<c>&lt;b&gt;R&lt;/b&gt;ésumé</c>).</summary>
    private static readonly HashSet<HtmlTagId> InlineTags =
    [
        HtmlTagId.A, HtmlTagId.Abbr, HtmlTagId.B, HtmlTagId.Big, HtmlTagId.Code, HtmlTagId.EM, HtmlTagId.Font,
        HtmlTagId.I, HtmlTagId.Mark, HtmlTagId.S, HtmlTagId.Small, HtmlTagId.Span, HtmlTagId.Strike,
        HtmlTagId.Strong, HtmlTagId.Sub, HtmlTagId.Sup, HtmlTagId.U,
    ];

    private static readonly ParserOptions Options = new()
    {
        // Mail is stored byte for byte whatever it holds; the parser only describes it.
        AllowAddressesWithoutDomain = true,
        ParameterComplianceMode = RfcComplianceMode.Loose,
        AddressParserComplianceMode = RfcComplianceMode.Loose,
        Rfc2047ComplianceMode = RfcComplianceMode.Loose,
    };

    /// <summary>The most characters of body text indexed per message: whole books fit, a 50 MB text dump does not.</summary>
    public const int MaxIndexedText = 512 * 1024;

    /// <summary>The most bytes of one HTML part read for indexing; markup takes room the text does not.</summary>
    private const int MaxHtmlBytes = 4 * MaxIndexedText;

    public static async ValueTask<MessageMetadata> ParseAsync(Stream content, long size, CancellationToken cancellationToken)
        => (await ParseAsync(content, size, extractText: false, cancellationToken).ConfigureAwait(false)).Metadata;

    /// <summary>
    /// Parses a message; with <paramref name="extractText"/>, also gathers the text of its bodies for the full-text
    /// index in the same pass, so indexing never parses the message again.
    /// </summary>
    public static async ValueTask<ParsedMessage> ParseAsync(Stream content, long size, bool extractText, CancellationToken cancellationToken)
    {
        try
        {
            content.Position = 0;
            var offsets = new Dictionary<MimeEntity, (long Begin, long HeadersEnd, long End, int Lines)>(ReferenceEqualityComparer.Instance);
            var parser = new MimeParser(Options, content, MimeFormat.Entity, persistent: true);
            parser.MimeEntityEnd += (_, e) => offsets[e.Entity] = (e.BeginOffset, e.HeadersEndOffset, e.EndOffset, e.Lines);
            using var message = await parser.ParseMessageAsync(cancellationToken).ConfigureAwait(false);
            var metadata = Describe(message, offsets, size);
            return new ParsedMessage(metadata, extractText ? BodyText(message) : null);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw;
        }
#pragma warning disable CA1031 // A message MimeKit cannot describe is still stored; it is described as plain text.
        catch (Exception)
#pragma warning restore CA1031
        {
            return new ParsedMessage(Fallback(size), extractText ? string.Empty : null);
        }
    }

    /// <summary>
    /// The text a message's body shows, for the full-text index: every text/plain and text/html part that is not an
    /// attachment (HTML turned into text), including those of attached messages; of a multipart/alternative, only the
    /// plain version when there is one. Capped at <see cref="MaxIndexedText"/> characters.
    /// </summary>
    public static string BodyText(MimeMessage message)
    {
        var builder = new StringBuilder();
        var stack = new Stack<MimeEntity>();
        if (message.Body is not null)
        {
            stack.Push(message.Body);
        }

        while (stack.Count > 0 && builder.Length < MaxIndexedText)
        {
            switch (stack.Pop())
            {
                case Multipart alternative when alternative.ContentType.IsMimeType("multipart", "alternative"):
                    // The alternatives say the same thing; indexing one keeps word counts and phrases honest.
                    var chosen = alternative.FirstOrDefault(e => e is TextPart { IsPlain: true, IsAttachment: false })
                        ?? alternative.FirstOrDefault(e => e is TextPart { IsHtml: true, IsAttachment: false })
                        ?? alternative.LastOrDefault();
                    if (chosen is not null)
                    {
                        stack.Push(chosen);
                    }

                    break;
                case Multipart multipart:
                    for (var i = multipart.Count - 1; i >= 0; i--)
                    {
                        stack.Push(multipart[i]);
                    }

                    break;
                case MimeMessagePart { Message.Body: { } inner }:
                    stack.Push(inner);
                    break;
                case TextPart { IsAttachment: false } text when text.IsPlain || text.IsHtml:
                    AppendText(builder, text);
                    break;
            }
        }

        if (builder.Length > MaxIndexedText)
        {
            builder.Length = MaxIndexedText;
        }

        // A surrogate pair cut in half would not encode.
        if (builder.Length > 0 && char.IsHighSurrogate(builder[^1]))
        {
            builder.Length--;
        }

        return builder.ToString();
    }

    /// <summary>
    /// The text an HTML body shows: character data with entities decoded, without scripts and styles. Tags other
    /// than inline ones separate words, so table cells and paragraphs do not run together.
    /// </summary>
    public static string HtmlToText(string html)
    {
        var builder = new StringBuilder(html.Length / 2);
        using var reader = new StringReader(html);
        var tokenizer = new HtmlTokenizer(reader);
        var hidden = 0;
        while (tokenizer.ReadNextToken(out var token))
        {
            switch (token)
            {
                case HtmlTagToken tag:
                    if (tag.Id is HtmlTagId.Script or HtmlTagId.Style)
                    {
                        hidden = tag.IsEndTag ? Math.Max(0, hidden - 1) : tag.IsEmptyElement ? hidden : hidden + 1;
                    }

                    if (!InlineTags.Contains(tag.Id))
                    {
                        builder.Append(' ');
                    }

                    break;
                case HtmlDataToken data when hidden == 0 && token.Kind == HtmlTokenKind.Data:
                    builder.Append(data.Data);
                    break;
            }
        }

        return builder.ToString();
    }

    private static void AppendText(StringBuilder builder, TextPart part)
    {
        try
        {
            var room = MaxIndexedText - builder.Length;
            var text = Decode(part, part.IsHtml ? MaxHtmlBytes : room * 4);
            if (part.IsHtml)
            {
                text = HtmlToText(text);
            }

            if (builder.Length > 0)
            {
                builder.Append('\n');
            }

            builder.Append(text, 0, Math.Min(text.Length, room));
        }
#pragma warning disable CA1031 // A body that cannot be decoded is left out of the index; the message is still stored.
        catch (Exception)
#pragma warning restore CA1031
        {
        }
    }

    /// <summary>The description of a message that could not be parsed at all: one text/plain body after whatever header.</summary>
    public static MessageMetadata Fallback(long size) => new()
    {
        Size = size,
        Envelope = new MessageEnvelope(),
        Body = new MailPart
        {
            PartId = string.Empty,
            MediaType = "text",
            MediaSubtype = "plain",
            HeaderOffset = 0,
            BodyOffset = 0,
            EndOffset = size,
        },
    };

    /// <summary>Reads a message's header block (as stored, from its first byte) into names and decoded values.</summary>
    public static List<(string Name, string Value)> ParseHeaders(byte[] block)
    {
        var result = new List<(string Name, string Value)>();
        try
        {
            using var stream = new MemoryStream(block, writable: false);
            foreach (var header in HeaderList.Load(Options, stream))
            {
                result.Add((header.Field, header.Value ?? string.Empty));
            }
        }
#pragma warning disable CA1031 // Headers MimeKit cannot read match no header condition.
        catch (Exception)
#pragma warning restore CA1031
        {
        }

        return result;
    }

    /// <summary>The subject with reply and forward prefixes and list tags removed, case-folded: what threading compares.</summary>
    public static string NormalizeSubject(string? subject)
    {
        if (string.IsNullOrWhiteSpace(subject))
        {
            return string.Empty;
        }

        // "Re: Fwd: [list] Re: topic" loses one prefix per round until none is left.
        var text = CollapseWhitespace(subject, int.MaxValue);
        while (true)
        {
            var stripped = SubjectPrefix().Replace(text, string.Empty, 1).Trim();
            if (stripped.Length == text.Length)
            {
                break;
            }

            text = stripped;
        }

        return text.ToLowerInvariant();
    }

    private static MessageMetadata Describe(MimeMessage message, Dictionary<MimeEntity, (long Begin, long HeadersEnd, long End, int Lines)> offsets, long size)
    {
        var nodes = new List<Node>();
        var hasAttachment = false;
        MimePart? firstText = null;
        MimePart? firstHtml = null;

        // Pre-order walk with an explicit stack, so that depth costs heap, not stack.
        var stack = new Stack<(MimeEntity Entity, int Parent, string PartId)>();
        if (message.Body is not null)
        {
            stack.Push((message.Body, -1, string.Empty));
        }

        while (stack.Count > 0)
        {
            var (entity, parent, partId) = stack.Pop();
            var index = nodes.Count;
            var node = new Node(entity, parent, partId);
            nodes.Add(node);
            if (parent >= 0)
            {
                nodes[parent].Children.Add(index);
            }

            switch (entity)
            {
                case Multipart multipart:
                    var prefix = partId.Length == 0 ? string.Empty : partId + ".";
                    for (var i = multipart.Count - 1; i >= 0; i--)
                    {
                        stack.Push((multipart[i], index, prefix + (i + 1).ToString(System.Globalization.CultureInfo.InvariantCulture)));
                    }

                    break;
                case MimeMessagePart { Message: { Body: { } inner } embedded } attached:
                    // An attached message (not marked inline) is something to download (RFC 8621 §4.1.4 hasAttachment).
                    if (!string.Equals(attached.ContentDisposition?.Disposition, ContentDisposition.Inline, StringComparison.OrdinalIgnoreCase))
                    {
                        hasAttachment = true;
                    }

                    node.Envelope = Envelope(embedded);
                    stack.Push((inner, index, partId.Length == 0 ? "1" : partId));
                    break;
                case MimePart part:
                    if (part.IsAttachment || (part is not TextPart && part.FileName is not null))
                    {
                        hasAttachment = true;
                    }
                    else if (part is TextPart text && node.InTopMessage(nodes))
                    {
                        if (text.IsPlain)
                        {
                            firstText ??= part;
                        }
                        else if (text.IsHtml)
                        {
                            firstHtml ??= part;
                        }
                    }

                    break;
            }
        }

        if (nodes.Count == 0)
        {
            return Fallback(size) with { Envelope = Envelope(message) };
        }

        // Parts come after their parent, so building from the end finds every child complete.
        var built = new MailPart[nodes.Count];
        for (var i = nodes.Count - 1; i >= 0; i--)
        {
            var node = nodes[i];
            var children = node.Children.Count == 0 ? [] : node.Children.Select(c => built[c]).ToArray();
            built[i] = Part(node, children, offsets, size);
        }

        return new MessageMetadata
        {
            Size = size,
            Envelope = Envelope(message),
            Preview = Preview(firstText, firstHtml),
            HasAttachment = hasAttachment,
            Body = built[0],
        };
    }

    private static MailPart Part(Node node, MailPart[] children, Dictionary<MimeEntity, (long Begin, long HeadersEnd, long End, int Lines)> offsets, long size)
    {
        var entity = node.Entity;
        var (begin, headersEnd, end, lines) = offsets.TryGetValue(entity, out var found) ? found : (0L, 0L, size, 0);
        var type = entity.ContentType;
        var disposition = entity.ContentDisposition;
        return new MailPart
        {
            PartId = node.PartId,
            MediaType = (type.MediaType ?? "application").ToLowerInvariant(),
            MediaSubtype = (type.MediaSubtype ?? "octet-stream").ToLowerInvariant(),
            Parameters = type.Parameters.Select(p => new KeyValuePair<string, string>(p.Name.ToLowerInvariant(), p.Value ?? string.Empty)).ToArray(),
            Charset = type.Charset,
            Disposition = disposition?.Disposition?.ToLowerInvariant(),
            DispositionParameters = disposition is null ? [] : disposition.Parameters.Select(p => new KeyValuePair<string, string>(p.Name.ToLowerInvariant(), p.Value ?? string.Empty)).ToArray(),
            FileName = disposition?.FileName ?? type.Name,
            ContentId = entity.ContentId,
            ContentDescription = Header(entity, HeaderId.ContentDescription),
            ContentLanguage = Header(entity, HeaderId.ContentLanguage) is { } languages
                ? languages.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
                : [],
            ContentLocation = Header(entity, HeaderId.ContentLocation),
            TransferEncoding = Header(entity, HeaderId.ContentTransferEncoding)?.ToLowerInvariant(),
            HeaderOffset = begin,
            BodyOffset = headersEnd,
            EndOffset = Math.Max(headersEnd, end),
            Lines = lines,
            Children = children,
            Envelope = node.Envelope,
        };
    }

    private static string? Header(MimeEntity entity, HeaderId id)
        => entity.Headers[id] is { } value ? value.Trim() : null;

    private static MessageEnvelope Envelope(MimeMessage message)
    {
        DateTimeOffset? date = message.Headers.Contains(HeaderId.Date) && message.Date != DateTimeOffset.MinValue ? message.Date : null;
        var groups = new List<EmailAddressGroup>();
        return new MessageEnvelope
        {
            Date = date,
            Subject = message.Subject,
            From = Addresses(message.From, "from", groups),
            Sender = message.Sender is { } sender ? [Address(sender)] : [],
            ReplyTo = Addresses(message.ReplyTo, "reply-to", groups),
            To = Addresses(message.To, "to", groups),
            Cc = Addresses(message.Cc, "cc", groups),
            Bcc = Addresses(message.Bcc, "bcc", groups),
            Groups = groups.Count == 0 ? [] : [.. groups],
            MessageId = string.IsNullOrEmpty(message.MessageId) ? null : message.MessageId,
            InReplyTo = message.Headers[HeaderId.InReplyTo] is { } inReplyTo ? [.. MimeUtils.EnumerateReferences(inReplyTo)] : [],
            References = [.. message.References],
        };
    }

    /// <summary>The field's addresses with group members flattened, and its groups added to <paramref name="groups"/>.</summary>
    private static EmailAddress[] Addresses(InternetAddressList list, string field, List<EmailAddressGroup> groups)
    {
        if (list.Count == 0)
        {
            return [];
        }

        var addresses = new List<EmailAddress>();
        foreach (var entry in list)
        {
            if (entry is GroupAddress group)
            {
                var members = group.Members.Mailboxes.Select(Address).ToList();
                groups.Add(new EmailAddressGroup(field, group.Name ?? string.Empty, addresses.Count, members.Count));
                addresses.AddRange(members);
            }
            else if (entry is MailboxAddress mailbox)
            {
                addresses.Add(Address(mailbox));
            }
        }

        return [.. addresses];
    }

    private static EmailAddress Address(MailboxAddress mailbox)
        => new(string.IsNullOrEmpty(mailbox.Name) ? null : mailbox.Name, mailbox.Address ?? string.Empty)
        {
            Route = mailbox.Route.Count == 0 ? null : "@" + string.Join(",@", mailbox.Route),
        };

    private static string Preview(MimePart? text, MimePart? html)
    {
        try
        {
            if (text is not null)
            {
                return CollapseWhitespace(ReadStart(text), PreviewLength);
            }

            if (html is not null)
            {
                var markup = ReadStart(html);
                var stripped = Tags().Replace(Invisible().Replace(markup, " "), " ");
                return CollapseWhitespace(WebUtility.HtmlDecode(stripped), PreviewLength);
            }
        }
#pragma warning disable CA1031 // A body that cannot be decoded has no preview; the message is still stored.
        catch (Exception)
#pragma warning restore CA1031
        {
        }

        return string.Empty;
    }

    /// <summary>Decodes only the start of a body: a preview needs a few hundred characters, not a 50 MB line.</summary>
    private static string ReadStart(MimePart part) => Decode(part, PreviewBytes);

    /// <summary>Decodes at most <paramref name="maxBytes"/> bytes of a body (after transfer decoding) into text.</summary>
    private static string Decode(MimePart part, int maxBytes)
    {
        if (part.Content is null || maxBytes <= 0)
        {
            return string.Empty;
        }

        using var decoded = part.Content.Open();

        // The encoded length bounds the decoded one, so a short body does not get a buffer of the full cap.
        var encoded = part.Content.Stream is { CanSeek: true } raw ? raw.Length : maxBytes;
        var buffer = new byte[(int)Math.Clamp(encoded + 16, 0, maxBytes)];
        var total = 0;
        int read;
        while (total < buffer.Length && (read = decoded.Read(buffer, total, buffer.Length - total)) > 0)
        {
            total += read;
        }

        Encoding encoding;
        try
        {
            encoding = part.ContentType.CharsetEncoding ?? Encoding.UTF8;
        }
        catch (NotSupportedException)
        {
            encoding = Encoding.UTF8;
        }

        return encoding.GetString(buffer, 0, total);
    }

    private static string CollapseWhitespace(string text, int maxLength)
    {
        var builder = new StringBuilder(Math.Min(text.Length, maxLength));
        var pendingSpace = false;
        foreach (var c in text)
        {
            if (char.IsWhiteSpace(c) || char.IsControl(c))
            {
                pendingSpace = builder.Length > 0;
                continue;
            }

            if (pendingSpace)
            {
                if (builder.Length + 1 >= maxLength)
                {
                    break;
                }

                builder.Append(' ');
                pendingSpace = false;
            }

            if (builder.Length >= maxLength)
            {
                break;
            }

            builder.Append(c);
        }

        // A surrogate pair cut in half would not encode.
        if (builder.Length > 0 && char.IsHighSurrogate(builder[^1]))
        {
            builder.Length--;
        }

        return builder.ToString();
    }

    [GeneratedRegex(@"^((re|fwd?|aw|wg|sv|vs|antw|tr)(\[\d+\])?\s*:|\[[^\]]*\])\s*", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex SubjectPrefix();

    [GeneratedRegex("<[^>]*>", RegexOptions.CultureInvariant)]
    private static partial Regex Tags();

    [GeneratedRegex(@"<(script|style|head)\b[^>]*>.*?(</\1\s*>|$)", RegexOptions.IgnoreCase | RegexOptions.Singleline | RegexOptions.CultureInvariant)]
    private static partial Regex Invisible();

    private sealed class Node(MimeEntity entity, int parent, string partId)
    {
        public MimeEntity Entity { get; } = entity;

        public int Parent { get; } = parent;

        public string PartId { get; } = partId;

        public List<int> Children { get; } = [];

        public MessageEnvelope? Envelope { get; set; }

        /// <summary>Whether the part belongs to the message itself rather than to a message attached to it.</summary>
        public bool InTopMessage(List<Node> nodes)
        {
            for (var at = Parent; at >= 0; at = nodes[at].Parent)
            {
                if (nodes[at].Envelope is not null)
                {
                    return false;
                }
            }

            return true;
        }
    }
}
