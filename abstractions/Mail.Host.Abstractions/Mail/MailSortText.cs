using System.Text;

namespace Mail.Host.Mail;

/// <summary>
/// The forms of text that sorting and threading compare (RFC 5256): the base subject and the <c>i;ascii-casemap</c>
/// upper case. IMAP SORT and THREAD, JMAP sorts and the engine use these same functions so that they order alike.
/// </summary>
public static class MailSortText
{
    /// <summary>RFC 5256 §2.1's base subject in upper case (see <see cref="BaseSubject(string?, out bool)"/>).</summary>
    /// <param name="subject">The decoded subject, or null.</param>
    /// <returns>The base subject.</returns>
    public static string BaseSubject(string? subject) => BaseSubject(subject, out _);

    /// <summary>
    /// RFC 5256 §2.1's base subject, in upper case for the i;ascii-casemap comparison: whitespace collapsed, then
    /// <c>(fwd)</c> trailers, <c>Re:</c>/<c>Fw:</c>/<c>Fwd:</c> leaders with their <c>[blob]</c>s, a leading
    /// <c>[blob]</c> that does not leave the subject empty, and a <c>[Fwd: …]</c> wrapper removed until nothing changes.
    /// <paramref name="isReplyOrForward"/> tells whether a reply or forward marker was removed.
    /// </summary>
    public static string BaseSubject(string? subject, out bool isReplyOrForward)
    {
        isReplyOrForward = false;
        var text = CollapseSpaces(subject ?? string.Empty);
        while (true)
        {
            // (2) Trailers: "(fwd)" and white space at the end.
            while (true)
            {
                var trimmed = text.TrimEnd();
                if (trimmed.EndsWith("(fwd)", StringComparison.OrdinalIgnoreCase))
                {
                    trimmed = trimmed[..^5];
                    isReplyOrForward = true;
                }

                if (trimmed.Length == text.Length)
                {
                    break;
                }

                text = trimmed;
            }

            // (3, 4) Leaders: white space, *blob "re"/"fw"/"fwd" [blob] ":", or a blob that leaves something.
            while (true)
            {
                var before = text;
                text = text.TrimStart();
                var position = 0;
                while (SkipBlob(text, ref position))
                {
                }

                var refwd = position;
                if (SkipReFwd(text, ref refwd))
                {
                    text = text[refwd..];
                    isReplyOrForward = true;
                }
                else if (text.StartsWith('['))
                {
                    var blobEnd = 0;
                    if (SkipBlob(text, ref blobEnd) && text[blobEnd..].Trim().Length > 0)
                    {
                        text = text[blobEnd..];
                    }
                }

                if (text == before)
                {
                    break;
                }
            }

            // (5) A "[fwd:" ... "]" wrapper.
            if (text.StartsWith("[fwd:", StringComparison.OrdinalIgnoreCase) && text.EndsWith(']'))
            {
                text = text[5..^1];
                isReplyOrForward = true;
                continue;
            }

            return AsciiUpper(text.Trim());
        }

        static bool SkipBlob(string text, ref int position)
        {
            if (position >= text.Length || text[position] != '[')
            {
                return false;
            }

            var end = position + 1;
            while (end < text.Length && text[end] is not ('[' or ']'))
            {
                end++;
            }

            if (end >= text.Length || text[end] != ']')
            {
                return false;
            }

            end++;
            while (end < text.Length && text[end] == ' ')
            {
                end++;
            }

            position = end;
            return true;
        }

        static bool SkipReFwd(string text, ref int position)
        {
            var rest = text.AsSpan(position);
            int length;
            if (rest.StartsWith("re", StringComparison.OrdinalIgnoreCase))
            {
                length = 2;
            }
            else if (rest.StartsWith("fwd", StringComparison.OrdinalIgnoreCase))
            {
                length = 3;
            }
            else if (rest.StartsWith("fw", StringComparison.OrdinalIgnoreCase))
            {
                length = 2;
            }
            else
            {
                return false;
            }

            var end = position + length;
            while (end < text.Length && text[end] == ' ')
            {
                end++;
            }

            SkipBlob(text, ref end);
            if (end >= text.Length || text[end] != ':')
            {
                return false;
            }

            position = end + 1;
            return true;
        }
    }

    private static string CollapseSpaces(string text)
    {
        var builder = new StringBuilder(text.Length);
        var space = false;
        foreach (var c in text)
        {
            if (c is ' ' or '\t' or '\r' or '\n')
            {
                space = true;
                continue;
            }

            if (space && builder.Length > 0)
            {
                builder.Append(' ');
            }

            space = false;
            builder.Append(c);
        }

        return builder.ToString();
    }

    /// <summary>i;ascii-casemap (RFC 4790 §9.2), the collation RFC 5256 sorts with: a to z in upper case, every other character as it is.</summary>
    /// <param name="text">The text.</param>
    /// <returns>The text with a-z mapped to A-Z.</returns>
    public static string AsciiUpper(string text)
        => string.Create(text.Length, text, static (span, source) =>
        {
            for (var i = 0; i < source.Length; i++)
            {
                var c = source[i];
                span[i] = c is >= 'a' and <= 'z' ? (char)(c - 32) : c;
            }
        });
}
