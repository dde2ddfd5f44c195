using Mail.Host.Mail;
using Mail.Host.Storage;

namespace Mail.Host.Engine.Mail;

/// <summary>A message whose blob is stored and held by a pending reference until the emails referencing it commit.</summary>
internal sealed class StoredMessage(BlobHash hash, long size, MessageMetadata metadata, byte[] pendingKey, string? bodyText = null)
{
    public BlobHash Hash { get; } = hash;

    public long Size { get; } = size;

    public MessageMetadata Metadata { get; } = metadata;

    public byte[] PendingKey { get; } = pendingKey;

    /// <summary>The body text extracted when the message was parsed, for the full-text index; <see langword="null"/> when not extracted.</summary>
    public string? BodyText { get; } = bodyText;

    /// <summary>
    /// Set once an email's commit took the pending reference over, so no separate release is needed: the common
    /// single-recipient delivery then costs two synced commits instead of three.
    /// </summary>
    public bool PendingTakenOver { get; set; }
}
