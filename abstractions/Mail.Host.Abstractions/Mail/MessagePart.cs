namespace Mail.Host.Mail;

/// <summary>
/// One MIME entity of a stored message with the byte offsets of its header and body inside the raw message, so that
/// a section (IMAP <c>BODY[1.2]&lt;0.100&gt;</c>, JMAP <c>bodyValues</c>, a blob of one attachment) is read as a byte
/// range without loading or re-parsing the whole message. The header is bytes
/// [<see cref="HeaderOffset"/>, <see cref="BodyOffset"/>) and includes the blank line that ends it; the body is
/// bytes [<see cref="BodyOffset"/>, <see cref="EndOffset"/>) and, inside a multipart, excludes the line break that
/// belongs to the next boundary (RFC 2046 §5.1.1).
/// </summary>
public sealed record MessagePart
{
    /// <summary>
    /// The IMAP section number: empty for the message itself; <c>1</c>, <c>2</c>… for the children of a multipart;
    /// <c>1.2</c> for the second child of the first. The message inside a <c>message/rfc822</c> part has the part's
    /// own number, so its children continue it. IMAP's <c>BODY[1]</c> of a message that is not multipart is the
    /// body of the root part.
    /// </summary>
    public required string PartId { get; init; }

    /// <summary>The media type, lower case, e.g. <c>text</c> or <c>multipart</c>.</summary>
    public required string MediaType { get; init; }

    /// <summary>The media subtype, lower case, e.g. <c>plain</c> or <c>mixed</c>.</summary>
    public required string MediaSubtype { get; init; }

    /// <summary>The Content-Type parameters (names lower case, values decoded), in header order.</summary>
    public IReadOnlyList<KeyValuePair<string, string>> Parameters { get; init; } = [];

    /// <summary>The charset parameter, or <see langword="null"/>.</summary>
    public string? Charset { get; init; }

    /// <summary>The Content-Disposition value, lower case (<c>inline</c>, <c>attachment</c>), or <see langword="null"/>.</summary>
    public string? Disposition { get; init; }

    /// <summary>The Content-Disposition parameters (names lower case, values decoded), in header order.</summary>
    public IReadOnlyList<KeyValuePair<string, string>> DispositionParameters { get; init; } = [];

    /// <summary>The file name from Content-Disposition or, failing that, the Content-Type <c>name</c>; or <see langword="null"/>.</summary>
    public string? FileName { get; init; }

    /// <summary>The Content-Id, without angle brackets, or <see langword="null"/>.</summary>
    public string? ContentId { get; init; }

    /// <summary>The Content-Description, or <see langword="null"/>.</summary>
    public string? ContentDescription { get; init; }

    /// <summary>The Content-Language tags.</summary>
    public IReadOnlyList<string> ContentLanguage { get; init; } = [];

    /// <summary>The Content-Location, or <see langword="null"/>.</summary>
    public string? ContentLocation { get; init; }

    /// <summary>The Content-Transfer-Encoding, lower case, or <see langword="null"/> when absent (7bit by default).</summary>
    public string? TransferEncoding { get; init; }

    /// <summary>Where the part's header starts in the raw message.</summary>
    public long HeaderOffset { get; init; }

    /// <summary>Where the part's body starts: just after the blank line ending the header.</summary>
    public long BodyOffset { get; init; }

    /// <summary>Where the part's body ends (exclusive).</summary>
    public long EndOffset { get; init; }

    /// <summary>The body's size in bytes, still transfer-encoded.</summary>
    public long BodySize => EndOffset - BodyOffset;

    /// <summary>The number of lines of the body (IMAP BODYSTRUCTURE lines for <c>text/*</c> and <c>message/rfc822</c>).</summary>
    public long Lines { get; init; }

    /// <summary>
    /// The children: the parts of a multipart, or the single root part of the message inside a
    /// <c>message/rfc822</c>; empty for any other part.
    /// </summary>
    public IReadOnlyList<MessagePart> Children { get; init; } = [];

    /// <summary>The envelope of the message inside a <c>message/rfc822</c> part; <see langword="null"/> for any other part.</summary>
    public MessageEnvelope? Envelope { get; init; }
}
