namespace Mail.Host.Mail;

/// <summary>The envelope of a message in the outbound queue (see <see cref="IMailQueue"/>).</summary>
public sealed record QueuedEnvelope
{
    /// <summary>The reverse path (MAIL FROM); empty for the null sender of a bounce.</summary>
    public required string From { get; init; }

    /// <summary>The remote recipients, each with its DSN parameters.</summary>
    public required IReadOnlyList<QueuedRecipient> Recipients { get; init; }

    /// <summary>The DSN RET parameter (<c>FULL</c> or <c>HDRS</c>), when given (RFC 3461).</summary>
    public string? Ret { get; init; }

    /// <summary>The DSN ENVID parameter, when given (RFC 3461).</summary>
    public string? EnvelopeId { get; init; }

    /// <summary>The BODY parameter (<c>7BIT</c>, <c>8BITMIME</c>, <c>BINARYMIME</c>), when given.</summary>
    public string? Body { get; init; }

    /// <summary>Whether the message needs SMTPUTF8 from the next hop (RFC 6531).</summary>
    public bool SmtpUtf8 { get; init; }

    /// <summary>Whether the message must only travel over verified TLS (REQUIRETLS, RFC 8689).</summary>
    public bool RequireTls { get; init; }

    /// <summary>When the message was accepted.</summary>
    public required DateTimeOffset ReceivedAt { get; init; }

    /// <summary>The principal that submitted it, when authenticated.</summary>
    public string? AuthenticatedAs { get; init; }

    /// <summary>Where it came from, for logs and Received headers: an IP address, or the protocol (<c>jmap</c>).</summary>
    public required string Client { get; init; }

    /// <summary>The name the client gave in EHLO/HELO, or the protocol's own name.</summary>
    public required string Helo { get; init; }
}
