using System.Security.Cryptography;
using Mail.Host.Engine.Mail;
using Mail.Host.Storage;

namespace Mail.Host.Engine.Storage;

/// <summary>
/// The engine's view of the blob role: small messages live in the data store, everything else in the configured
/// blob store. Most mail is a few kilobytes, and writing it into the data store lets a delivery record its content in
/// the same synced commit that takes the blob's first reference (where the data store groups concurrent commits into
/// one sync), instead of paying a file, a rename and a folder sync, or an object upload, per message.
/// </summary>
/// <remarks>
/// Reads look in the data store first and then in the blob store, so content stored before the threshold changed, or
/// by a process with another threshold, is found wherever it is. A delete removes both copies.
/// </remarks>
internal sealed class InlineBlobStore : IBlobStore
{
    private readonly IDataStore data;
    private readonly IBlobStore blobs;

    /// <summary>Creates the view.</summary>
    /// <param name="data">The data store that keeps small blobs.</param>
    /// <param name="blobs">The blob store that keeps the rest.</param>
    /// <param name="maxInlineBytes">The largest blob kept in the data store; capped at the data store's value limit.</param>
    public InlineBlobStore(IDataStore data, IBlobStore blobs, int maxInlineBytes)
    {
        this.data = data;
        this.blobs = blobs;
        MaxInlineBytes = Math.Min(maxInlineBytes, data.MaxValueSize);
    }

    /// <summary>The largest blob kept in the data store.</summary>
    public int MaxInlineBytes { get; }

    /// <summary>Whether content of this length is kept in the data store.</summary>
    public bool KeepsInline(long length) => length <= MaxInlineBytes;

    /// <summary>Adds the content of a small blob to a commit the caller makes.</summary>
    public static void AddTo(WriteBatch batch, BlobHash hash, ReadOnlySpan<byte> content)
        => batch.Set(MailKeys.BlobInline, MailKeys.BlobKey(hash), content);

    /// <inheritdoc />
    public async ValueTask PutAsync(BlobHash hash, Stream content, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(content);
        if (!content.CanSeek || !KeepsInline(content.Length - content.Position))
        {
            await blobs.PutAsync(hash, content, cancellationToken).ConfigureAwait(false);
            return;
        }

        var bytes = new byte[content.Length - content.Position];
        await content.ReadExactlyAsync(bytes, cancellationToken).ConfigureAwait(false);
        if (!SHA256.HashData(bytes).AsSpan().SequenceEqual(hash.Bytes))
        {
            throw new InvalidDataException($"The content does not match the blob hash {hash}.");
        }

        var batch = new WriteBatch();
        AddTo(batch, hash, bytes);
        await data.CommitAsync(batch, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async ValueTask<Stream?> OpenReadAsync(BlobHash hash, CancellationToken cancellationToken = default)
    {
        var inline = await data.GetAsync(MailKeys.BlobInline, MailKeys.BlobKey(hash), cancellationToken).ConfigureAwait(false);
        return inline is not null
            ? new MemoryStream(inline, writable: false)
            : await blobs.OpenReadAsync(hash, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async ValueTask<byte[]?> ReadRangeAsync(BlobHash hash, long offset, int length, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(offset);
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        var inline = await data.GetAsync(MailKeys.BlobInline, MailKeys.BlobKey(hash), cancellationToken).ConfigureAwait(false);
        if (inline is null)
        {
            return await blobs.ReadRangeAsync(hash, offset, length, cancellationToken).ConfigureAwait(false);
        }

        if (offset >= inline.Length)
        {
            return [];
        }

        return inline.AsSpan((int)offset, (int)Math.Min(length, inline.Length - offset)).ToArray();
    }

    /// <inheritdoc />
    public async ValueTask<bool> ExistsAsync(BlobHash hash, CancellationToken cancellationToken = default)
        => await data.GetAsync(MailKeys.BlobInline, MailKeys.BlobKey(hash), cancellationToken).ConfigureAwait(false) is not null
            || await blobs.ExistsAsync(hash, cancellationToken).ConfigureAwait(false);

    /// <inheritdoc />
    public async ValueTask<bool> DeleteAsync(BlobHash hash, CancellationToken cancellationToken = default)
    {
        var key = MailKeys.BlobKey(hash);
        var inline = await data.GetAsync(MailKeys.BlobInline, key, cancellationToken).ConfigureAwait(false) is not null;
        if (inline)
        {
            await data.CommitAsync(new WriteBatch().Delete(MailKeys.BlobInline, key), cancellationToken).ConfigureAwait(false);
        }

        var outside = await blobs.DeleteAsync(hash, cancellationToken).ConfigureAwait(false);
        return inline || outside;
    }
}
