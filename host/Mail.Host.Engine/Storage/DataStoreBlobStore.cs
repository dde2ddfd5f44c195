using System.Buffers;
using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using System.Security.Cryptography;
using Mail.Host.Storage;

namespace Mail.Host.Engine.Storage;

/// <summary>
/// Serves the blob role from any <see cref="IDataStore"/>, so that one RocksDB, SQLite or PostgreSQL store can hold
/// everything. A blob is cut into chunks stored under its hash and a chunk number; a small entry of metadata,
/// written last, makes it exist.
/// </summary>
/// <remarks>
/// <para>
/// Layout: subspace <c>blob_chunk</c>, key = the 32 hash bytes + the chunk number (4 bytes, big-endian), value =
/// the chunk's bytes; subspace <c>blob_meta</c>, key = the hash, value = the total length (8 bytes, big-endian) +
/// the chunk size (4 bytes, big-endian) + a format version (1 byte). A blob exists exactly when its
/// <c>blob_meta</c> entry does. Two more subspaces coordinate writers: <c>blob_pending</c> (key = hash + a 16-byte
/// id per put, value = the put's start as Unix milliseconds, big-endian) marks puts in progress, and
/// <c>blob_guard</c> (key = hash, value = 16 random bytes) changes whenever chunks of a blob that does not exist are
/// removed.
/// </para>
/// <para>
/// Guarantee: a blob that exists is never missing a chunk. Every removal of chunks asserts that the blob does not
/// exist and changes its guard in the same commit; a put reads the guard before writing its first chunk and writes
/// the metadata only if the guard has not changed since. So a put racing a delete, an orphan sweep or a rejected put
/// of the same hash either completes with every chunk in place, or fails with
/// <see cref="StoreUnavailableException"/> (nothing visible; the caller puts again), and a delete racing a put
/// either removes the blob or leaves it whole. Concurrent puts of the same content write identical chunks; the
/// first to write the metadata wins and the others return.
/// </para>
/// <para>
/// Limit: chunks written by a put whose content turns out not to match its hash occupy the hash's chunk keys until
/// the mismatch is found at the end. A correct put of that hash finishing in that window may then hold some wrong
/// chunks. The engine computes the hash from the bytes it passes, so this needs a caller bug and a concurrent
/// correct put of the same content at once.
/// </para>
/// </remarks>
public sealed class DataStoreBlobStore : IBlobStore
{
    /// <summary>The chunks of every blob.</summary>
    internal const string ChunkSubspace = "blob_chunk";

    /// <summary>One entry per existing blob: its length, chunk size and format.</summary>
    internal const string MetaSubspace = "blob_meta";

    /// <summary>One entry per put in progress.</summary>
    internal const string PendingSubspace = "blob_pending";

    /// <summary>One entry per hash whose chunks were removed while it did not exist.</summary>
    internal const string GuardSubspace = "blob_guard";

    /// <summary>The length of a chunk key: hash + chunk number.</summary>
    internal const int ChunkKeySize = BlobHash.Size + sizeof(uint);

    /// <summary>The length of a metadata value.</summary>
    internal const int MetaSize = sizeof(long) + sizeof(int) + 1;

    /// <summary>The metadata format this class writes.</summary>
    internal const byte FormatVersion = 1;

    private const int PutIdSize = 16;
    private const int GuardSize = 16;

    // Deletes carry only keys, so many fit in a commit of modest size.
    private const int DeletesPerCommit = 256;

    // A read of the metadata and chunks that keep disagreeing, because the blob is deleted and put again each time,
    // gives up rather than spinning.
    private const int ReadAttempts = 4;

    private readonly IDataStore store;
    private readonly TimeProvider time;
    private readonly int chunkSize;
    private readonly int chunksPerCommit;
    private readonly TimeSpan orphanGracePeriod;

    /// <summary>Creates the adapter.</summary>
    /// <param name="store">The data store that holds the blobs.</param>
    /// <param name="options">The layout; <see langword="null"/> for the defaults.</param>
    /// <param name="time">The clock that dates puts in progress; <see langword="null"/> for the system clock.</param>
    /// <exception cref="ArgumentOutOfRangeException">An option is out of range for the store.</exception>
    public DataStoreBlobStore(IDataStore store, DataStoreBlobOptions? options = null, TimeProvider? time = null)
    {
        ArgumentNullException.ThrowIfNull(store);
        options ??= new DataStoreBlobOptions();
        this.store = store;
        this.time = time ?? TimeProvider.System;
        chunkSize = options.ChunkSize ?? Math.Min(DataStoreBlobOptions.DefaultMaxChunkSize, store.MaxValueSize);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(chunkSize, nameof(options.ChunkSize));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(chunkSize, store.MaxValueSize, nameof(options.ChunkSize));
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(options.ChunksPerCommit, nameof(options.ChunksPerCommit));
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(options.OrphanGracePeriod, TimeSpan.Zero, nameof(options.OrphanGracePeriod));
        chunksPerCommit = options.ChunksPerCommit;
        orphanGracePeriod = options.OrphanGracePeriod;
    }

    /// <summary>The size of the chunks this instance writes.</summary>
    public int ChunkSize => chunkSize;

    /// <inheritdoc />
    /// <remarks>
    /// <para>
    /// The content is read one chunk at a time into a pooled buffer and hashed on the way; chunks are committed in
    /// groups of <see cref="DataStoreBlobOptions.ChunksPerCommit"/>, and the metadata last, in a commit of its own.
    /// Content that does not match <paramref name="hash"/> is rejected with <see cref="InvalidDataException"/> and
    /// its chunks removed.
    /// </para>
    /// <para>
    /// When the blob already exists, or another put of it completes while this one is writing, the call returns
    /// without reading the rest of <paramref name="content"/>. It throws <see cref="StoreUnavailableException"/>
    /// when a delete of the same hash, or an orphan sweep, removed chunks it had written; putting again then
    /// succeeds.
    /// </para>
    /// </remarks>
    public async ValueTask PutAsync(BlobHash hash, Stream content, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(content);
        var hashKey = hash.Bytes.ToArray();
        if (await store.GetAsync(MetaSubspace, hashKey, cancellationToken).ConfigureAwait(false) is not null)
        {
            return;
        }

        // Read before the first chunk is written: any removal of chunks from then on changes it.
        var guard = await store.GetAsync(GuardSubspace, hashKey, cancellationToken).ConfigureAwait(false);
        var marker = PendingKey(hashKey, RandomNumberGenerator.GetBytes(PutIdSize));
        var markerValue = new byte[sizeof(long)];
        BinaryPrimitives.WriteInt64BigEndian(markerValue, time.GetUtcNow().ToUnixTimeMilliseconds());

        var buffer = ArrayPool<byte>.Shared.Rent(chunkSize);
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        long length = 0;
        uint chunks = 0;
        var markerWritten = false;
        var settled = false;
        try
        {
            WriteBatch? batch = null;
            var inBatch = 0;
            while (true)
            {
                var filled = await content.ReadAtLeastAsync(buffer.AsMemory(0, chunkSize), chunkSize, throwOnEndOfStream: false, cancellationToken).ConfigureAwait(false);
                if (filled == 0)
                {
                    break;
                }

                if (chunks == uint.MaxValue)
                {
                    throw new InvalidDataException($"The blob {hash} is longer than {uint.MaxValue} chunks of {chunkSize} bytes.");
                }

                sha.AppendData(buffer, 0, filled);
                length += filled;
                if (batch is null)
                {
                    // Writing under an existing blob is pointless and, after it exists, must not happen at all.
                    batch = new WriteBatch().AssertAbsent(MetaSubspace, hashKey);
                    if (!markerWritten)
                    {
                        batch.Set(PendingSubspace, marker, markerValue);
                    }
                }

                batch.Set(ChunkSubspace, ChunkKey(hashKey, chunks), buffer.AsSpan(0, filled));
                chunks++;
                inBatch++;
                if (inBatch == chunksPerCommit || filled < chunkSize)
                {
                    if (await store.CommitAsync(batch, cancellationToken).ConfigureAwait(false) != CommitResult.Committed)
                    {
                        // Another put completed the blob: it is stored, and these chunks are the same as its own.
                        settled = true;
                        await ForgetMarkerAsync(marker, markerWritten).ConfigureAwait(false);
                        return;
                    }

                    markerWritten = true;
                    batch = null;
                    inBatch = 0;
                }

                if (filled < chunkSize)
                {
                    break;
                }
            }

            if (batch is not null && await store.CommitAsync(batch, cancellationToken).ConfigureAwait(false) != CommitResult.Committed)
            {
                settled = true;
                await ForgetMarkerAsync(marker, markerWritten).ConfigureAwait(false);
                return;
            }

            markerWritten |= chunks > 0;
            var actual = sha.GetHashAndReset();
            if (!actual.AsSpan().SequenceEqual(hashKey))
            {
                // Removed even if another put of this hash is in progress: these chunks are wrong for it, and the
                // guard change makes that put fail rather than complete over them.
                settled = true;
                await RemoveWrittenChunksAsync(hashKey, chunks, marker, markerWritten, evenIfShared: true).ConfigureAwait(false);
                throw new InvalidDataException($"The content given for blob {hash} hashes to {Convert.ToHexStringLower(actual)}; nothing was stored.");
            }

            var meta = new WriteBatch().AssertAbsent(MetaSubspace, hashKey);
            if (guard is null)
            {
                meta.AssertAbsent(GuardSubspace, hashKey);
            }
            else
            {
                // The guard is needed no more once the blob exists; removing it keeps the subspace small.
                meta.AssertValue(GuardSubspace, hashKey, guard).Delete(GuardSubspace, hashKey);
            }

            if (markerWritten)
            {
                // An orphan sweep that judged this put abandoned removed the marker; the chunks may be gone too.
                meta.AssertValue(PendingSubspace, marker, markerValue).Delete(PendingSubspace, marker);
            }

            meta.Set(MetaSubspace, hashKey, EncodeMeta(length, chunkSize));
            if (await store.CommitAsync(meta, cancellationToken).ConfigureAwait(false) == CommitResult.Committed)
            {
                settled = true;
                return;
            }

            if (await store.GetAsync(MetaSubspace, hashKey, cancellationToken).ConfigureAwait(false) is not null)
            {
                settled = true;
                await ForgetMarkerAsync(marker, markerWritten).ConfigureAwait(false);
                return;
            }

            throw new StoreUnavailableException($"Chunks of blob {hash} were removed by a concurrent delete or orphan sweep while it was being stored; put it again.");
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
            if (!settled)
            {
                // Cancelled, failed or lost a race: take back what this put wrote, unless another put of the same
                // blob is using the same chunks.
                await RemoveWrittenChunksAsync(hashKey, chunks, marker, markerWritten, evenIfShared: false).ConfigureAwait(false);
            }
        }
    }

    /// <inheritdoc />
    /// <remarks>
    /// The stream fetches one chunk at a time, when the read reaches it, and supports seeking and
    /// <see cref="Stream.Length"/>. It reads asynchronously only: its synchronous <c>Read</c> throws
    /// <see cref="NotSupportedException"/>, since every data store read is asynchronous. A read that reaches a chunk
    /// removed by a delete since the stream was opened throws <see cref="IOException"/>.
    /// </remarks>
    public async ValueTask<Stream?> OpenReadAsync(BlobHash hash, CancellationToken cancellationToken = default)
    {
        var hashKey = hash.Bytes.ToArray();
        var meta = await ReadMetaAsync(hashKey, cancellationToken).ConfigureAwait(false);
        return meta is { } found ? new DataStoreBlobReadStream(store, hash, found.Length, found.ChunkSize) : null;
    }

    /// <inheritdoc />
    /// <remarks>Only the chunks that hold the range are read, in one range scan.</remarks>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="offset"/> or <paramref name="length"/> is negative.</exception>
    public async ValueTask<byte[]?> ReadRangeAsync(BlobHash hash, long offset, int length, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(offset);
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        var hashKey = hash.Bytes.ToArray();
        for (var attempt = 0; ; attempt++)
        {
            var meta = await ReadMetaAsync(hashKey, cancellationToken).ConfigureAwait(false);
            if (meta is not { } found)
            {
                return null;
            }

            if (offset >= found.Length || length == 0)
            {
                return [];
            }

            var end = Math.Min(found.Length, offset + length);
            var result = await ReadChunksAsync(hashKey, found, offset, end, cancellationToken).ConfigureAwait(false);
            if (result is not null)
            {
                return result;
            }

            // A chunk was missing: the blob was deleted (and perhaps put again) under the read, or it is damaged.
            if (await store.GetAsync(MetaSubspace, hashKey, cancellationToken).ConfigureAwait(false) is null)
            {
                return null;
            }

            if (attempt + 1 >= ReadAttempts)
            {
                throw new InvalidDataException($"The blob {hash} is damaged: a chunk between bytes {offset} and {end} is missing or has the wrong length.");
            }
        }
    }

    /// <inheritdoc />
    public async ValueTask<bool> ExistsAsync(BlobHash hash, CancellationToken cancellationToken = default)
        => await store.GetAsync(MetaSubspace, hash.Bytes.ToArray(), cancellationToken).ConfigureAwait(false) is not null;

    /// <inheritdoc />
    /// <remarks>
    /// The metadata goes first, in a commit that asserts the value just read, so of several concurrent deletes only
    /// one returns <see langword="true"/>; the chunks follow. If the blob is put again while its chunks are being
    /// removed, the removal stops and the new put either completes whole or fails (see the class remarks).
    /// </remarks>
    public async ValueTask<bool> DeleteAsync(BlobHash hash, CancellationToken cancellationToken = default)
    {
        var hashKey = hash.Bytes.ToArray();
        for (var attempt = 0; attempt < ReadAttempts; attempt++)
        {
            var raw = await store.GetAsync(MetaSubspace, hashKey, cancellationToken).ConfigureAwait(false);
            if (raw is null)
            {
                return false;
            }

            var meta = DecodeMeta(raw, hash);
            var batch = new WriteBatch().AssertValue(MetaSubspace, hashKey, raw).Delete(MetaSubspace, hashKey);
            if (await store.CommitAsync(batch, cancellationToken).ConfigureAwait(false) == CommitResult.Committed)
            {
                await RemoveChunksAsync(hashKey, meta.ChunkCount, cancellationToken).ConfigureAwait(false);
                return true;
            }
        }

        throw new StoreUnavailableException($"The blob {hash} kept changing while it was being deleted.");
    }

    /// <summary>Lists every blob that exists, in hash order, for the engine's garbage collector.</summary>
    /// <param name="cancellationToken">Cancels the listing.</param>
    /// <returns>The hashes, read a page at a time.</returns>
    public async IAsyncEnumerable<BlobHash> ListAsync([EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        const int PageSize = 1024;
        var start = Array.Empty<byte>();
        while (true)
        {
            var count = 0;
            await foreach (var entry in store.ScanAsync(MetaSubspace, new KeyRange(start, null, limit: PageSize), cancellationToken).ConfigureAwait(false))
            {
                count++;
                start = After(entry.Key);
                yield return BlobHash.FromBytes(entry.Key);
            }

            if (count < PageSize)
            {
                yield break;
            }
        }
    }

    /// <summary>
    /// Removes the chunks of blobs that do not exist: those left by a process that stopped between writing a blob's
    /// chunks and its metadata, or by a put that could not clean up. Chunks of a put started less than
    /// <see cref="DataStoreBlobOptions.OrphanGracePeriod"/> ago are left alone. Stale markers of puts and guards no
    /// longer needed go too. Safe to run at any time, from any number of processes.
    /// </summary>
    /// <param name="cancellationToken">Cancels the sweep; what was removed stays removed.</param>
    /// <returns>The number of chunks removed.</returns>
    public async Task<int> RemoveOrphanChunksAsync(CancellationToken cancellationToken = default)
    {
        var staleBefore = time.GetUtcNow() - orphanGracePeriod;
        var removed = 0;
        var start = Array.Empty<byte>();
        while (true)
        {
            // One entry per blob: the first chunk found leads to the next hash's range.
            var first = await FirstAsync(ChunkSubspace, new KeyRange(start, null, limit: 1), cancellationToken).ConfigureAwait(false);
            if (first is null || first.Value.Key.Length < BlobHash.Size)
            {
                break;
            }

            var hashKey = first.Value.Key.AsSpan(0, BlobHash.Size).ToArray();
            var next = KeyRange.PrefixEnd(hashKey);
            if (await store.GetAsync(MetaSubspace, hashKey, cancellationToken).ConfigureAwait(false) is null)
            {
                var markers = await ReadMarkersAsync(hashKey, cancellationToken).ConfigureAwait(false);
                if (!markers.Any(marker => marker.Started > staleBefore))
                {
                    removed += await RemoveOrphansOfAsync(hashKey, markers, cancellationToken).ConfigureAwait(false);
                }
            }

            if (next is null)
            {
                break;
            }

            start = next;
        }

        await RemoveStaleMarkersAsync(staleBefore, cancellationToken).ConfigureAwait(false);
        await RemoveIdleGuardsAsync(cancellationToken).ConfigureAwait(false);
        return removed;
    }

    internal static byte[] ChunkKey(ReadOnlySpan<byte> hashKey, uint index)
    {
        var key = new byte[ChunkKeySize];
        hashKey.CopyTo(key);
        BinaryPrimitives.WriteUInt32BigEndian(key.AsSpan(BlobHash.Size), index);
        return key;
    }

    internal static byte[] EncodeMeta(long length, int chunkSize)
    {
        var value = new byte[MetaSize];
        BinaryPrimitives.WriteInt64BigEndian(value, length);
        BinaryPrimitives.WriteInt32BigEndian(value.AsSpan(sizeof(long)), chunkSize);
        value[^1] = FormatVersion;
        return value;
    }

    private static BlobMeta DecodeMeta(byte[] value, BlobHash hash)
    {
        if (value.Length != MetaSize || value[^1] != FormatVersion)
        {
            throw new InvalidDataException($"The metadata of blob {hash} is not in a format this version reads ({value.Length} bytes).");
        }

        var length = BinaryPrimitives.ReadInt64BigEndian(value);
        var size = BinaryPrimitives.ReadInt32BigEndian(value.AsSpan(sizeof(long)));
        if (length < 0 || size <= 0)
        {
            throw new InvalidDataException($"The metadata of blob {hash} is damaged: length {length}, chunk size {size}.");
        }

        return new(length, size);
    }

    private static byte[] PendingKey(ReadOnlySpan<byte> hashKey, ReadOnlySpan<byte> putId)
    {
        var key = new byte[BlobHash.Size + putId.Length];
        hashKey.CopyTo(key);
        putId.CopyTo(key.AsSpan(BlobHash.Size));
        return key;
    }

    // The smallest key after the given one.
    private static byte[] After(byte[] key)
    {
        var next = new byte[key.Length + 1];
        key.CopyTo(next, 0);
        return next;
    }

    private async ValueTask<BlobMeta?> ReadMetaAsync(byte[] hashKey, CancellationToken cancellationToken)
    {
        var raw = await store.GetAsync(MetaSubspace, hashKey, cancellationToken).ConfigureAwait(false);
        return raw is null ? null : DecodeMeta(raw, BlobHash.FromBytes(hashKey));
    }

    // Null when a chunk is missing or has the wrong length.
    private async ValueTask<byte[]?> ReadChunksAsync(byte[] hashKey, BlobMeta meta, long offset, long end, CancellationToken cancellationToken)
    {
        var firstChunk = (uint)(offset / meta.ChunkSize);
        var lastChunk = (uint)((end - 1) / meta.ChunkSize);
        var range = new KeyRange(ChunkKey(hashKey, firstChunk), lastChunk == uint.MaxValue ? KeyRange.PrefixEnd(hashKey) : ChunkKey(hashKey, lastChunk + 1));
        var result = new byte[end - offset];
        var expected = firstChunk;
        await foreach (var entry in store.ScanAsync(ChunkSubspace, range, cancellationToken).ConfigureAwait(false))
        {
            if (entry.Key.Length != ChunkKeySize || BinaryPrimitives.ReadUInt32BigEndian(entry.Key.AsSpan(BlobHash.Size)) != expected
                || entry.Value.Length != meta.ChunkLength(expected))
            {
                return null;
            }

            var chunkStart = (long)expected * meta.ChunkSize;
            var from = Math.Max(offset, chunkStart);
            var to = Math.Min(end, chunkStart + entry.Value.Length);
            entry.Value.AsSpan((int)(from - chunkStart), (int)(to - from)).CopyTo(result.AsSpan((int)(from - offset)));
            if (expected == lastChunk)
            {
                return result;
            }

            expected++;
        }

        return null;
    }

    // Removes chunks 0 to count - 1 while the blob does not exist, changing its guard with each commit; stops if the
    // blob comes to exist, since the chunks are then the new blob's.
    private async Task RemoveChunksAsync(byte[] hashKey, uint count, CancellationToken cancellationToken)
    {
        for (long start = 0; start < count; start += DeletesPerCommit)
        {
            var batch = new WriteBatch().AssertAbsent(MetaSubspace, hashKey);
            var stop = Math.Min(count, start + DeletesPerCommit);
            for (var index = start; index < stop; index++)
            {
                batch.Delete(ChunkSubspace, ChunkKey(hashKey, (uint)index));
            }

            batch.Set(GuardSubspace, hashKey, RandomNumberGenerator.GetBytes(GuardSize));
            if (await store.CommitAsync(batch, cancellationToken).ConfigureAwait(false) != CommitResult.Committed)
            {
                return;
            }
        }
    }

    private async Task RemoveWrittenChunksAsync(byte[] hashKey, uint chunks, byte[] marker, bool markerWritten, bool evenIfShared)
    {
        if (chunks == 0 && !markerWritten)
        {
            return;
        }

        // Cleanup runs whatever happened to the caller's token, and a failure here must not hide the original one:
        // whatever is left behind is removed by RemoveOrphanChunksAsync.
        try
        {
            var shared = !evenIfShared
                && (await ReadMarkersAsync(hashKey, CancellationToken.None).ConfigureAwait(false)).Any(other => !other.Key.AsSpan().SequenceEqual(marker));
            if (!shared)
            {
                await RemoveChunksAsync(hashKey, chunks, CancellationToken.None).ConfigureAwait(false);
            }
        }
        catch (Exception)
        {
            // Left to the orphan sweep.
        }

        await ForgetMarkerAsync(marker, markerWritten).ConfigureAwait(false);
    }

    private async Task ForgetMarkerAsync(byte[] marker, bool markerWritten)
    {
        if (!markerWritten)
        {
            return;
        }

        // A marker left behind only delays an orphan sweep until it is stale, so a failure is not worth reporting.
        try
        {
            await store.CommitAsync(new WriteBatch().Delete(PendingSubspace, marker), CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception)
        {
            // Left to the orphan sweep.
        }
    }

    private async Task<List<Marker>> ReadMarkersAsync(byte[] hashKey, CancellationToken cancellationToken)
    {
        var markers = new List<Marker>();
        await foreach (var entry in store.ScanAsync(PendingSubspace, KeyRange.Prefix(hashKey), cancellationToken).ConfigureAwait(false))
        {
            markers.Add(new(entry.Key, StartedAt(entry.Value)));
        }

        return markers;
    }

    private async Task<int> RemoveOrphansOfAsync(byte[] hashKey, List<Marker> staleMarkers, CancellationToken cancellationToken)
    {
        var removed = 0;
        var markers = staleMarkers.Select(marker => marker.Key).ToList();
        while (true)
        {
            // Chunk values come along with the keys, so pages stay as small as a put's commits.
            var batch = new WriteBatch().AssertAbsent(MetaSubspace, hashKey);
            var count = 0;
            await foreach (var entry in store.ScanAsync(ChunkSubspace, KeyRange.Prefix(hashKey, limit: chunksPerCommit), cancellationToken).ConfigureAwait(false))
            {
                batch.Delete(ChunkSubspace, entry.Key);
                count++;
            }

            if (count == 0 && markers.Count == 0)
            {
                return removed;
            }

            if (count > 0)
            {
                batch.Set(GuardSubspace, hashKey, RandomNumberGenerator.GetBytes(GuardSize));
            }

            foreach (var marker in markers)
            {
                batch.Delete(PendingSubspace, marker);
            }

            markers.Clear();
            if (await store.CommitAsync(batch, cancellationToken).ConfigureAwait(false) != CommitResult.Committed)
            {
                // A put completed the blob meanwhile; what is left is its chunks.
                return removed;
            }

            removed += count;
        }
    }

    private async Task RemoveStaleMarkersAsync(DateTimeOffset staleBefore, CancellationToken cancellationToken)
    {
        var stale = new List<KeyValueEntry>();
        await foreach (var entry in store.ScanAsync(PendingSubspace, KeyRange.All(), cancellationToken).ConfigureAwait(false))
        {
            if (StartedAt(entry.Value) <= staleBefore)
            {
                stale.Add(entry);
            }
        }

        // Stale markers are rare, so one commit each is cheap; the assertion removes a marker only as it was judged.
        foreach (var entry in stale)
        {
            await store.CommitAsync(new WriteBatch().AssertValue(PendingSubspace, entry.Key, entry.Value).Delete(PendingSubspace, entry.Key), cancellationToken).ConfigureAwait(false);
        }
    }

    // A guard can go once nothing can still depend on it: no blob, no chunk and no put in progress. A put that read
    // it and is about to write its first chunk then fails its final check and reports the store unavailable, which
    // is safe; a put that read "no guard" before a removal has a marker, so its guard is not removed under it.
    private async Task RemoveIdleGuardsAsync(CancellationToken cancellationToken)
    {
        var guards = new List<KeyValueEntry>();
        await foreach (var entry in store.ScanAsync(GuardSubspace, KeyRange.All(), cancellationToken).ConfigureAwait(false))
        {
            guards.Add(entry);
        }

        foreach (var guard in guards)
        {
            if (await store.GetAsync(MetaSubspace, guard.Key, cancellationToken).ConfigureAwait(false) is not null
                || await FirstAsync(ChunkSubspace, KeyRange.Prefix(guard.Key, limit: 1), cancellationToken).ConfigureAwait(false) is not null
                || await FirstAsync(PendingSubspace, KeyRange.Prefix(guard.Key, limit: 1), cancellationToken).ConfigureAwait(false) is not null)
            {
                continue;
            }

            var batch = new WriteBatch()
                .AssertValue(GuardSubspace, guard.Key, guard.Value)
                .AssertAbsent(MetaSubspace, guard.Key)
                .Delete(GuardSubspace, guard.Key);
            await store.CommitAsync(batch, cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task<KeyValueEntry?> FirstAsync(string subspace, KeyRange range, CancellationToken cancellationToken)
    {
        await foreach (var entry in store.ScanAsync(subspace, range with { Limit = 1 }, cancellationToken).ConfigureAwait(false))
        {
            return entry;
        }

        return null;
    }

    private static DateTimeOffset StartedAt(byte[] value)
        => value.Length == sizeof(long)
            ? DateTimeOffset.FromUnixTimeMilliseconds(Math.Clamp(BinaryPrimitives.ReadInt64BigEndian(value), 0, DateTimeOffset.MaxValue.ToUnixTimeMilliseconds()))
            : DateTimeOffset.MinValue;

    /// <summary>A blob's length and the chunk size it was written with.</summary>
    private readonly record struct BlobMeta(long Length, int ChunkSize)
    {
        public uint ChunkCount => (uint)((Length + ChunkSize - 1) / ChunkSize);

        public int ChunkLength(uint index) => (int)Math.Min(ChunkSize, Length - ((long)index * ChunkSize));
    }

    /// <summary>A put in progress: its marker's key and when it started.</summary>
    private readonly record struct Marker(byte[] Key, DateTimeOffset Started);
}
