using System.Text;

namespace Mail.Host.ImapTest;

/// <summary>Decodes IMAP's modified UTF-7 mailbox names (RFC 3501 section 5.1.3), for <c>$mailbox_url</c>.</summary>
internal static class ModifiedUtf7
{
    public static string Decode(string name)
    {
        var output = new StringBuilder(name.Length);
        for (var i = 0; i < name.Length; i++)
        {
            if (name[i] != '&')
            {
                output.Append(name[i]);
                continue;
            }

            var end = name.IndexOf('-', i + 1);
            if (end < 0)
            {
                output.Append(name[i..]);
                break;
            }

            if (end == i + 1)
            {
                output.Append('&');
            }
            else
            {
                var base64 = name[(i + 1)..end].Replace(',', '/');
                base64 = base64.PadRight((base64.Length + 3) / 4 * 4, '=');
                try
                {
                    output.Append(Encoding.BigEndianUnicode.GetString(Convert.FromBase64String(base64)));
                }
                catch (FormatException)
                {
                    output.Append(name[i..(end + 1)]);
                }
            }

            i = end;
        }

        return output.ToString();
    }
}
