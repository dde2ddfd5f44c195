namespace Mail.Host.Plugins.SqlStore;

/// <summary>Reads a blob chunk by chunk, fetching the next chunk row only when the previous one is used up.</summary>
/// <param name="first">Chunk 0, already read.</param>
/// <param name="readChunk">Reads a chunk by number; <see langword="null"/> past the last one.</param>
internal sealed class SqlBlobReadStream(byte[] first, Func<int, ValueTask<byte[]?>> readChunk) : Stream
{
    private byte[]? current = first;
    private int position;
    private int next = 1;
    private long total;

    /// <inheritdoc />
    public override bool CanRead => true;

    /// <inheritdoc />
    public override bool CanSeek => false;

    /// <inheritdoc />
    public override bool CanWrite => false;

    /// <inheritdoc />
    public override long Length => throw new NotSupportedException();

    /// <inheritdoc />
    public override long Position
    {
        get => total;
        set => throw new NotSupportedException();
    }

    /// <inheritdoc />
    public override int Read(byte[] buffer, int offset, int count) => ReadAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();

    /// <inheritdoc />
    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
        => ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    /// <inheritdoc />
    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        while (current is not null && position == current.Length)
        {
            // A chunk shorter than the chunk size is the last one.
            if (current.Length < SqlBlobStore.ChunkSize)
            {
                current = null;
                break;
            }

            cancellationToken.ThrowIfCancellationRequested();
            current = await readChunk(next++).ConfigureAwait(false);
            position = 0;
        }

        if (current is null || buffer.IsEmpty)
        {
            return 0;
        }

        var count = Math.Min(buffer.Length, current.Length - position);
        current.AsMemory(position, count).CopyTo(buffer);
        position += count;
        total += count;
        return count;
    }

    /// <inheritdoc />
    public override void Flush()
    {
    }

    /// <inheritdoc />
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    /// <inheritdoc />
    public override void SetLength(long value) => throw new NotSupportedException();

    /// <inheritdoc />
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}
