using Xunit;
using System.Text;
using Mail.Host.Plugins.Smtp;

namespace Mail.Host.Plugins.Tests.Smtp;

public sealed class DataDecoderTests
{
    [Theory]
    [InlineData("Subject: a\r\n\r\nbody\r\n.\r\n", "Subject: a\r\n\r\nbody\r\n", false)]
    [InlineData(".\r\n", "", false)]
    [InlineData("..x\r\n.y\r\n.\r\n", ".x\r\ny\r\n", false)]
    [InlineData("a\n.\nb\r\n.\r\n", "a\n.\nb\r\n", true)]
    [InlineData("a\r.\rb\r\n.\r\n", "a\r.\rb\r\n", true)]
    [InlineData("a\r.\nb\r\n.\r\n", "a\r.\nb\r\n", true)]
    [InlineData("a\n.\r\nb\r\n.\r\n", "a\n.\r\nb\r\n", true)]
    [InlineData("a\r\n.\r\r\n.\r\n", "a\r\n\r\r\n", true)]
    public void Only_crlf_dot_crlf_ends_the_data(string input, string expected, bool bare)
    {
        foreach (var split in new[] { 1, 2, 3, 1000 })
        {
            var decoder = new DataDecoder();
            var output = new List<byte>();
            var bytes = Encoding.ASCII.GetBytes(input + "QUIT\r\n");
            var ended = false;
            var position = 0;
            while (!ended && position < bytes.Length)
            {
                var piece = bytes.AsSpan(position, Math.Min(split, bytes.Length - position));
                ended = decoder.Decode(piece, s => output.AddRange(s), out var consumed);
                position += consumed;
            }

            Assert.True(ended);
            Assert.Equal(expected, Encoding.ASCII.GetString([.. output]));
            Assert.Equal(bare, decoder.SawBareLineEnding);
            Assert.Equal("QUIT\r\n", Encoding.ASCII.GetString(bytes[position..]));
        }
    }

    [Theory]
    [InlineData("body\n.\n")]
    [InlineData("body\r.\r")]
    [InlineData("body\r.\n")]
    [InlineData("body\n.\r\n")]
    public void A_bare_line_ending_before_a_dot_is_never_the_end(string input)
    {
        var decoder = new DataDecoder();
        Assert.False(decoder.Decode(Encoding.ASCII.GetBytes(input), _ => { }, out var consumed));
        Assert.Equal(input.Length, consumed);
        Assert.True(decoder.SawBareLineEnding);
    }
}
