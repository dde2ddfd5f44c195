using System.Globalization;
using System.Text;

namespace Mail.Host.ImapTest;

/// <summary>
/// The messages of an mbox file, handed out in order and wrapping around at the end. Each message is the text between
/// its "From " line and the next, bare LFs turned into CRLF; its internal date comes from the "From " line
/// (<c>From sender Fri Feb 22 17:06:23 2008 [+zone]</c>), so arrival order tests see the dates the script expects.
/// </summary>
internal sealed class MboxSource
{
    private readonly List<(string Message, string? InternalDate)> messages = [];
    private int next;

    public MboxSource(string path)
    {
        var text = File.Exists(path) ? Encoding.Latin1.GetString(File.ReadAllBytes(path)) : "";
        StringBuilder? current = null;
        string? date = null;
        foreach (var raw in text.Split('\n'))
        {
            if (raw.StartsWith("From ", StringComparison.Ordinal))
            {
                if (current is not null)
                {
                    messages.Add((current.ToString(), date));
                }

                current = new StringBuilder();
                date = InternalDate(raw.TrimEnd('\r'));
                continue;
            }

            current?.Append(raw.TrimEnd('\r')).Append("\r\n");
        }

        if (current is not null)
        {
            // The file's final newline is not an empty line of the last message.
            var last = current.ToString();
            if (text.EndsWith('\n') && last.EndsWith("\r\n\r\n", StringComparison.Ordinal))
            {
                last = last[..^2];
            }

            messages.Add((last, date));
        }
    }

    public int Count => messages.Count;

    public bool AtEnd => next >= messages.Count;

    /// <summary>The next message (wrapping around); null when the file holds none.</summary>
    public (string Message, string? InternalDate)? Next()
    {
        if (messages.Count == 0)
        {
            return null;
        }

        var message = messages[next % messages.Count];
        next++;
        return message;
    }

    private static string? InternalDate(string fromLine)
    {
        // From sender  Www Mmm dd hh:mm:ss yyyy [+zzzz]
        var parts = fromLine.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (parts.Length < 7)
        {
            return null;
        }

        var zone = parts.Length >= 8 && (parts[7].StartsWith('+') || parts[7].StartsWith('-')) && parts[7].Length == 5 ? parts[7] : "+0000";
        if (!int.TryParse(parts[4], NumberStyles.None, CultureInfo.InvariantCulture, out var day))
        {
            return null;
        }

        var month = parts[3];
        if (month.Length != 3 || parts[5].Length != 8 || parts[6].Length != 4)
        {
            return null;
        }

        return $"{day,2}-{month}-{parts[6]} {parts[5]} {zone}";
    }
}
