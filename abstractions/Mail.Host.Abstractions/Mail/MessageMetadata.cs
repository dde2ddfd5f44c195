namespace Mail.Host.Mail;

/// <summary>
/// What the engine learned by parsing a message once when it was stored: reading it never parses the message again.
/// </summary>
public sealed record MessageMetadata
{
    /// <summary>The raw message's size in bytes.</summary>
    public required long Size { get; init; }

    /// <summary>The top-level header fields.</summary>
    public required MessageEnvelope Envelope { get; init; }

    /// <summary>Up to 256 characters of the first text body with whitespace collapsed (JMAP <c>preview</c>).</summary>
    public string Preview { get; init; } = string.Empty;

    /// <summary>Whether some part is an attachment (JMAP <c>hasAttachment</c>).</summary>
    public bool HasAttachment { get; init; }

    /// <summary>The MIME structure with the byte offsets of every part; the root's <see cref="MessagePart.PartId"/> is empty.</summary>
    public required MessagePart Body { get; init; }
}
