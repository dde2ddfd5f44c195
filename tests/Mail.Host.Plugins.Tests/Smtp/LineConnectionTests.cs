using Xunit;
using System.Text;
using Mail.Host.Protocols.Sdk;

namespace Mail.Host.Plugins.Tests.Smtp;

public sealed class LineConnectionTests
{
    [Fact]
    public async Task Lines_are_read_with_their_endings_flagged_and_over_long_lines_discarded()
    {
        var input = "EHLO a\r\nNOOP\n" + new string('x', 3000) + "\r\nRSET\r\nBAD\rCR\r\npartial";
        await using var connection = new LineConnection(new ChunkedReadStream(Encoding.ASCII.GetBytes(input), 7));

        var first = await connection.ReadLineAsync(100);
        Assert.Equal((LineReadStatus.Line, "EHLO a", true), (first.Status, Encoding.ASCII.GetString(first.Line), first.EndedWithCrLf));
        var second = await connection.ReadLineAsync(100);
        Assert.Equal((LineReadStatus.Line, "NOOP", false), (second.Status, Encoding.ASCII.GetString(second.Line), second.EndedWithCrLf));
        Assert.Equal(LineReadStatus.TooLong, (await connection.ReadLineAsync(100)).Status);
        Assert.Equal("RSET", Encoding.ASCII.GetString((await connection.ReadLineAsync(100)).Line));
        Assert.True((await connection.ReadLineAsync(100)).HasBareCr);
        Assert.Equal(LineReadStatus.Closed, (await connection.ReadLineAsync(100)).Status);
    }

    private sealed class ChunkedReadStream(byte[] data, int chunk) : Stream
    {
        private int position;

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => true;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override void Flush()
        {
        }

        public override int Read(byte[] buffer, int offset, int count)
        {
            var n = Math.Min(Math.Min(count, chunk), data.Length - position);
            Array.Copy(data, position, buffer, offset, n);
            position += n;
            return n;
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count)
        {
        }
    }
}
