using System.Buffers.Binary;
using Mail.Host.Engine.Storage;
using Mail.Host.Plugins.InMemory;
using Mail.Host.Storage;
using Xunit;

namespace Mail.Host.Engine.Tests;

/// <summary>
/// What the data-store blob adapter does beyond the conformance kit: its layout, what it reads and writes for each
/// call, how it copes with races and crashes.
/// </summary>
public sealed class DataStoreBlobStoreChunkingTests
{
    private const int ChunkSize = 1000;
    private const int ChunksPerCommit = 16;

    private readonly ManualClock clock = new();
    private readonly RecordingDataStore data = new(new MemoryDataStore());
    private readonly DataStoreBlobStore blobs;

    public DataStoreBlobStoreChunkingTests()
        => blobs = new DataStoreBlobStore(data, new DataStoreBlobOptions { ChunkSize = ChunkSize, ChunksPerCommit = ChunksPerCommit, OrphanGracePeriod = TimeSpan.FromHours(1) }, clock);

    [Fact]
    public void The_default_chunk_size_is_64_KiB_or_the_stores_largest_value_if_smaller()
    {
        Assert.Equal(64 * 1024, new DataStoreBlobStore(new MemoryDataStore()).ChunkSize);
        Assert.Equal(50_000, new DataStoreBlobStore(new SmallValueStore(50_000)).ChunkSize);
        Assert.Throws<ArgumentOutOfRangeException>(() => new DataStoreBlobStore(new MemoryDataStore(), new DataStoreBlobOptions { ChunkSize = MemoryDataStore.ValueSizeLimit + 1 }));
        Assert.Throws<ArgumentOutOfRangeException>(() => new DataStoreBlobStore(new MemoryDataStore(), new DataStoreBlobOptions { ChunkSize = 0 }));
    }

    [Fact]
    public async Task A_blob_is_stored_as_numbered_chunks_and_a_metadata_entry()
    {
        var content = RandomBytes(10_500);
        var hash = await PutAsync(content);

        var chunks = await data.EntriesAsync(DataStoreBlobStore.ChunkSubspace);
        Assert.Equal(11, chunks.Count);
        for (var i = 0; i < chunks.Count; i++)
        {
            Assert.Equal([.. hash.Bytes, 0, 0, 0, (byte)i], chunks[i].Key);
            Assert.Equal(content.AsSpan(i * ChunkSize, Math.Min(ChunkSize, content.Length - (i * ChunkSize))).ToArray(), chunks[i].Value);
        }

        var meta = Assert.Single(await data.EntriesAsync(DataStoreBlobStore.MetaSubspace));
        Assert.Equal(hash.Bytes.ToArray(), meta.Key);

        // Length 10 500 (8 bytes, big-endian), chunk size 1000 (4 bytes, big-endian), format 1.
        Assert.Equal([0, 0, 0, 0, 0, 0, 0x29, 0x04, 0, 0, 0x03, 0xE8, 1], meta.Value);
        Assert.Empty(await data.EntriesAsync(DataStoreBlobStore.PendingSubspace));
    }

    [Fact]
    public async Task Ranges_across_chunk_boundaries_return_exactly_the_bytes_asked_for()
    {
        var content = RandomBytes(10_500);
        var hash = await PutAsync(content);

        (long Offset, int Length)[] ranges =
        [
            (999, 2), (0, 1000), (1000, 1000), (999, 1002), (2500, 3000), (1, 10_498), (0, 10_500),
            (9999, 600), (10_000, 500), (10_499, 1), (10_499, 10), (3000, 7500), (7, int.MaxValue),
        ];
        foreach (var (offset, length) in ranges)
        {
            var end = (int)Math.Min(content.Length, offset + length);
            Assert.Equal(content[(int)offset..end], await blobs.ReadRangeAsync(hash, offset, length));
        }

        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(async () => await blobs.ReadRangeAsync(hash, -1, 10));
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(async () => await blobs.ReadRangeAsync(hash, 0, -1));
    }

    [Fact]
    public async Task A_range_read_fetches_only_the_chunks_that_hold_it()
    {
        var content = RandomBytes(10_500);
        var hash = await PutAsync(content);
        data.Clear();

        Assert.Equal(content[2500..5500], await blobs.ReadRangeAsync(hash, 2500, 3000));

        var scan = Assert.Single(data.Scans);
        Assert.Equal(DataStoreBlobStore.ChunkSubspace, scan.Subspace);
        Assert.Equal(ChunkKey(hash, 2), scan.Range.Start);
        Assert.Equal(ChunkKey(hash, 6), scan.Range.End);
        Assert.DoesNotContain(data.Gets, get => get.Subspace == DataStoreBlobStore.ChunkSubspace);

        data.Clear();
        Assert.Equal(content[10_400..], await blobs.ReadRangeAsync(hash, 10_400, 5000));
        scan = Assert.Single(data.Scans);
        Assert.Equal(ChunkKey(hash, 10), scan.Range.Start);
        Assert.Equal(ChunkKey(hash, 11), scan.Range.End);

        // Nothing to read: no chunk is touched.
        data.Clear();
        Assert.Empty((await blobs.ReadRangeAsync(hash, 10_500, 10))!);
        Assert.Empty(data.Scans);
    }

    [Fact]
    public async Task A_stream_fetches_one_chunk_at_a_time_as_the_reads_reach_it()
    {
        var content = RandomBytes(10_500);
        var hash = await PutAsync(content);
        data.Clear();

        await using var stream = await blobs.OpenReadAsync(hash);
        Assert.NotNull(stream);
        Assert.Equal(10_500, stream.Length);
        Assert.DoesNotContain(data.Gets, get => get.Subspace == DataStoreBlobStore.ChunkSubspace);

        var buffer = new byte[600];
        Assert.Equal(600, await stream.ReadAsync(buffer));
        Assert.Equal(content[..600], buffer);
        Assert.Equal(400, await stream.ReadAsync(buffer));
        Assert.Equal(content[600..1000], buffer[..400]);
        Assert.Equal([ChunkKey(hash, 0)], ChunkGets());

        stream.Position = 5500;
        Assert.Equal(500, await stream.ReadAsync(buffer));
        Assert.Equal(content[5500..6000], buffer[..500]);
        Assert.Equal([ChunkKey(hash, 0), ChunkKey(hash, 5)], ChunkGets());

        stream.Seek(-3, SeekOrigin.End);
        Assert.Equal(3, await stream.ReadAsync(buffer));
        Assert.Equal(content[^3..], buffer[..3]);
        Assert.Equal(0, await stream.ReadAsync(buffer));
        Assert.Throws<NotSupportedException>(() => stream.Read(buffer, 0, 1));
    }

    [Fact]
    public async Task Reading_a_blob_deleted_under_an_open_stream_fails_rather_than_returning_short_content()
    {
        var content = RandomBytes(5000);
        var hash = await PutAsync(content);
        await using var stream = await blobs.OpenReadAsync(hash);
        Assert.NotNull(stream);
        var buffer = new byte[1000];
        Assert.Equal(1000, await stream.ReadAsync(buffer));

        Assert.True(await blobs.DeleteAsync(hash));

        await Assert.ThrowsAsync<IOException>(async () => await stream.ReadAtLeastAsync(buffer, buffer.Length));
    }

    [Fact]
    public async Task A_put_commits_a_bounded_number_of_chunks_at_a_time_and_the_metadata_last()
    {
        var content = RandomBytes(40_000);
        await PutAsync(content);

        var commits = data.Commits.ToList();
        var chunkCounts = commits.Select(batch => batch.Count(op => op.Kind == BatchOperationKind.Set && op.Subspace == DataStoreBlobStore.ChunkSubspace)).ToList();
        Assert.Equal([16, 16, 8, 0], chunkCounts);
        Assert.DoesNotContain(commits.SkipLast(1).SelectMany(batch => batch), op => op.Subspace == DataStoreBlobStore.MetaSubspace && op.Kind == BatchOperationKind.Set);
        Assert.Contains(commits[^1], op => op.Subspace == DataStoreBlobStore.MetaSubspace && op.Kind == BatchOperationKind.Set);
    }

    [Fact]
    public async Task A_put_writes_chunks_while_it_reads_rather_than_after_reading_everything()
    {
        var content = RandomBytes(100_000);
        var stream = new CountingStream(content);
        long? readAtFirstCommit = null;
        data.BeforeCommit = _ =>
        {
            readAtFirstCommit ??= stream.BytesRead;
            return ValueTask.FromResult<CommitResult?>(null);
        };

        await blobs.PutAsync(BlobHash.Compute(content), stream);

        Assert.NotNull(readAtFirstCommit);
        Assert.True(readAtFirstCommit <= ChunkSize * (ChunksPerCommit + 1), $"{readAtFirstCommit} bytes were read before the first commit.");
        Assert.True(stream.LargestRead <= ChunkSize, $"A read asked for {stream.LargestRead} bytes.");
    }

    [Fact]
    public async Task Content_that_does_not_match_its_hash_is_rejected_and_its_chunks_removed()
    {
        var content = RandomBytes(40_000);
        var wrong = BlobHash.Compute(RandomBytes(10));

        await Assert.ThrowsAsync<InvalidDataException>(async () => await blobs.PutAsync(wrong, new MemoryStream(content)));

        Assert.False(await blobs.ExistsAsync(wrong));
        Assert.Empty(await data.EntriesAsync(DataStoreBlobStore.ChunkSubspace));
        Assert.Empty(await data.EntriesAsync(DataStoreBlobStore.PendingSubspace));
        Assert.Empty(await data.EntriesAsync(DataStoreBlobStore.MetaSubspace));
    }

    [Fact]
    public async Task A_cancelled_put_removes_what_it_wrote()
    {
        var content = RandomBytes(40_000);
        using var cancellation = new CancellationTokenSource();
        var stream = new CountingStream(content, afterBytes: 20_000, onReached: () =>
        {
            cancellation.Cancel();
            return Task.CompletedTask;
        });

        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await blobs.PutAsync(BlobHash.Compute(content), stream, cancellation.Token));

        Assert.True(stream.BytesRead >= 20_000, "The put was cancelled before it wrote anything.");
        Assert.Empty(await data.EntriesAsync(DataStoreBlobStore.ChunkSubspace));
        Assert.Empty(await data.EntriesAsync(DataStoreBlobStore.PendingSubspace));
        Assert.Empty(await data.EntriesAsync(DataStoreBlobStore.MetaSubspace));
    }

    [Fact]
    public async Task Putting_a_blob_that_exists_returns_without_reading_the_content()
    {
        var content = RandomBytes(5000);
        var hash = await PutAsync(content);
        data.Clear();

        await blobs.PutAsync(hash, new CountingStream(content, afterBytes: 0, onReached: () => throw new InvalidOperationException("The content was read.")));

        Assert.Empty(data.Commits);
        Assert.Equal(content, await blobs.ReadRangeAsync(hash, 0, int.MaxValue));
    }

    [Fact]
    public async Task A_delete_removes_the_metadata_and_every_chunk()
    {
        var kept = RandomBytes(3500);
        var keptHash = await PutAsync(kept);
        var hash = await PutAsync(RandomBytes(10_500));

        Assert.True(await blobs.DeleteAsync(hash));

        Assert.Equal([keptHash.Bytes.ToArray()], (await data.EntriesAsync(DataStoreBlobStore.MetaSubspace)).Select(entry => entry.Key));
        var chunks = await data.EntriesAsync(DataStoreBlobStore.ChunkSubspace);
        Assert.Equal(4, chunks.Count);
        Assert.All(chunks, chunk => Assert.True(chunk.Key.AsSpan(0, BlobHash.Size).SequenceEqual(keptHash.Bytes)));
        Assert.Equal(kept, await blobs.ReadRangeAsync(keptHash, 0, int.MaxValue));
    }

    [Fact]
    public async Task Of_many_concurrent_deletes_of_one_blob_exactly_one_reports_it_existed()
    {
        var hash = await PutAsync(RandomBytes(10_500));
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

        var deletes = Enumerable.Range(0, 16).Select(_ => Task.Run(async () =>
        {
            await gate.Task;
            return await blobs.DeleteAsync(hash);
        })).ToArray();
        gate.SetResult();

        Assert.Single(await Task.WhenAll(deletes), existed => existed);
        Assert.Empty(await data.EntriesAsync(DataStoreBlobStore.ChunkSubspace));
    }

    [Fact]
    public async Task A_put_whose_chunks_a_concurrent_delete_removed_fails_instead_of_leaving_a_torn_blob()
    {
        var content = RandomBytes(40_000);
        var hash = BlobHash.Compute(content);

        // Once the slow put has committed its first 16 chunks, another caller puts the same blob whole and deletes
        // it, which removes those chunks too.
        var stream = new CountingStream(content, afterBytes: 20_000, onReached: async () =>
        {
            await blobs.PutAsync(hash, new MemoryStream(content));
            Assert.True(await blobs.DeleteAsync(hash));
        });

        await Assert.ThrowsAsync<StoreUnavailableException>(async () => await blobs.PutAsync(hash, stream));

        Assert.False(await blobs.ExistsAsync(hash));
        await blobs.PutAsync(hash, new MemoryStream(content));
        Assert.Equal(content, await blobs.ReadRangeAsync(hash, 0, int.MaxValue));
    }

    [Fact]
    public async Task Deletes_racing_puts_of_the_same_blob_leave_it_whole_or_gone()
    {
        var content = RandomBytes(40_000);
        var hash = BlobHash.Compute(content);

        // The memory store completes every call at once; yielding before each commit lets the racers interleave.
        data.BeforeCommit = async _ =>
        {
            await Task.Yield();
            return null;
        };
        for (var round = 0; round < 100; round++)
        {
            if (round % 2 == 0)
            {
                await blobs.PutAsync(hash, new MemoryStream(content));
            }

            var puts = Enumerable.Range(0, 3).Select(_ => Task.Run(async () =>
            {
                try
                {
                    await blobs.PutAsync(hash, new CountingStream(content, yieldEachRead: true));
                }
                catch (StoreUnavailableException)
                {
                    // Allowed: nothing is visible and the caller puts again.
                }
            })).ToArray();

            // Deleting all along catches the moment one put has completed while another is still writing.
            var all = Task.WhenAll(puts);
            while (!all.IsCompleted)
            {
                await blobs.DeleteAsync(hash);
                await Task.Yield();
            }

            await all;
            if (await blobs.ExistsAsync(hash))
            {
                Assert.Equal(content, await blobs.ReadRangeAsync(hash, 0, int.MaxValue));
            }
        }
    }

    [Fact]
    public async Task Orphan_chunks_are_removed_while_blobs_and_recent_puts_are_left_alone()
    {
        var kept = RandomBytes(3500);
        var keptHash = await PutAsync(kept);

        // A put that stopped after writing its chunks, an hour and a half ago.
        var crashed = BlobHash.Compute(RandomBytes(10));
        await WriteChunksAsync(crashed, 3, marker: clock.GetUtcNow() - TimeSpan.FromMinutes(90));

        // Chunks whose put left no marker at all.
        var unmarked = BlobHash.Compute(RandomBytes(10));
        await WriteChunksAsync(unmarked, 2, marker: null);

        // A put in progress, started a minute ago.
        var inProgress = BlobHash.Compute(RandomBytes(10));
        await WriteChunksAsync(inProgress, 4, marker: clock.GetUtcNow() - TimeSpan.FromMinutes(1));

        Assert.Equal(5, await blobs.RemoveOrphanChunksAsync());

        var left = await data.EntriesAsync(DataStoreBlobStore.ChunkSubspace);
        Assert.Equal(4, left.Count(chunk => chunk.Key.AsSpan(0, BlobHash.Size).SequenceEqual(keptHash.Bytes)));
        Assert.Equal(4, left.Count(chunk => chunk.Key.AsSpan(0, BlobHash.Size).SequenceEqual(inProgress.Bytes)));
        Assert.Equal(8, left.Count);
        Assert.Single(await data.EntriesAsync(DataStoreBlobStore.PendingSubspace));
        Assert.Equal(kept, await blobs.ReadRangeAsync(keptHash, 0, int.MaxValue));

        // Once the put in progress is older than the grace period it counts as abandoned too.
        clock.Advance(TimeSpan.FromHours(2));
        Assert.Equal(4, await blobs.RemoveOrphanChunksAsync());
        Assert.Equal(4, (await data.EntriesAsync(DataStoreBlobStore.ChunkSubspace)).Count);
        Assert.Empty(await data.EntriesAsync(DataStoreBlobStore.PendingSubspace));

        // With nothing left to protect, the guards the removals set are cleared too.
        Assert.Empty(await data.EntriesAsync(DataStoreBlobStore.GuardSubspace));
        Assert.Equal(0, await blobs.RemoveOrphanChunksAsync());
    }

    [Fact]
    public async Task A_put_whose_chunks_were_swept_as_abandoned_fails_instead_of_leaving_a_torn_blob()
    {
        var content = RandomBytes(40_000);
        var hash = BlobHash.Compute(content);
        var stream = new CountingStream(content, afterBytes: 20_000, onReached: async () =>
        {
            clock.Advance(TimeSpan.FromHours(2));
            Assert.Equal(16, await blobs.RemoveOrphanChunksAsync());
        });

        await Assert.ThrowsAsync<StoreUnavailableException>(async () => await blobs.PutAsync(hash, stream));

        Assert.False(await blobs.ExistsAsync(hash));
    }

    [Fact]
    public async Task Listing_returns_every_stored_blob_and_nothing_in_progress()
    {
        var hashes = new List<BlobHash>();
        for (var i = 0; i < 5; i++)
        {
            hashes.Add(await PutAsync(RandomBytes(1500 + i)));
        }

        await WriteChunksAsync(BlobHash.Compute(RandomBytes(10)), 2, marker: clock.GetUtcNow());
        Assert.True(await blobs.DeleteAsync(hashes[2]));
        hashes.RemoveAt(2);

        var listed = new List<BlobHash>();
        await foreach (var hash in blobs.ListAsync())
        {
            listed.Add(hash);
        }

        Assert.Equal(hashes.Select(hash => hash.ToString()).Order(StringComparer.Ordinal), listed.Select(hash => hash.ToString()));
    }

    private static byte[] RandomBytes(int length)
    {
        var bytes = new byte[length];
        Random.Shared.NextBytes(bytes);
        return bytes;
    }

    private static byte[] ChunkKey(BlobHash hash, uint index)
    {
        var key = new byte[BlobHash.Size + 4];
        hash.Bytes.CopyTo(key);
        BinaryPrimitives.WriteUInt32BigEndian(key.AsSpan(BlobHash.Size), index);
        return key;
    }

    private List<byte[]> ChunkGets()
        => [.. data.Gets.Where(get => get.Subspace == DataStoreBlobStore.ChunkSubspace).Select(get => get.Key)];

    private async Task<BlobHash> PutAsync(byte[] content)
    {
        var hash = BlobHash.Compute(content);
        await blobs.PutAsync(hash, new MemoryStream(content));
        return hash;
    }

    // What a put leaves behind when its process stops before the metadata is written.
    private async Task WriteChunksAsync(BlobHash hash, uint count, DateTimeOffset? marker)
    {
        var batch = new WriteBatch();
        for (uint i = 0; i < count; i++)
        {
            batch.Set(DataStoreBlobStore.ChunkSubspace, ChunkKey(hash, i), RandomBytes(ChunkSize));
        }

        if (marker is { } started)
        {
            var value = new byte[8];
            BinaryPrimitives.WriteInt64BigEndian(value, started.ToUnixTimeMilliseconds());
            batch.Set(DataStoreBlobStore.PendingSubspace, [.. hash.Bytes, .. Guid.NewGuid().ToByteArray()], value);
        }

        Assert.Equal(CommitResult.Committed, await data.Inner.CommitAsync(batch));
    }

    /// <summary>A memory store that accepts smaller values than usual.</summary>
    private sealed class SmallValueStore(int maxValueSize) : IDataStore
    {
        private readonly MemoryDataStore inner = new();

        public int MaxKeySize => inner.MaxKeySize;

        public int MaxValueSize => maxValueSize;

        public ValueTask<byte[]?> GetAsync(string subspace, ReadOnlyMemory<byte> key, CancellationToken cancellationToken = default)
            => inner.GetAsync(subspace, key, cancellationToken);

        public IAsyncEnumerable<KeyValueEntry> ScanAsync(string subspace, KeyRange range, CancellationToken cancellationToken = default)
            => inner.ScanAsync(subspace, range, cancellationToken);

        public ValueTask<CommitResult> CommitAsync(WriteBatch batch, CancellationToken cancellationToken = default)
            => inner.CommitAsync(batch, cancellationToken);

        public ValueTask<long> IncrementAsync(string subspace, ReadOnlyMemory<byte> key, long delta, CancellationToken cancellationToken = default)
            => inner.IncrementAsync(subspace, key, delta, cancellationToken);
    }

    /// <summary>
    /// A forward-only stream over some bytes that counts what was read and can run a step once a given number of
    /// bytes has been handed out, to stage a race at an exact point of a put.
    /// </summary>
    private sealed class CountingStream(byte[] content, long afterBytes = -1, Func<Task>? onReached = null, bool yieldEachRead = false) : Stream
    {
        private int position;
        private bool reached;

        public long BytesRead => position;

        public int LargestRead { get; private set; }

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position
        {
            get => throw new NotSupportedException();
            set => throw new NotSupportedException();
        }

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            if (yieldEachRead)
            {
                await Task.Yield();
            }

            if (!reached && afterBytes >= 0 && position >= afterBytes && onReached is not null)
            {
                reached = true;
                await onReached();
            }

            cancellationToken.ThrowIfCancellationRequested();
            LargestRead = Math.Max(LargestRead, buffer.Length);
            var count = Math.Min(buffer.Length, content.Length - position);
            content.AsMemory(position, count).CopyTo(buffer);
            position += count;
            return count;
        }

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
            => ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException("Read asynchronously.");

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
