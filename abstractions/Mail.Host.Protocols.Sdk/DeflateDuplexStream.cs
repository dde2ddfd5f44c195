using System.IO.Compression;

namespace Mail.Host.Protocols.Sdk;

/// <summary>
/// A connection's transport with DEFLATE compression (RFC 1951, no zlib or gzip framing) in both directions, as
/// IMAP's COMPRESS=DEFLATE (RFC 4978) uses it. Every flush ends with a sync flush, so the peer can decode everything
/// written so far without waiting for more.
/// </summary>
internal sealed class DeflateDuplexStream : Stream
{
    private readonly Stream inner;
    private readonly DeflateStream inflater;
    private readonly DeflateStream deflater;

    /// <summary>Starts compression over a transport.</summary>
    /// <param name="inner">The transport (a socket stream or TLS over it); disposed with this stream.</param>
    /// <param name="early">Compressed bytes already read from the transport before compression started.</param>
    public DeflateDuplexStream(Stream inner, ReadOnlyMemory<byte> early)
    {
        this.inner = inner;
        inflater = new DeflateStream(early.IsEmpty ? inner : new PrefixedStream(early, inner), CompressionMode.Decompress, leaveOpen: true);

        // The fastest level: mail text still shrinks to about a third, for a fraction of the CPU of the default.
        deflater = new DeflateStream(inner, CompressionLevel.Fastest, leaveOpen: true);
    }

    /// <inheritdoc />
    public override bool CanRead => true;

    /// <inheritdoc />
    public override bool CanSeek => false;

    /// <inheritdoc />
    public override bool CanWrite => true;

    /// <inheritdoc />
    public override long Length => throw new NotSupportedException();

    /// <inheritdoc />
    public override long Position
    {
        get => throw new NotSupportedException();
        set => throw new NotSupportedException();
    }

    /// <inheritdoc />
    public override int Read(byte[] buffer, int offset, int count)
    {
        try
        {
            return inflater.Read(buffer, offset, count);
        }
        catch (InvalidDataException ex)
        {
            throw NotDeflate(ex);
        }
    }

    /// <inheritdoc />
    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        try
        {
            return await inflater.ReadAsync(buffer, cancellationToken).ConfigureAwait(false);
        }
        catch (InvalidDataException ex)
        {
            throw NotDeflate(ex);
        }
    }

    /// <inheritdoc />
    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
        => ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    /// <inheritdoc />
    public override void Write(byte[] buffer, int offset, int count) => deflater.Write(buffer, offset, count);

    /// <inheritdoc />
    public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        => deflater.WriteAsync(buffer, cancellationToken);

    /// <inheritdoc />
    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
        => deflater.WriteAsync(buffer, offset, count, cancellationToken);

    /// <inheritdoc />
    public override void Flush()
    {
        deflater.Flush();
        inner.Flush();
    }

    /// <inheritdoc />
    public override async Task FlushAsync(CancellationToken cancellationToken)
    {
        await deflater.FlushAsync(cancellationToken).ConfigureAwait(false);
        await inner.FlushAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    /// <inheritdoc />
    public override void SetLength(long value) => throw new NotSupportedException();

    /// <inheritdoc />
    public override async ValueTask DisposeAsync()
    {
        try
        {
            await deflater.DisposeAsync().ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is IOException or ObjectDisposedException or NotSupportedException)
        {
            // The peer is gone; the final block has nowhere to go.
        }

        await inflater.DisposeAsync().ConfigureAwait(false);
        await inner.DisposeAsync().ConfigureAwait(false);
        await base.DisposeAsync().ConfigureAwait(false);
    }

    /// <inheritdoc />
    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            try
            {
                deflater.Dispose();
            }
            catch (Exception ex) when (ex is IOException or ObjectDisposedException or NotSupportedException)
            {
                // As in DisposeAsync.
            }

            inflater.Dispose();
            inner.Dispose();
        }

        base.Dispose(disposing);
    }

    // Broken compressed input ends the session like a broken connection does, not as a server fault.
    private static IOException NotDeflate(InvalidDataException ex) => new("The peer sent data that is not valid DEFLATE.", ex);

    /// <summary>Bytes read ahead, then the rest of a transport: read only.</summary>
    private sealed class PrefixedStream(ReadOnlyMemory<byte> prefix, Stream rest) : Stream
    {
        private ReadOnlyMemory<byte> prefix = prefix;

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
            if (prefix.IsEmpty)
            {
                return rest.Read(buffer);
            }

            var count = Math.Min(buffer.Length, prefix.Length);
            prefix.Span[..count].CopyTo(buffer);
            prefix = prefix[count..];
            return count;
        }

        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
            => prefix.IsEmpty ? rest.ReadAsync(buffer, cancellationToken) : ValueTask.FromResult(Read(buffer.Span));

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
            => ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
