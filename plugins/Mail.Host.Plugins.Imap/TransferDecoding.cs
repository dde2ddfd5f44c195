namespace Mail.Host.Plugins.Imap;

/// <summary>Decodes a part body for BINARY (RFC 3516): base64, quoted-printable, or identity encodings.</summary>
internal static class TransferDecoding
{
    /// <summary>The decoded bytes, or null for an encoding this server does not know.</summary>
    public static byte[]? Decode(string? encoding, byte[] data)
    {
        switch (encoding?.ToLowerInvariant())
        {
            case null or "" or "7bit" or "8bit" or "binary":
                return data;
            case "base64":
                return Base64(data);
            case "quoted-printable":
                return QuotedPrintable(data);
            default:
                return null;
        }
    }

    private static byte[] Base64(byte[] data)
    {
        var clean = new List<byte>(data.Length);
        foreach (var b in data)
        {
            if (b is >= (byte)'A' and <= (byte)'Z' or >= (byte)'a' and <= (byte)'z' or >= (byte)'0' and <= (byte)'9' or (byte)'+' or (byte)'/')
            {
                clean.Add(b);
            }
        }

        while (clean.Count % 4 != 0)
        {
            if (clean.Count % 4 == 1)
            {
                clean.RemoveAt(clean.Count - 1);
                continue;
            }

            clean.Add((byte)'=');
        }

        var output = new byte[clean.Count / 4 * 3];
        return System.Buffers.Text.Base64.DecodeFromUtf8(clean.ToArray(), output, out _, out var written) == System.Buffers.OperationStatus.Done
            ? output[..written]
            : [];
    }

    private static byte[] QuotedPrintable(byte[] data)
    {
        var output = new List<byte>(data.Length);
        for (var i = 0; i < data.Length; i++)
        {
            var b = data[i];
            if (b is (byte)' ' or (byte)'\t')
            {
                // Whitespace at the end of a line was added in transport and is removed (RFC 2045 §6.7 rule 3).
                var end = i;
                while (end < data.Length && data[end] is (byte)' ' or (byte)'\t')
                {
                    end++;
                }

                if (end == data.Length || data[end] == (byte)'\n' || (data[end] == (byte)'\r' && end + 1 < data.Length && data[end + 1] == (byte)'\n'))
                {
                    i = end - 1;
                    continue;
                }

                output.AddRange(data.AsSpan(i, end - i));
                i = end - 1;
                continue;
            }

            if (b != (byte)'=')
            {
                output.Add(b);
                continue;
            }

            if (i + 2 < data.Length && Hex(data[i + 1]) is { } high && Hex(data[i + 2]) is { } low)
            {
                output.Add((byte)((high << 4) | low));
                i += 2;
                continue;
            }

            // A soft line break: '=' then optional spaces then CRLF or LF.
            var j = i + 1;
            while (j < data.Length && data[j] is (byte)' ' or (byte)'\t')
            {
                j++;
            }

            if (j < data.Length && data[j] == (byte)'\r')
            {
                j++;
            }

            if (j < data.Length && data[j] == (byte)'\n')
            {
                i = j;
                continue;
            }

            if (j >= data.Length)
            {
                i = j;
                continue;
            }

            output.Add(b);
        }

        return [.. output];
    }

    private static int? Hex(byte b) => b switch
    {
        >= (byte)'0' and <= (byte)'9' => b - '0',
        >= (byte)'A' and <= (byte)'F' => b - 'A' + 10,
        >= (byte)'a' and <= (byte)'f' => b - 'a' + 10,
        _ => null,
    };
}
