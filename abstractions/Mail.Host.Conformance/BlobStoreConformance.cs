using Mail.Host.Storage;
using Xunit;

namespace Mail.Host.Conformance;

/// <summary>
/// The behaviour every <see cref="IBlobStore"/> must show. A backend's test class inherits this class and opens a
/// fresh, empty store instance in <see cref="OpenStoreAsync"/>; every test then runs against that instance.
/// </summary>
public abstract class BlobStoreConformance : IAsyncLifetime
{
    private const int SmallSize = 1000;

    private IStoreInstance? instance;

    /// <summary>The blob role of the instance opened for the current test.</summary>
    protected IBlobStore Store
        => instance?.Blob ?? throw new InvalidOperationException("The store is opened by InitializeAsync before each test.");

    /// <summary>
    /// Opens a new, empty store instance that serves the blob role. Called once per test; the instance is disposed
    /// after the test. A server-backed store creates a new bucket, container or database here.
    /// </summary>
    /// <returns>The open instance.</returns>
    protected abstract ValueTask<IStoreInstance> OpenStoreAsync();

    /// <summary>Opens the store for the next test.</summary>
    /// <returns>A task that completes when the store is open.</returns>
    public virtual async Task InitializeAsync()
    {
        instance = await OpenStoreAsync().ConfigureAwait(false);
        Assert.True(instance.Blob is not null, "OpenStoreAsync must return an instance that serves the blob role.");
    }

    /// <summary>Disposes the store opened for the test.</summary>
    /// <returns>A task that completes when the store is closed.</returns>
    public virtual async Task DisposeAsync()
    {
        if (instance is not null)
        {
            await instance.DisposeAsync().ConfigureAwait(false);
            instance = null;
        }
    }

    /// <summary>A stored blob reads back byte for byte and exists.</summary>
    /// <returns>A task that completes with the test.</returns>
    [Fact]
    public async Task A_put_blob_reads_back_byte_for_byte()
    {
        var content = RandomBytes(SmallSize);
        var hash = await PutAsync(content);

        Assert.True(await Store.ExistsAsync(hash));
        Assert.Equal(content, await ReadWholeAsync(hash));
    }

    /// <summary>A blob that was never stored cannot be opened.</summary>
    /// <returns>A task that completes with the test.</returns>
    [Fact]
    public async Task A_missing_blob_opens_as_null()
        => Assert.Null(await Store.OpenReadAsync(MissingHash()));

    /// <summary>A blob that was never stored has no byte range.</summary>
    /// <returns>A task that completes with the test.</returns>
    [Fact]
    public async Task A_missing_blob_reads_a_range_as_null()
        => Assert.Null(await Store.ReadRangeAsync(MissingHash(), 0, 10));

    /// <summary>A blob that was never stored does not exist.</summary>
    /// <returns>A task that completes with the test.</returns>
    [Fact]
    public async Task A_missing_blob_does_not_exist()
        => Assert.False(await Store.ExistsAsync(MissingHash()));

    /// <summary>Deleting a blob that was never stored reports that it did not exist.</summary>
    /// <returns>A task that completes with the test.</returns>
    [Fact]
    public async Task Deleting_a_missing_blob_returns_false()
        => Assert.False(await Store.DeleteAsync(MissingHash()));

    /// <summary>Storing the same blob twice keeps one intact copy.</summary>
    /// <returns>A task that completes with the test.</returns>
    [Fact]
    public async Task Putting_the_same_blob_twice_is_harmless()
    {
        var content = RandomBytes(SmallSize);
        var hash = await PutAsync(content);
        await Store.PutAsync(hash, new MemoryStream(content));

        Assert.Equal(content, await ReadWholeAsync(hash));
        Assert.True(await Store.DeleteAsync(hash));
        Assert.False(await Store.ExistsAsync(hash));
    }

    /// <summary>A blob of zero bytes is a blob like any other.</summary>
    /// <returns>A task that completes with the test.</returns>
    [Fact]
    public async Task An_empty_blob_round_trips()
    {
        var hash = await PutAsync([]);

        Assert.True(await Store.ExistsAsync(hash));
        Assert.Empty(await ReadWholeAsync(hash));
        var range = await Store.ReadRangeAsync(hash, 0, 10);
        Assert.NotNull(range);
        Assert.Empty(range);
    }

    /// <summary>A blob of several mebibytes reads back byte for byte, whole and by range.</summary>
    /// <returns>A task that completes with the test.</returns>
    [Fact]
    public async Task A_large_blob_round_trips_byte_for_byte()
    {
        var content = RandomBytes((5 * 1024 * 1024) + 1234);
        var hash = await PutAsync(content);

        AssertSameBytes(content, await ReadWholeAsync(hash), "the large blob read whole");
        var offset = (4 * 1024 * 1024) - 333;
        AssertSameBytes(content[offset..(offset + 100_000)], await Store.ReadRangeAsync(hash, offset, 100_000), "a range across the middle of the large blob");
    }

    /// <summary>The content stream may be non-seekable and hand out small pieces; the whole of it is stored.</summary>
    /// <returns>A task that completes with the test.</returns>
    [Fact]
    public async Task A_non_seekable_stream_that_returns_small_pieces_is_stored_whole()
    {
        var content = RandomBytes(100_000);
        var hash = BlobHash.Compute(content);
        using (var stream = new TrickleStream(content, 777))
        {
            await Store.PutAsync(hash, stream);
        }

        Assert.Equal(content, await ReadWholeAsync(hash));
    }

    /// <summary>A range at the start of a blob holds its first bytes.</summary>
    /// <returns>A task that completes with the test.</returns>
    [Fact]
    public async Task A_range_at_the_start_returns_the_first_bytes()
    {
        var content = RandomBytes(SmallSize);
        var hash = await PutAsync(content);

        Assert.Equal(content[..100], await Store.ReadRangeAsync(hash, 0, 100));
    }

    /// <summary>A range in the middle of a blob holds exactly those bytes.</summary>
    /// <returns>A task that completes with the test.</returns>
    [Fact]
    public async Task A_range_in_the_middle_returns_exactly_those_bytes()
    {
        var content = RandomBytes(SmallSize);
        var hash = await PutAsync(content);

        Assert.Equal(content[317..(317 + 250)], await Store.ReadRangeAsync(hash, 317, 250));
    }

    /// <summary>A range of one byte at the end holds the last byte.</summary>
    /// <returns>A task that completes with the test.</returns>
    [Fact]
    public async Task A_range_of_the_last_byte_returns_it()
    {
        var content = RandomBytes(SmallSize);
        var hash = await PutAsync(content);

        Assert.Equal(content[^1..], await Store.ReadRangeAsync(hash, SmallSize - 1, 1));
    }

    /// <summary>A range that runs past the end holds the bytes up to the end.</summary>
    /// <returns>A task that completes with the test.</returns>
    [Fact]
    public async Task A_range_running_past_the_end_returns_the_bytes_up_to_the_end()
    {
        var content = RandomBytes(SmallSize);
        var hash = await PutAsync(content);

        Assert.Equal(content[900..], await Store.ReadRangeAsync(hash, 900, 500));
        Assert.Equal(content, await Store.ReadRangeAsync(hash, 0, int.MaxValue));
    }

    /// <summary>A range that starts exactly at the end holds no bytes, and is not <see langword="null"/>.</summary>
    /// <returns>A task that completes with the test.</returns>
    [Fact]
    public async Task A_range_starting_at_the_end_returns_no_bytes()
    {
        var hash = await PutAsync(RandomBytes(SmallSize));

        var range = await Store.ReadRangeAsync(hash, SmallSize, 10);
        Assert.NotNull(range);
        Assert.Empty(range);
    }

    /// <summary>A range that starts past the end holds no bytes, and is not <see langword="null"/>.</summary>
    /// <returns>A task that completes with the test.</returns>
    [Fact]
    public async Task A_range_starting_past_the_end_returns_no_bytes()
    {
        var hash = await PutAsync(RandomBytes(SmallSize));

        var range = await Store.ReadRangeAsync(hash, SmallSize + 5000, 10);
        Assert.NotNull(range);
        Assert.Empty(range);
    }

    /// <summary>A range of zero bytes holds no bytes, and is not <see langword="null"/>.</summary>
    /// <returns>A task that completes with the test.</returns>
    [Fact]
    public async Task A_range_of_zero_length_returns_no_bytes()
    {
        var hash = await PutAsync(RandomBytes(SmallSize));

        var range = await Store.ReadRangeAsync(hash, 10, 0);
        Assert.NotNull(range);
        Assert.Empty(range);
    }

    /// <summary>After a delete the blob is gone for every operation, and a second delete finds nothing.</summary>
    /// <returns>A task that completes with the test.</returns>
    [Fact]
    public async Task A_deleted_blob_is_gone()
    {
        var hash = await PutAsync(RandomBytes(SmallSize));

        Assert.True(await Store.DeleteAsync(hash));

        Assert.False(await Store.ExistsAsync(hash));
        Assert.Null(await Store.OpenReadAsync(hash));
        Assert.Null(await Store.ReadRangeAsync(hash, 0, 10));
        Assert.False(await Store.DeleteAsync(hash));
    }

    /// <summary>Deleting one blob leaves the others alone.</summary>
    /// <returns>A task that completes with the test.</returns>
    [Fact]
    public async Task Deleting_a_blob_leaves_other_blobs()
    {
        var kept = RandomBytes(SmallSize);
        var keptHash = await PutAsync(kept);
        var deletedHash = await PutAsync(RandomBytes(SmallSize));

        Assert.True(await Store.DeleteAsync(deletedHash));

        Assert.Equal(kept, await ReadWholeAsync(keptHash));
    }

    /// <summary>A deleted blob can be stored again.</summary>
    /// <returns>A task that completes with the test.</returns>
    [Fact]
    public async Task A_deleted_blob_can_be_put_again()
    {
        var content = RandomBytes(SmallSize);
        var hash = await PutAsync(content);
        Assert.True(await Store.DeleteAsync(hash));

        await Store.PutAsync(hash, new MemoryStream(content));

        Assert.Equal(content, await ReadWholeAsync(hash));
    }

    /// <summary>Many tasks storing the same blob at once leave one intact blob.</summary>
    /// <returns>A task that completes with the test.</returns>
    [Fact]
    public async Task Concurrent_puts_of_the_same_blob_leave_one_intact_blob()
    {
        var content = RandomBytes(1024 * 1024);
        var hash = BlobHash.Compute(content);

        await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => Task.Run(async () =>
            await Store.PutAsync(hash, new TrickleStream(content, 64 * 1024)).ConfigureAwait(false))));

        AssertSameBytes(content, await ReadWholeAsync(hash), "the blob put concurrently");
        Assert.True(await Store.DeleteAsync(hash));
        Assert.False(await Store.ExistsAsync(hash));
    }

    /// <summary>Many tasks storing different blobs at once store every one of them.</summary>
    /// <returns>A task that completes with the test.</returns>
    [Fact]
    public async Task Concurrent_puts_of_different_blobs_store_them_all()
    {
        var contents = Enumerable.Range(0, 16).Select(i => RandomBytes(10_000 + i)).ToArray();

        await Task.WhenAll(contents.Select(content => Task.Run(async () =>
            await Store.PutAsync(BlobHash.Compute(content), new MemoryStream(content)).ConfigureAwait(false))));

        foreach (var content in contents)
        {
            Assert.Equal(content, await ReadWholeAsync(BlobHash.Compute(content)));
        }
    }

    /// <summary>
    /// Content that does not match its hash is either stored as given (a store need not check) or rejected with
    /// <see cref="InvalidDataException"/>, storing nothing.
    /// </summary>
    /// <returns>A task that completes with the test.</returns>
    [Fact]
    public async Task Content_that_does_not_match_its_hash_is_stored_as_given_or_rejected_with_nothing_stored()
    {
        var content = RandomBytes(SmallSize);
        var wrongHash = BlobHash.Compute(RandomBytes(SmallSize));

        try
        {
            await Store.PutAsync(wrongHash, new MemoryStream(content));
        }
        catch (InvalidDataException)
        {
            Assert.False(await Store.ExistsAsync(wrongHash), "A rejected put must store nothing under the hash given.");
            Assert.Null(await Store.OpenReadAsync(wrongHash));
            Assert.False(await Store.ExistsAsync(BlobHash.Compute(content)), "A rejected put must store nothing under the content's own hash either.");
            return;
        }

        Assert.Equal(content, await ReadWholeAsync(wrongHash));
    }

    /// <summary>A put cancelled while the content is being read never leaves a partial blob visible.</summary>
    /// <returns>A task that completes with the test.</returns>
    [Fact]
    public async Task A_put_cancelled_part_way_never_leaves_a_partial_blob()
    {
        var content = RandomBytes(256 * 1024);
        var hash = BlobHash.Compute(content);
        using var cancellation = new CancellationTokenSource();
        using var stream = new TrickleStream(content, 8 * 1024, cancelAfter: 64 * 1024, cancellation);

        try
        {
            await Store.PutAsync(hash, stream, cancellation.Token);
        }
        catch (OperationCanceledException)
        {
            // A store may have made the blob durable before it noticed the cancellation; only a partial blob is wrong.
            var stored = await Store.OpenReadAsync(hash);
            if (stored is not null)
            {
                await stored.DisposeAsync();
                AssertSameBytes(content, await ReadWholeAsync(hash), "the blob of a cancelled put");
            }

            return;
        }

        Assert.Equal(content, await ReadWholeAsync(hash));
    }

    /// <summary>Random bytes, so that tests never collide on a hash.</summary>
    /// <param name="length">The number of bytes.</param>
    /// <returns>The bytes.</returns>
    protected static byte[] RandomBytes(int length)
    {
        var bytes = new byte[length];
        Random.Shared.NextBytes(bytes);
        return bytes;
    }

    /// <summary>Compares bytes without dumping megabytes into the failure message.</summary>
    private static void AssertSameBytes(byte[] expected, byte[]? actual, string what)
    {
        Assert.True(actual is not null, $"Expected bytes for {what}, got null.");
        Assert.True(expected.Length == actual.Length, $"Expected {expected.Length} bytes for {what}, got {actual.Length}.");
        var mismatch = expected.AsSpan().CommonPrefixLength(actual);
        Assert.True(mismatch == expected.Length, $"The bytes of {what} differ from offset {mismatch} on.");
    }

    private static BlobHash MissingHash() => BlobHash.Compute(RandomBytes(64));

    private async Task<BlobHash> PutAsync(byte[] content)
    {
        var hash = BlobHash.Compute(content);
        await Store.PutAsync(hash, new MemoryStream(content));
        return hash;
    }

    private async Task<byte[]> ReadWholeAsync(BlobHash hash)
    {
        var stream = await Store.OpenReadAsync(hash);
        Assert.True(stream is not null, $"Blob {hash} should exist.");
        await using (stream.ConfigureAwait(false))
        {
            using var copy = new MemoryStream();
            await stream.CopyToAsync(copy);
            return copy.ToArray();
        }
    }

    /// <summary>
    /// A forward-only stream that hands out at most a few bytes per read, as network streams do, and can cancel a
    /// token part way through to simulate a caller giving up.
    /// </summary>
    private sealed class TrickleStream(byte[] content, int pieceSize, int cancelAfter = -1, CancellationTokenSource? cancellation = null) : Stream
    {
        private int position;

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position
        {
            get => throw new NotSupportedException();
            set => throw new NotSupportedException();
        }

        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

        public override int Read(Span<byte> buffer)
        {
            if (cancelAfter >= 0 && position >= cancelAfter)
            {
                cancellation?.Cancel();
            }

            var count = Math.Min(Math.Min(buffer.Length, pieceSize), content.Length - position);
            content.AsSpan(position, count).CopyTo(buffer);
            position += count;
            return count;
        }

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
            => ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            // Yielding makes concurrent writers interleave instead of each finishing in one synchronous run.
            await Task.Yield();
            var count = Read(buffer.Span);
            cancellationToken.ThrowIfCancellationRequested();
            return count;
        }

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
