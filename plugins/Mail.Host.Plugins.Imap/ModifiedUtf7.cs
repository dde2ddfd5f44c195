using System.Text;

namespace Mail.Host.Plugins.Imap;

/// <summary>The modified UTF-7 of IMAP mailbox names (RFC 3501 §5.1.3).</summary>
internal static class ModifiedUtf7
{
    private const string Alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+,";

    /// <summary>Encodes a name: printable ASCII stays, <c>&amp;</c> becomes <c>&amp;-</c>, the rest is base64 of UTF-16.</summary>
    public static string Encode(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        var output = new StringBuilder(name.Length + 8);
        var index = 0;
        while (index < name.Length)
        {
            var c = name[index];
            if (c is >= ' ' and <= '~')
            {
                output.Append(c == '&' ? "&-" : c.ToString());
                index++;
                continue;
            }

            var start = index;
            while (index < name.Length && name[index] is < ' ' or > '~')
            {
                index++;
            }

            var bytes = Encoding.BigEndianUnicode.GetBytes(name, start, index - start);
            output.Append('&');
            var bits = 0;
            var buffer = 0;
            foreach (var b in bytes)
            {
                buffer = (buffer << 8) | b;
                bits += 8;
                while (bits >= 6)
                {
                    bits -= 6;
                    output.Append(Alphabet[(buffer >> bits) & 0x3F]);
                }
            }

            if (bits > 0)
            {
                output.Append(Alphabet[(buffer << (6 - bits)) & 0x3F]);
            }

            output.Append('-');
        }

        return output.ToString();
    }

    /// <summary>Decodes a name; false when it is not valid modified UTF-7.</summary>
    public static bool TryDecode(string encoded, out string name)
    {
        ArgumentNullException.ThrowIfNull(encoded);
        name = string.Empty;
        var output = new StringBuilder(encoded.Length);
        var index = 0;
        while (index < encoded.Length)
        {
            var c = encoded[index];
            if (c is < ' ' or > '~')
            {
                return false;
            }

            if (c != '&')
            {
                output.Append(c);
                index++;
                continue;
            }

            var end = encoded.IndexOf('-', index + 1);
            if (end < 0)
            {
                return false;
            }

            if (end == index + 1)
            {
                output.Append('&');
                index = end + 1;
                continue;
            }

            var bytes = new List<byte>();
            var bits = 0;
            var buffer = 0;
            for (var i = index + 1; i < end; i++)
            {
                var value = Alphabet.IndexOf(encoded[i], StringComparison.Ordinal);
                if (value < 0)
                {
                    return false;
                }

                buffer = ((buffer << 6) | value) & 0xFFFFFF;
                bits += 6;
                if (bits >= 8)
                {
                    bits -= 8;
                    bytes.Add((byte)(buffer >> bits));
                }
            }

            // Leftover bits must be zero padding, and the bytes whole UTF-16 units.
            if (bits >= 6 || (buffer & ((1 << bits) - 1)) != 0 || bytes.Count % 2 != 0)
            {
                return false;
            }

            string text;
            try
            {
                text = new UnicodeEncoding(bigEndian: true, byteOrderMark: false, throwOnInvalidBytes: true).GetString([.. bytes]);
            }
            catch (ArgumentException)
            {
                return false;
            }

            // Printable ASCII must not be encoded, and two encoded runs must not touch.
            foreach (var ch in text)
            {
                if (ch is >= ' ' and <= '~')
                {
                    return false;
                }
            }

            output.Append(text);
            index = end + 1;
            if (index < encoded.Length && encoded[index] == '&' && index + 1 < encoded.Length && encoded[index + 1] != '-')
            {
                return false;
            }
        }

        name = output.ToString();
        return true;
    }
}
