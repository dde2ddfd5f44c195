using System.Security.Cryptography;
using Mail.Host.Mail;
using Mail.Host.Storage;

namespace Mail.Host.Engine.Mail;

/// <summary>
/// Reference counts of message blobs, and the protocol that makes deleting a blob safe against a delivery of the
/// same content at the same moment and against a process stopping half-way:
/// <list type="number">
/// <item>A delivery first takes a pending reference (+1, and a timestamped pending entry) in one commit, then
/// stores the blob, then commits the emails (+1 each), then drops the pending reference (−1); the first email's
/// commit may take the pending reference over instead, deleting the pending entry. The blob is thus referenced from
/// before it is written until the emails hold it.</item>
/// <item>The collector deletes a blob only after moving its count from 0 to a large negative sentinel with an
/// assertion; a delivery that sees a negative count after its +1 gives it back and waits, so no delivery relies on
/// a blob being deleted. The sentinel is then added back.</item>
/// <item>A pending reference older than <see cref="MailEngineOptions.PendingReferenceTimeout"/> belonged to a process
/// that stopped; the collector drops it, and the blob goes when nothing else references it.</item>
/// </list>
/// </summary>
internal sealed class BlobReferences(IDataStore data, IBlobStore blobs, MailEngineOptions options, TimeProvider time)
{
    /// <summary>The count of a blob being deleted: far below anything deliveries in progress could add.</summary>
    public const long Deleting = long.MinValue / 2;

    /// <summary>The largest metadata chunk written: well under every store's value limit.</summary>
    private const int MetadataChunkSize = 60_000;

    private const int MaxAcquireAttempts = 50;

    /// <summary>Takes a pending reference on a blob and stores its metadata if it is not stored yet.</summary>
    /// <param name="hash">The blob.</param>
    /// <param name="metadata">The blob's parsed metadata to store, or <see langword="null"/> when it is stored.</param>
    /// <param name="inlineContent">
    /// The whole content of a small blob, written in the same commit as the reference (see <see cref="Storage.InlineBlobStore"/>),
    /// or <see langword="null"/> when the caller stores the blob itself.
    /// </param>
    /// <param name="cancellationToken">Cancels the commit.</param>
    /// <returns>The pending entry's key, for <see cref="ReleaseAsync"/>.</returns>
    public async ValueTask<byte[]> AcquireAsync(BlobHash hash, byte[]? metadata, byte[]? inlineContent, CancellationToken cancellationToken)
    {
        var refKey = MailKeys.BlobKey(hash);
        for (var attempt = 1; ; attempt++)
        {
            var pendingKey = MailKeys.PendingKey(time.GetUtcNow().ToUnixTimeMilliseconds(), hash, BitConverter.ToUInt64(RandomNumberGenerator.GetBytes(8)));
            var batch = new WriteBatch()
                .Increment(MailKeys.BlobReference, refKey, 1)
                .Set(MailKeys.BlobPending, pendingKey, AccountTransaction.Marker);
            if (metadata is not null)
            {
                await AddMetadataAsync(batch, hash, metadata, cancellationToken).ConfigureAwait(false);
            }

            if (inlineContent is not null)
            {
                // Written again on every attempt: a collector that was deleting this blob may have removed it.
                Storage.InlineBlobStore.AddTo(batch, hash, inlineContent);
            }

            await data.CommitAsync(batch, cancellationToken).ConfigureAwait(false);
            var count = Counter.Decode(await data.GetAsync(MailKeys.BlobReference, refKey, cancellationToken).ConfigureAwait(false));
            if (count > 0)
            {
                return pendingKey;
            }

            // The collector is deleting this blob: give the reference back and come again once it is done.
            await ReleaseAsync(hash, pendingKey, CancellationToken.None).ConfigureAwait(false);
            if (attempt >= MaxAcquireAttempts)
            {
                throw new MailException(MailErrorCode.Conflict, $"The blob {hash} stayed locked by garbage collection.");
            }

            await Task.Delay(TimeSpan.FromMilliseconds(Math.Min(500, 10 * attempt)), cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Drops a pending reference, unless the collector already did.</summary>
    public async ValueTask ReleaseAsync(BlobHash hash, byte[] pendingKey, CancellationToken cancellationToken)
    {
        var batch = new WriteBatch()
            .AssertValue(MailKeys.BlobPending, pendingKey, AccountTransaction.Marker)
            .Delete(MailKeys.BlobPending, pendingKey)
            .Increment(MailKeys.BlobReference, MailKeys.BlobKey(hash), -1)
            .Set(MailKeys.BlobUnreferenced, MailKeys.BlobKey(hash), AccountTransaction.Marker);
        await data.CommitAsync(batch, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Reads a blob's stored metadata; <see langword="null"/> when absent or in an older format.</summary>
    public async ValueTask<MessageMetadata?> ReadMetadataAsync(BlobHash hash, CancellationToken cancellationToken)
    {
        // Chunks are numbered from 0 without gaps and all but the last are full, so one point read answers the common
        // cases (new content: nothing; metadata of one chunk: all of it) without opening an iterator.
        var first = await data.GetAsync(MailKeys.BlobMetadata, MailKeys.MetadataChunkKey(hash, 0), cancellationToken).ConfigureAwait(false);
        if (first is null)
        {
            return null;
        }

        if (first.Length < MetadataChunkSize)
        {
            try
            {
                return MetadataCodec.Decode(first);
            }
            catch (FormatException)
            {
                return null;
            }
        }

        using var buffer = new MemoryStream();
        await foreach (var entry in data.ScanAsync(MailKeys.BlobMetadata, KeyRange.Prefix(MailKeys.BlobKey(hash)), cancellationToken).ConfigureAwait(false))
        {
            buffer.Write(entry.Value);
        }

        if (buffer.Length == 0)
        {
            return null;
        }

        try
        {
            return MetadataCodec.Decode(buffer.GetBuffer().AsSpan(0, (int)buffer.Length));
        }
        catch (FormatException)
        {
            return null;
        }
    }

    /// <summary>Stores metadata for a blob, replacing what was there.</summary>
    public async ValueTask WriteMetadataAsync(BlobHash hash, byte[] metadata, CancellationToken cancellationToken)
    {
        var batch = new WriteBatch();
        await AddMetadataAsync(batch, hash, metadata, cancellationToken).ConfigureAwait(false);
        await data.CommitAsync(batch, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Deletes what no one references any more; returns the number of blobs deleted.</summary>
    public async ValueTask<int> CollectAsync(CancellationToken cancellationToken)
    {
        // Pending references left by a process that stopped between storing a blob and recording it.
        var cutoff = time.GetUtcNow() - options.PendingReferenceTimeout;
        var stale = new List<byte[]>();
        await foreach (var entry in data.ScanAsync(MailKeys.BlobPending, new KeyRange([], MailKeys.PendingBefore(cutoff.ToUnixTimeMilliseconds())), cancellationToken).ConfigureAwait(false))
        {
            stale.Add(entry.Key);
        }

        foreach (var key in stale)
        {
            await ReleaseAsync(MailKeys.HashOfPendingKey(key), key, cancellationToken).ConfigureAwait(false);
        }

        var candidates = new List<byte[]>();
        await foreach (var entry in data.ScanAsync(MailKeys.BlobUnreferenced, KeyRange.All(), cancellationToken).ConfigureAwait(false))
        {
            candidates.Add(entry.Key);
        }

        var deleted = 0;
        foreach (var key in candidates)
        {
            if (await TryDeleteAsync(key, cancellationToken).ConfigureAwait(false))
            {
                deleted++;
            }
        }

        return deleted;
    }

    private async ValueTask<bool> TryDeleteAsync(byte[] key, CancellationToken cancellationToken)
    {
        var observed = await data.GetAsync(MailKeys.BlobReference, key, cancellationToken).ConfigureAwait(false);
        var count = Counter.Decode(observed);
        if (count != 0)
        {
            // Still referenced (or being deleted by another collector): forget the candidate unless the count moved,
            // since a later decrement marks it again.
            var forget = new WriteBatch().Delete(MailKeys.BlobUnreferenced, key);
            if (observed is null)
            {
                forget.AssertAbsent(MailKeys.BlobReference, key);
            }
            else
            {
                forget.AssertValue(MailKeys.BlobReference, key, observed);
            }

            if (count > 0)
            {
                await data.CommitAsync(forget, cancellationToken).ConfigureAwait(false);
            }

            return false;
        }

        var claim = new WriteBatch().Set(MailKeys.BlobReference, key, Counter.Encode(Deleting));
        if (observed is null)
        {
            claim.AssertAbsent(MailKeys.BlobReference, key);
        }
        else
        {
            claim.AssertValue(MailKeys.BlobReference, key, observed);
        }

        if (await data.CommitAsync(claim, cancellationToken).ConfigureAwait(false) != CommitResult.Committed)
        {
            return false;
        }

        var hash = BlobHash.FromBytes(key);
        try
        {
            await blobs.DeleteAsync(hash, cancellationToken).ConfigureAwait(false);
            var removeMetadata = new WriteBatch();
            await foreach (var chunk in data.ScanAsync(MailKeys.BlobMetadata, KeyRange.Prefix(key), cancellationToken).ConfigureAwait(false))
            {
                removeMetadata.Delete(MailKeys.BlobMetadata, MailKeys.MetadataChunkKey(hash, ChunkOf(chunk.Key)));
            }

            if (removeMetadata.Count > 0)
            {
                await data.CommitAsync(removeMetadata, cancellationToken).ConfigureAwait(false);
            }
        }
        finally
        {
            // Whatever happened, deliveries must not stay locked out: the count returns to what they added meanwhile.
            await data.IncrementAsync(MailKeys.BlobReference, key, -Deleting, CancellationToken.None).ConfigureAwait(false);
        }

        var tidy = new WriteBatch()
            .AssertValue(MailKeys.BlobReference, key, Counter.Encode(0))
            .Delete(MailKeys.BlobReference, key)
            .Delete(MailKeys.BlobUnreferenced, key);
        await data.CommitAsync(tidy, cancellationToken).ConfigureAwait(false);
        return true;
    }

    private static int ChunkOf(byte[] metadataKey) => (metadataKey[BlobHash.Size] << 8) | metadataKey[BlobHash.Size + 1];

    private async ValueTask AddMetadataAsync(WriteBatch batch, BlobHash hash, byte[] metadata, CancellationToken cancellationToken)
    {
        var chunks = (metadata.Length + MetadataChunkSize - 1) / MetadataChunkSize;

        // Chunks are numbered without gaps, so only when there is one just past the new ones are there stale ones to remove.
        if (await data.GetAsync(MailKeys.BlobMetadata, MailKeys.MetadataChunkKey(hash, chunks), cancellationToken).ConfigureAwait(false) is not null)
        {
            await foreach (var existing in data.ScanAsync(MailKeys.BlobMetadata, KeyRange.Prefix(MailKeys.BlobKey(hash)), cancellationToken).ConfigureAwait(false))
            {
                if (ChunkOf(existing.Key) >= chunks)
                {
                    batch.Delete(MailKeys.BlobMetadata, existing.Key);
                }
            }
        }

        for (var i = 0; i < chunks; i++)
        {
            var start = i * MetadataChunkSize;
            batch.Set(MailKeys.BlobMetadata, MailKeys.MetadataChunkKey(hash, i), metadata.AsSpan(start, Math.Min(MetadataChunkSize, metadata.Length - start)));
        }
    }
}
