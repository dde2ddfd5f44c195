using System.Globalization;

namespace Mail.Host.Outbound;

/// <summary>An MTA-STS policy (RFC 8461 section 3.2): its mode, the MX host patterns it allows and how long it may be cached.</summary>
internal sealed record MtaStsPolicy(string Mode, IReadOnlyList<string> Mx, TimeSpan MaxAge)
{
    /// <summary>The longest cache lifetime a policy may ask for (RFC 8461: up to 31557600 seconds).</summary>
    public static readonly TimeSpan MaxMaxAge = TimeSpan.FromSeconds(31_557_600);

    public bool Enforced => Mode == "enforce";

    /// <summary>Parses the policy file; null when it is not a valid STSv1 policy.</summary>
    public static MtaStsPolicy? Parse(string text)
    {
        string? version = null;
        string? mode = null;
        long? maxAge = null;
        var mx = new List<string>();
        foreach (var raw in text.Split('\n'))
        {
            var line = raw.TrimEnd('\r');
            var colon = line.IndexOf(':', StringComparison.Ordinal);
            if (colon <= 0)
            {
                continue;
            }

            var key = line[..colon].Trim().ToLowerInvariant();
            var value = line[(colon + 1)..].Trim();
            switch (key)
            {
                case "version":
                    version = value;
                    break;
                case "mode":
                    mode = value.ToLowerInvariant();
                    break;
                case "max_age" when long.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var seconds):
                    maxAge = seconds;
                    break;
                case "mx" when value.Length > 0:
                    mx.Add(value.TrimEnd('.').ToLowerInvariant());
                    break;
            }
        }

        if (version != "STSv1" || mode is not ("enforce" or "testing" or "none") || maxAge is null || (mode != "none" && mx.Count == 0))
        {
            return null;
        }

        var age = TimeSpan.FromSeconds(Math.Min(maxAge.Value, (long)MaxMaxAge.TotalSeconds));
        return new MtaStsPolicy(mode, mx, age);
    }

    /// <summary>Whether an MX host name is allowed: an exact match, or <c>*.example.com</c> matching one leftmost label.</summary>
    public bool Allows(string host)
    {
        var name = host.TrimEnd('.').ToLowerInvariant();
        foreach (var pattern in Mx)
        {
            if (pattern.StartsWith("*.", StringComparison.Ordinal))
            {
                var dot = name.IndexOf('.', StringComparison.Ordinal);
                if (dot > 0 && name[(dot + 1)..] == pattern[2..])
                {
                    return true;
                }
            }
            else if (name == pattern)
            {
                return true;
            }
        }

        return false;
    }
}
