using System.Text.Json.Serialization;

namespace Mail.Host.Outbound;

/// <summary>One recipient of a queued message: its DSN parameters and where its delivery stands.</summary>
internal sealed class QueueRecipientState
{
    public const string PendingStatus = "pending";
    public const string DeliveredStatus = "delivered";
    public const string FailedStatus = "failed";

    [JsonPropertyName("address")]
    public string Address { get; set; } = string.Empty;

    [JsonPropertyName("notify")]
    public string? Notify { get; set; }

    [JsonPropertyName("orcpt")]
    public string? OriginalRecipient { get; set; }

    /// <summary><c>pending</c>, <c>delivered</c> or <c>failed</c>; absent in records written before delivery existed (pending).</summary>
    [JsonPropertyName("status")]
    public string Status { get; set; } = PendingStatus;

    /// <summary>The last reply or error for this recipient (e.g. <c>450 4.2.0 mailbox busy</c>).</summary>
    [JsonPropertyName("detail")]
    public string? Detail { get; set; }

    /// <summary>The enhanced status code for the DSN (e.g. <c>5.1.1</c>).</summary>
    [JsonPropertyName("statusCode")]
    public string? StatusCode { get; set; }

    /// <summary>The server that gave the last answer.</summary>
    [JsonPropertyName("remoteMta")]
    public string? RemoteMta { get; set; }

    public bool Wants(string kind)
        => Notify is null ? kind is "FAILURE" or "DELAY" : Notify.Split(',').Contains(kind, StringComparer.OrdinalIgnoreCase);
}
