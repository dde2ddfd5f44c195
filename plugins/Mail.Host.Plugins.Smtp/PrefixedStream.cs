namespace Mail.Host.Plugins.Smtp;

/// <summary>A read-only stream of a few bytes (a header added on receipt) followed by another stream.</summary>
internal sealed class PrefixedStream(byte[] prefix, Stream rest) : Stream
{
    private int offset;

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => prefix.Length + rest.Length;

    public override long Position
    {
        get => offset + (offset == prefix.Length ? rest.Position : 0);
        set => throw new NotSupportedException();
    }

    public override int Read(byte[] buffer, int index, int count) => Read(buffer.AsSpan(index, count));

    public override int Read(Span<byte> buffer)
    {
        if (offset < prefix.Length)
        {
            var take = Math.Min(buffer.Length, prefix.Length - offset);
            prefix.AsSpan(offset, take).CopyTo(buffer);
            offset += take;
            return take;
        }

        return rest.Read(buffer);
    }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        if (offset < prefix.Length)
        {
            return Read(buffer.Span);
        }

        return await rest.ReadAsync(buffer, cancellationToken).ConfigureAwait(false);
    }

    public override Task<int> ReadAsync(byte[] buffer, int index, int count, CancellationToken cancellationToken)
        => ReadAsync(buffer.AsMemory(index, count), cancellationToken).AsTask();

    public override void Flush()
    {
    }

    public override long Seek(long position, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int index, int count) => throw new NotSupportedException();
}
