using System.Globalization;

namespace Mail.Host.ImapLoad;

/// <summary>A server under load: a label, its address, a test user, and optionally the process whose memory is measured.</summary>
internal sealed record LoadTarget(string Label, string Host, int Port, string User, string Password, int? Pid)
{
    /// <summary>Parses <c>LABEL=HOST:PORT:USER:PASSWORD[:PID]</c>.</summary>
    public static LoadTarget Parse(string text)
    {
        var equals = text.IndexOf('=', StringComparison.Ordinal);
        var parts = equals < 0 ? [] : text[(equals + 1)..].Split(':');
        if (equals <= 0 || parts.Length is < 4 or > 5 || !int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var port))
        {
            throw new ArgumentException($"--server {text}: expected LABEL=HOST:PORT:USER:PASSWORD[:PID]");
        }

        int? pid = null;
        if (parts.Length == 5)
        {
            pid = int.TryParse(parts[4], NumberStyles.None, CultureInfo.InvariantCulture, out var p) ? p : throw new ArgumentException($"--server {text}: PID must be a number");
        }

        return new LoadTarget(text[..equals], parts[0], port, parts[2], parts[3], pid);
    }
}
