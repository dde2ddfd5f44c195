using System.Text.Json.Serialization;

namespace Mail.Host.Outbound;

/// <summary>
/// A queued message's record (<c>m</c> + id in the <c>smtp_queue</c> subspace, as JSON): the envelope as accepted,
/// the state of each recipient and the delivery schedule.
/// </summary>
internal sealed class QueueEntry
{
    [JsonPropertyName("id")]
    public string Id { get; set; } = string.Empty;

    [JsonPropertyName("from")]
    public string From { get; set; } = string.Empty;

    [JsonPropertyName("recipients")]
    public List<QueueRecipientState> Recipients { get; set; } = [];

    [JsonPropertyName("ret")]
    public string? Ret { get; set; }

    [JsonPropertyName("envid")]
    public string? EnvelopeId { get; set; }

    [JsonPropertyName("body")]
    public string? Body { get; set; }

    [JsonPropertyName("smtputf8")]
    public bool SmtpUtf8 { get; set; }

    [JsonPropertyName("requiretls")]
    public bool RequireTls { get; set; }

    [JsonPropertyName("size")]
    public long Size { get; set; }

    [JsonPropertyName("chunks")]
    public int Chunks { get; set; }

    [JsonPropertyName("receivedAt")]
    public DateTimeOffset ReceivedAt { get; set; }

    [JsonPropertyName("authenticatedAs")]
    public string? AuthenticatedAs { get; set; }

    [JsonPropertyName("client")]
    public string Client { get; set; } = string.Empty;

    [JsonPropertyName("helo")]
    public string Helo { get; set; } = string.Empty;

    [JsonPropertyName("attempts")]
    public int Attempts { get; set; }

    /// <summary>When the next attempt is due; the schedule key <c>s</c> + this time + id points at the record.</summary>
    [JsonPropertyName("nextAttempt")]
    public DateTimeOffset NextAttempt { get; set; }

    [JsonPropertyName("lastAttempt")]
    public DateTimeOffset? LastAttempt { get; set; }

    [JsonPropertyName("lastError")]
    public string? LastError { get; set; }

    [JsonPropertyName("delayNotified")]
    public bool DelayNotified { get; set; }

    [JsonIgnore]
    public IEnumerable<QueueRecipientState> Pending => Recipients.Where(r => r.Status == QueueRecipientState.PendingStatus);
}
