using System.Globalization;
using System.Text;

namespace Mail.Host.Plugins.Imap;

/// <summary>
/// Reads the arguments of one command (RFC 9051 §9): atoms, quoted strings, literals, lists. Every method throws
/// <see cref="ImapParseException"/> on text that does not fit, which the session answers with BAD.
/// </summary>
internal sealed class ImapParser(ImapCommand command)
{
    private static readonly UTF8Encoding StrictUtf8 = new(false, true);
    private int lineIndex;
    private int position;

    private ReadOnlySpan<byte> Line => command.Lines[lineIndex];

    /// <summary>True at the end of the command.</summary>
    public bool AtEnd => lineIndex == command.Lines.Count - 1 && position >= Line.Length;

    /// <summary>The next byte, or 0 at the end of a line.</summary>
    public byte Peek() => position < Line.Length ? Line[position] : (byte)0;

    /// <summary>The byte after the next one, or 0 past the end of a line.</summary>
    public byte PeekNext() => position + 1 < Line.Length ? Line[position + 1] : (byte)0;

    public static bool IsValidTag(string tag)
    {
        if (tag.Length == 0)
        {
            return false;
        }

        foreach (var c in tag)
        {
            if (c is <= ' ' or > '~' or '(' or ')' or '{' or '%' or '*' or '"' or '\\' or '+')
            {
                return false;
            }
        }

        return true;
    }

    public void ExpectEnd()
    {
        if (!AtEnd)
        {
            throw new ImapParseException("Unexpected characters at the end of the command");
        }
    }

    public void ExpectSpace()
    {
        if (Peek() != (byte)' ')
        {
            throw new ImapParseException(AtEnd ? "Missing arguments" : "Expected a space");
        }

        position++;
    }

    /// <summary>Consumes a space when one follows.</summary>
    public bool TrySpace()
    {
        if (Peek() == (byte)' ' && position < Line.Length)
        {
            position++;
            return true;
        }

        return false;
    }

    public bool TryChar(char c)
    {
        if (position < Line.Length && Line[position] == (byte)c)
        {
            position++;
            return true;
        }

        return false;
    }

    public void Expect(char c)
    {
        if (!TryChar(c))
        {
            throw new ImapParseException($"Expected '{c}'");
        }
    }

    /// <summary>
    /// Reads an atom: up to a space, parenthesis, quote or the end. Inside square brackets spaces and parentheses are
    /// part of it (<c>BODY[HEADER.FIELDS (FROM TO)]&lt;0.10&gt;</c>).
    /// </summary>
    public string ReadAtom()
    {
        var line = Line;
        var start = position;
        var depth = 0;
        while (position < line.Length)
        {
            var b = line[position];
            if (b == (byte)'[')
            {
                depth++;
            }
            else if (b == (byte)']')
            {
                if (depth == 0)
                {
                    break;
                }

                depth--;
            }
            else if (depth == 0 && (b is (byte)' ' or (byte)'(' or (byte)')' or (byte)'"' or (byte)'{' or < 0x20 or 0x7F))
            {
                break;
            }
            else if (depth > 0 && b is < 0x20 or 0x7F)
            {
                break;
            }

            position++;
        }

        if (depth != 0)
        {
            throw new ImapParseException("Unbalanced brackets");
        }

        if (position == start)
        {
            throw new ImapParseException(AtEnd ? "Missing arguments" : "Expected an atom");
        }

        return Encoding.UTF8.GetString(line[start..position]);
    }

    /// <summary>Reads a string that may be an atom, a quoted string or a literal (astring), as UTF-8 text.</summary>
    public string ReadAString()
    {
        if (PeekString())
        {
            return Decode(ReadStringBytes());
        }

        return ReadAStringAtom();
    }

    /// <summary>
    /// True when a quoted string or a literal starts here: <c>"</c>, <c>{</c>, or <c>~{</c> (a <c>~</c> alone starts an
    /// atom such as <c>~foo</c>).
    /// </summary>
    public bool PeekString()
    {
        var b = Peek();
        return b is (byte)'"' or (byte)'{'
            || (b == (byte)'~' && position + 1 < Line.Length && Line[position + 1] == (byte)'{');
    }

    /// <summary>
    /// Reads the atom form of an astring or list-mailbox (RFC 9051 §9: ASTRING-CHAR, list-wildcards): up to a space,
    /// parenthesis, quote, <c>{</c> or control character; brackets are ordinary characters here.
    /// </summary>
    public string ReadAStringAtom()
    {
        var line = Line;
        var start = position;
        while (position < line.Length && line[position] is not ((byte)' ' or (byte)'(' or (byte)')' or (byte)'"' or (byte)'{' or < 0x20 or 0x7F))
        {
            position++;
        }

        if (position == start)
        {
            throw new ImapParseException(AtEnd ? "Missing arguments" : "Expected an atom");
        }

        return Encoding.UTF8.GetString(line[start..position]);
    }

    /// <summary>Reads a quoted string or a literal (string) as bytes.</summary>
    public byte[] ReadStringBytes()
    {
        var b = Peek();
        if (b == (byte)'"')
        {
            return ReadQuoted();
        }

        if (PeekString())
        {
            return ReadLiteral(out _);
        }

        throw new ImapParseException("Expected a string");
    }

    public string? ReadNString()
    {
        if (IsNil())
        {
            ReadAtom();
            return null;
        }

        return Decode(ReadStringBytes());
    }

    public bool IsNil()
    {
        var line = Line;
        return position + 3 <= line.Length && Ascii.EqualsIgnoreCase(line.Slice(position, 3), "NIL"u8)
            && (position + 3 == line.Length || line[position + 3] is (byte)' ' or (byte)')');
    }

    /// <summary>Reads a literal; <paramref name="binary"/> tells whether it was a <c>~{n}</c> literal8.</summary>
    public byte[] ReadLiteral(out bool binary)
    {
        binary = TryChar('~');
        if (!ImapCommandReader.TryLiteral(Line[position..], out _, out _) || Peek() != (byte)'{')
        {
            throw new ImapParseException("Expected a literal at the end of the line");
        }

        if (lineIndex >= command.Literals.Count)
        {
            throw new ImapParseException("Missing literal data");
        }

        var literal = command.Literals[lineIndex];
        lineIndex++;
        position = 0;
        return literal;
    }

    public bool PeekLiteral() => Peek() is (byte)'{' or (byte)'~';

    public uint ReadNumber()
    {
        var atom = ReadAtom();
        if (atom.Length > 10 || !uint.TryParse(atom, NumberStyles.None, CultureInfo.InvariantCulture, out var value))
        {
            throw new ImapParseException($"'{atom}' is not a number");
        }

        return value;
    }

    public ulong ReadNumber64()
    {
        var atom = ReadAtom();
        if (atom.Length > 20 || !ulong.TryParse(atom, NumberStyles.None, CultureInfo.InvariantCulture, out var value))
        {
            throw new ImapParseException($"'{atom}' is not a number");
        }

        return value;
    }

    /// <summary>Reads a parenthesized list, calling <paramref name="item"/> for each element.</summary>
    public void ReadList(Action item)
    {
        Expect('(');
        if (TryChar(')'))
        {
            return;
        }

        while (true)
        {
            item();
            if (TryChar(')'))
            {
                return;
            }

            ExpectSpace();
        }
    }

    /// <summary>Reads a flag list <c>(\Seen $Label)</c> or a single flag.</summary>
    public List<string> ReadFlags()
    {
        var flags = new List<string>();
        if (Peek() == (byte)'(')
        {
            ReadList(() => flags.Add(ReadAtom()));
        }
        else
        {
            flags.Add(ReadAtom());
        }

        return flags;
    }

    /// <summary>The rest of the current line, for diagnostics.</summary>
    public string Rest() => Encoding.UTF8.GetString(Line[Math.Min(position, Line.Length)..]);

    private byte[] ReadQuoted()
    {
        Expect('"');
        var line = Line;
        var bytes = new List<byte>();
        while (position < line.Length)
        {
            var b = line[position++];
            if (b == (byte)'"')
            {
                return [.. bytes];
            }

            if (b == (byte)'\\')
            {
                if (position >= line.Length || line[position] is not ((byte)'"' or (byte)'\\'))
                {
                    throw new ImapParseException("Invalid escape in a quoted string");
                }

                b = line[position++];
            }
            else if (b is 0 or (byte)'\r' or (byte)'\n')
            {
                throw new ImapParseException("Invalid character in a quoted string");
            }

            bytes.Add(b);
        }

        throw new ImapParseException("Unterminated quoted string");
    }

    private static string Decode(byte[] bytes)
    {
        try
        {
            return StrictUtf8.GetString(bytes);
        }
        catch (DecoderFallbackException)
        {
            throw new ImapParseException("A string is not valid UTF-8");
        }
    }
}
