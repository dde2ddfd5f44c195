using System.Buffers;
using Mail.Host.Protocols.Sdk;

namespace Mail.Host.Plugins.Imap;

/// <summary>
/// Reads commands from the connection's pipe, with their literals: a synchronizing literal is invited with a
/// continuation only when it is within the limit, so an oversized one is refused before any of it is sent.
/// </summary>
internal sealed class ImapCommandReader(LineConnection connection, ImapListenerOptions options, long appendLimit)
{
    public const int LiteralMinusLimit = 4096;

    /// <summary>Held by whoever writes to the connection while a command may be being read (NOTIFY).</summary>
    public SemaphoreSlim OutputLock { get; } = new(1, 1);

    public async ValueTask<(ImapReadStatus Status, ImapCommand? Command, string Tag)> ReadAsync(CancellationToken cancellationToken)
    {
        var lines = new List<byte[]>(1);
        var literals = new List<byte[]>();
        var line = await connection.ReadLineAsync(options.MaxLineLength, cancellationToken).ConfigureAwait(false);
        switch (line.Status)
        {
            case LineReadStatus.Closed:
                return (ImapReadStatus.Closed, null, "*");
            case LineReadStatus.TooLong:
                return (ImapReadStatus.LineTooLong, null, "*");
        }

        lines.Add(line.Line);
        var tag = TagOf(line.Line);
        var limit = IsAppend(line.Line) ? appendLimit : options.MaxLiteralSize;
        long total = 0;
        while (TryLiteral(lines[^1], out var size, out var nonSync))
        {
            if (size > limit || total + size > 4 * (long)Math.Max(limit, options.MaxLiteralSize))
            {
                if (!nonSync)
                {
                    return (ImapReadStatus.LiteralTooBig, null, tag);
                }

                await SkipCommandAsync(size, cancellationToken).ConfigureAwait(false);
                return (ImapReadStatus.NonSyncLiteralTooBig, null, tag);
            }

            if (!nonSync)
            {
                // NOTIFY may be writing while a command is read: the output is taken in turn.
                await OutputLock.WaitAsync(cancellationToken).ConfigureAwait(false);
                try
                {
                    connection.WriteLine("+ Ready for literal data");
                    await connection.FlushAsync(cancellationToken).ConfigureAwait(false);
                }
                finally
                {
                    OutputLock.Release();
                }
            }

            literals.Add(await ReadBytesAsync((int)size, cancellationToken).ConfigureAwait(false));
            total += size;
            line = await connection.ReadLineAsync(options.MaxLineLength, cancellationToken).ConfigureAwait(false);
            switch (line.Status)
            {
                case LineReadStatus.Closed:
                    return (ImapReadStatus.Closed, null, tag);
                case LineReadStatus.TooLong:
                    return (ImapReadStatus.LineTooLong, null, tag);
            }

            lines.Add(line.Line);
        }

        return (ImapReadStatus.Command, new ImapCommand(lines, literals), tag);
    }

    /// <summary>Reads one raw line (an AUTHENTICATE response); null when the client closed.</summary>
    public async ValueTask<byte[]?> ReadRawLineAsync(CancellationToken cancellationToken)
    {
        var line = await connection.ReadLineAsync(options.MaxLineLength, cancellationToken).ConfigureAwait(false);
        return line.Status switch
        {
            LineReadStatus.Line => line.Line,
            LineReadStatus.TooLong => [],
            _ => null,
        };
    }

    /// <summary>Finds a literal announcement (<c>{n}</c>, <c>{n+}</c>, <c>~{n}</c>) at the end of a line.</summary>
    public static bool TryLiteral(ReadOnlySpan<byte> line, out long size, out bool nonSync)
    {
        size = 0;
        nonSync = false;
        if (line.Length < 3 || line[^1] != (byte)'}')
        {
            return false;
        }

        var open = line.LastIndexOf((byte)'{');
        if (open < 0)
        {
            return false;
        }

        var digits = line[(open + 1)..^1];
        if (digits.Length > 0 && digits[^1] == (byte)'+')
        {
            nonSync = true;
            digits = digits[..^1];
        }

        if (digits.Length is 0 or > 18)
        {
            return false;
        }

        foreach (var d in digits)
        {
            if (d is < (byte)'0' or > (byte)'9')
            {
                return false;
            }

            size = (size * 10) + (d - '0');
        }

        return true;
    }

    private static string TagOf(byte[] line)
    {
        var space = Array.IndexOf(line, (byte)' ');
        var tag = System.Text.Encoding.ASCII.GetString(line, 0, space < 0 ? Math.Min(line.Length, 64) : Math.Min(space, 64));
        return ImapParser.IsValidTag(tag) ? tag : "*";
    }

    private static bool IsAppend(byte[] line)
    {
        var span = line.AsSpan();
        var first = span.IndexOf((byte)' ');
        if (first < 0)
        {
            return false;
        }

        var rest = span[(first + 1)..];
        if (rest.Length > 4 && System.Text.Ascii.EqualsIgnoreCase(rest[..4], "UID "u8))
        {
            rest = rest[4..];
        }

        return (rest.Length > 7 && System.Text.Ascii.EqualsIgnoreCase(rest[..7], "APPEND "u8))
            || (rest.Length > 8 && System.Text.Ascii.EqualsIgnoreCase(rest[..8], "REPLACE "u8));
    }

    private async ValueTask<byte[]> ReadBytesAsync(int size, CancellationToken cancellationToken)
    {
        var bytes = GC.AllocateUninitializedArray<byte>(size);
        var filled = 0;
        while (filled < size)
        {
            var result = await connection.ReadAsync(cancellationToken).ConfigureAwait(false);
            var buffer = result.Buffer;
            var take = (int)Math.Min(buffer.Length, size - filled);
            buffer.Slice(0, take).CopyTo(bytes.AsSpan(filled));
            filled += take;
            connection.Input.AdvanceTo(buffer.GetPosition(take));
            if (take == 0 && result.IsCompleted)
            {
                throw new IOException("The client closed the connection inside a literal.");
            }
        }

        return bytes;
    }

    private async ValueTask SkipCommandAsync(long size, CancellationToken cancellationToken)
    {
        while (true)
        {
            while (size > 0)
            {
                var result = await connection.ReadAsync(cancellationToken).ConfigureAwait(false);
                var buffer = result.Buffer;
                var take = Math.Min(buffer.Length, size);
                size -= take;
                connection.Input.AdvanceTo(buffer.GetPosition(take));
                if (take == 0 && result.IsCompleted)
                {
                    throw new IOException("The client closed the connection inside a literal.");
                }
            }

            var line = await connection.ReadLineAsync(options.MaxLineLength, cancellationToken).ConfigureAwait(false);
            if (line.Status == LineReadStatus.Closed)
            {
                throw new IOException("The client closed the connection inside a command.");
            }

            if (line.Status != LineReadStatus.Line || !TryLiteral(line.Line, out size, out var nonSync) || !nonSync)
            {
                return;
            }
        }
    }
}
