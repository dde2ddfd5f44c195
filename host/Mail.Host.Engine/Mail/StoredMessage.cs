using Mail.Host.Mail;
using Mail.Host.Storage;

namespace Mail.Host.Engine.Mail;

/// <summary>
/// A message whose blob is stored and held by a pending reference until the emails referencing it commit. It keeps
/// the spooled bytes until disposed, so a blob the collector removed meanwhile can be stored again.
/// </summary>
internal sealed class StoredMessage(BlobHash hash, long size, MessageMetadata metadata, byte[] pendingKey, MessageSpool spool, string? bodyText = null) : IAsyncDisposable
{
    public BlobHash Hash { get; } = hash;

    public long Size { get; } = size;

    public MessageMetadata Metadata { get; } = metadata;

    public byte[] PendingKey { get; } = pendingKey;

    /// <summary>The spooled message, for storing the blob again.</summary>
    public MessageSpool Spool { get; } = spool;

    /// <summary>When the pending reference was taken (the time in its key), in Unix milliseconds.</summary>
    public long AcquiredAtMs => System.Buffers.Binary.BinaryPrimitives.ReadInt64BigEndian(PendingKey);

    /// <summary>The body text extracted when the message was parsed, for the full-text index; <see langword="null"/> when not extracted.</summary>
    public string? BodyText { get; } = bodyText;

    /// <summary>
    /// Set once an email's commit took the pending reference over, so no separate release is needed: the common
    /// single-recipient delivery then costs two synced commits instead of three.
    /// </summary>
    public bool PendingTakenOver { get; set; }

    /// <inheritdoc />
    public ValueTask DisposeAsync() => Spool.DisposeAsync();
}
