using System.Buffers;

namespace Mail.Host.Plugins.Smtp;

/// <summary>
/// Decodes the DATA phase (RFC 5321 §4.5.2): removes dot-stuffing and finds the end of data, which is only
/// CRLF "." CRLF. A bare CR or a bare LF is passed through, never taken as a line ending or an end of data, and is
/// reported through <see cref="SawBareLineEnding"/> so that the session can refuse the message (§2.3.8).
/// </summary>
internal sealed class DataDecoder
{
    private static readonly byte[] CrLf = "\r\n"u8.ToArray();
    private static readonly byte[] Cr = "\r"u8.ToArray();
    private static readonly byte[] Lf = "\n"u8.ToArray();
    private State state = State.LineStart;

    private enum State
    {
        LineStart,
        Middle,
        Cr,
        Dot,
        DotCr,
    }

    public bool SawBareLineEnding { get; private set; }

    /// <summary>Decodes input; returns true once the end of data was found, with <paramref name="consumed"/> just past it.</summary>
    public bool Decode(ReadOnlySequence<byte> input, Action<ReadOnlySpan<byte>> sink, out SequencePosition consumed)
    {
        var offset = 0L;
        foreach (var segment in input)
        {
            if (Decode(segment.Span, sink, out var used))
            {
                consumed = input.GetPosition(offset + used);
                return true;
            }

            offset += segment.Length;
        }

        consumed = input.End;
        return false;
    }

    /// <summary>Decodes a span; returns true once the end of data was found, with <paramref name="consumed"/> bytes used.</summary>
    public bool Decode(ReadOnlySpan<byte> input, Action<ReadOnlySpan<byte>> sink, out int consumed)
    {
        var i = 0;
        while (i < input.Length)
        {
            switch (state)
            {
                case State.Middle:
                    var k = input[i..].IndexOfAny((byte)'\r', (byte)'\n');
                    if (k < 0)
                    {
                        sink(input[i..]);
                        i = input.Length;
                        break;
                    }

                    if (k > 0)
                    {
                        sink(input.Slice(i, k));
                    }

                    i += k;
                    if (input[i] == (byte)'\r')
                    {
                        state = State.Cr;
                    }
                    else
                    {
                        SawBareLineEnding = true;
                        sink(Lf);
                    }

                    i++;
                    break;
                case State.LineStart:
                    if (input[i] == (byte)'.')
                    {
                        state = State.Dot;
                        i++;
                    }
                    else
                    {
                        state = State.Middle;
                    }

                    break;
                case State.Cr:
                    if (input[i] == (byte)'\n')
                    {
                        sink(CrLf);
                        state = State.LineStart;
                        i++;
                    }
                    else
                    {
                        SawBareLineEnding = true;
                        sink(Cr);
                        state = State.Middle;
                    }

                    break;
                case State.Dot:
                    if (input[i] == (byte)'\r')
                    {
                        state = State.DotCr;
                        i++;
                    }
                    else
                    {
                        // A leading dot followed by more of the line is stuffing: it is removed.
                        state = State.Middle;
                    }

                    break;
                case State.DotCr:
                    if (input[i] == (byte)'\n')
                    {
                        consumed = i + 1;
                        state = State.LineStart;
                        return true;
                    }

                    state = State.Cr;
                    break;
            }
        }

        consumed = input.Length;
        return false;
    }
}
