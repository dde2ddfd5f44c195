using Mail.Host.Storage;

namespace Mail.Host.Engine.Storage;

/// <summary>
/// A read-only, seekable view of one blob written by <see cref="DataStoreBlobStore"/>. It holds one chunk at a time
/// and fetches the next when a read reaches it, so a 50 MB message never sits in memory whole. Reads are
/// asynchronous only, because the data store's are.
/// </summary>
internal sealed class DataStoreBlobReadStream : Stream
{
    private readonly IDataStore store;
    private readonly BlobHash hash;
    private readonly byte[] hashKey;
    private readonly long length;
    private readonly int chunkSize;
    private long position;
    private byte[]? chunk;
    private long chunkIndex = -1;
    private bool disposed;

    /// <summary>Creates the view.</summary>
    /// <param name="store">The data store holding the chunks.</param>
    /// <param name="hash">The blob.</param>
    /// <param name="length">The blob's length, from its metadata.</param>
    /// <param name="chunkSize">The chunk size the blob was written with.</param>
    public DataStoreBlobReadStream(IDataStore store, BlobHash hash, long length, int chunkSize)
    {
        this.store = store;
        this.hash = hash;
        hashKey = hash.Bytes.ToArray();
        this.length = length;
        this.chunkSize = chunkSize;
    }

    /// <summary>How many chunks the stream has fetched so far.</summary>
    internal int ChunksFetched { get; private set; }

    public override bool CanRead => !disposed;

    public override bool CanSeek => !disposed;

    public override bool CanWrite => false;

    public override long Length
    {
        get
        {
            ObjectDisposedException.ThrowIf(disposed, this);
            return length;
        }
    }

    public override long Position
    {
        get
        {
            ObjectDisposedException.ThrowIf(disposed, this);
            return position;
        }

        set
        {
            ObjectDisposedException.ThrowIf(disposed, this);
            ArgumentOutOfRangeException.ThrowIfNegative(value);
            position = value;
        }
    }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(disposed, this);
        if (buffer.IsEmpty || position >= length)
        {
            return 0;
        }

        var index = position / chunkSize;
        if (index != chunkIndex)
        {
            // Dropped first, so that a failed fetch does not leave the previous chunk standing in for this one.
            chunk = null;
            chunkIndex = -1;
            var fetched = await store.GetAsync(DataStoreBlobStore.ChunkSubspace, DataStoreBlobStore.ChunkKey(hashKey, (uint)index), cancellationToken).ConfigureAwait(false)
                ?? throw new IOException($"Chunk {index} of blob {hash} is gone: the blob was deleted while it was being read.");
            var expected = Math.Min(chunkSize, length - (index * chunkSize));
            if (fetched.Length != expected)
            {
                throw new InvalidDataException($"Chunk {index} of blob {hash} holds {fetched.Length} bytes where {expected} were expected.");
            }

            chunk = fetched;
            chunkIndex = index;
            ChunksFetched++;
        }

        var offset = (int)(position - (index * chunkSize));
        var count = Math.Min(buffer.Length, chunk!.Length - offset);
        chunk.AsSpan(offset, count).CopyTo(buffer.Span);
        position += count;
        return count;
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
    {
        ValidateBufferArguments(buffer, offset, count);
        return ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();
    }

    public override int Read(byte[] buffer, int offset, int count) => throw SynchronousRead();

    public override int Read(Span<byte> buffer) => throw SynchronousRead();

    public override int ReadByte() => throw SynchronousRead();

    public override long Seek(long offset, SeekOrigin origin)
    {
        ObjectDisposedException.ThrowIf(disposed, this);
        var target = origin switch
        {
            SeekOrigin.Begin => offset,
            SeekOrigin.Current => position + offset,
            SeekOrigin.End => length + offset,
            _ => throw new ArgumentOutOfRangeException(nameof(origin)),
        };
        if (target < 0)
        {
            throw new IOException("Cannot seek before the start of the blob.");
        }

        position = target;
        return position;
    }

    public override void Flush()
    {
    }

    public override void SetLength(long value) => throw new NotSupportedException("A blob cannot be changed.");

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException("A blob cannot be changed.");

    protected override void Dispose(bool disposing)
    {
        disposed = true;
        chunk = null;
        base.Dispose(disposing);
    }

    private static NotSupportedException SynchronousRead()
        => new("A blob stored in a data store is read asynchronously only (ReadAsync, CopyToAsync).");
}
