namespace Mail.Host.Plugins.Smtp;

/// <summary>The envelope of a queued message.</summary>
internal sealed record QueueEnvelope
{
    public required string From { get; init; }

    public required IReadOnlyList<QueuedRecipient> Recipients { get; init; }

    public string? Ret { get; init; }

    public string? EnvelopeId { get; init; }

    public string? Body { get; init; }

    public bool SmtpUtf8 { get; init; }

    public required DateTimeOffset ReceivedAt { get; init; }

    public string? AuthenticatedAs { get; init; }

    public required string Client { get; init; }

    public required string Helo { get; init; }
}
