using System.Globalization;
using Microsoft.Extensions.Configuration;

namespace Mail.Host.Plugins.Smtp;

/// <summary>A listener's own settings (the keys beside <c>Protocol</c>, <c>Bind</c> and <c>Tls</c>), with their defaults.</summary>
internal sealed record SmtpListenerOptions
{
    private static readonly string[] HostKeys = ["Protocol", "Bind", "Tls"];

    private static readonly string[] Keys =
    [
        nameof(MaxMessageSize), nameof(MaxRecipients), nameof(MaxLineLength), "CommandTimeoutSeconds", "DataTimeoutSeconds",
        nameof(MaxConnections), nameof(MaxConnectionsPerIp), nameof(MaxErrors), nameof(MaxAuthFailures), "AuthFailureWindowSeconds",
        "AuthFailureDelayMilliseconds", nameof(AllowPlaintextAuth), nameof(CertificatePath), nameof(KeyPath), nameof(OverQuotaPermanent),
        nameof(DnsServers), nameof(CheckAuthentication), nameof(DmarcFailure),
    ];

    public long MaxMessageSize { get; init; } = 64L * 1024 * 1024;

    public int MaxRecipients { get; init; } = 1000;

    public int MaxLineLength { get; init; } = 1000;

    public TimeSpan CommandTimeout { get; init; } = TimeSpan.FromMinutes(5);

    public TimeSpan DataTimeout { get; init; } = TimeSpan.FromMinutes(10);

    public int MaxConnections { get; init; } = 1000;

    public int MaxConnectionsPerIp { get; init; } = 100;

    public int MaxErrors { get; init; } = 20;

    public int MaxAuthFailures { get; init; } = 10;

    public TimeSpan AuthFailureWindow { get; init; } = TimeSpan.FromMinutes(15);

    public TimeSpan AuthFailureDelay { get; init; } = TimeSpan.FromMilliseconds(500);

    public bool AllowPlaintextAuth { get; init; }

    public string? CertificatePath { get; init; }

    public string? KeyPath { get; init; }

    public bool OverQuotaPermanent { get; init; }

    /// <summary>The DNS servers for SPF, DKIM and DMARC lookups; empty for the system's resolvers.</summary>
    public IReadOnlyList<System.Net.IPEndPoint> DnsServers { get; init; } = [];

    /// <summary>Whether mail from unauthenticated clients gets SPF, DKIM, DMARC and ARC checks (protocol <c>smtp</c> only).</summary>
    public bool CheckAuthentication { get; init; } = true;

    /// <summary>What to do with a message that fails DMARC: <c>policy</c> (what the From domain publishes), <c>reject</c>, <c>quarantine</c> or <c>accept</c>.</summary>
    public string DmarcFailure { get; init; } = "policy";

    public static (SmtpListenerOptions Options, List<string> Problems) Read(IConfiguration section)
    {
        var problems = new List<string>();
        foreach (var child in section.GetChildren())
        {
            if (!HostKeys.Contains(child.Key, StringComparer.OrdinalIgnoreCase) && !Keys.Contains(child.Key, StringComparer.OrdinalIgnoreCase))
            {
                problems.Add($"unknown setting '{child.Key}'; the SMTP listener settings are {string.Join(", ", Keys)}");
            }
        }

        long Number(string key, long min, long max, long fallback)
        {
            var text = section[key];
            if (string.IsNullOrEmpty(text))
            {
                return fallback;
            }

            if (!long.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) || value < min || value > max)
            {
                problems.Add($"{key} is '{text}'; it must be a whole number from {min} to {max}");
                return fallback;
            }

            return value;
        }

        bool Flag(string key, bool fallback = false)
        {
            var text = section[key];
            if (string.IsNullOrEmpty(text))
            {
                return fallback;
            }

            if (!bool.TryParse(text, out var value))
            {
                problems.Add($"{key} is '{text}'; it must be true or false");
            }

            return value;
        }

        var defaults = new SmtpListenerOptions();
        var options = new SmtpListenerOptions
        {
            MaxMessageSize = Number(nameof(MaxMessageSize), 1024, 1L << 31, defaults.MaxMessageSize),
            MaxRecipients = (int)Number(nameof(MaxRecipients), 1, 100_000, defaults.MaxRecipients),
            MaxLineLength = (int)Number(nameof(MaxLineLength), 512, 65_536, defaults.MaxLineLength),
            CommandTimeout = TimeSpan.FromSeconds(Number("CommandTimeoutSeconds", 1, 3600, (long)defaults.CommandTimeout.TotalSeconds)),
            DataTimeout = TimeSpan.FromSeconds(Number("DataTimeoutSeconds", 1, 3600, (long)defaults.DataTimeout.TotalSeconds)),
            MaxConnections = (int)Number(nameof(MaxConnections), 1, 1_000_000, defaults.MaxConnections),
            MaxConnectionsPerIp = (int)Number(nameof(MaxConnectionsPerIp), 1, 1_000_000, defaults.MaxConnectionsPerIp),
            MaxErrors = (int)Number(nameof(MaxErrors), 1, 10_000, defaults.MaxErrors),
            MaxAuthFailures = (int)Number(nameof(MaxAuthFailures), 1, 10_000, defaults.MaxAuthFailures),
            AuthFailureWindow = TimeSpan.FromSeconds(Number("AuthFailureWindowSeconds", 1, 86_400, (long)defaults.AuthFailureWindow.TotalSeconds)),
            AuthFailureDelay = TimeSpan.FromMilliseconds(Number("AuthFailureDelayMilliseconds", 0, 60_000, (long)defaults.AuthFailureDelay.TotalMilliseconds)),
            AllowPlaintextAuth = Flag(nameof(AllowPlaintextAuth)),
            CertificatePath = section[nameof(CertificatePath)] is { Length: > 0 } certificate ? certificate : null,
            KeyPath = section[nameof(KeyPath)] is { Length: > 0 } key ? key : null,
            OverQuotaPermanent = Flag(nameof(OverQuotaPermanent)),
            DnsServers = DnsEndpoints(section, problems),
            CheckAuthentication = Flag(nameof(CheckAuthentication), fallback: true),
            DmarcFailure = section[nameof(DmarcFailure)] is { Length: > 0 } dmarc ? dmarc.ToLowerInvariant() : "policy",
        };
        if (options.DmarcFailure is not ("policy" or "reject" or "quarantine" or "accept"))
        {
            problems.Add($"DmarcFailure is '{options.DmarcFailure}'; it must be policy (as the From domain publishes), reject, quarantine (into Junk) or accept");
        }

        if (options.KeyPath is not null && options.CertificatePath is null)
        {
            problems.Add("KeyPath is set but CertificatePath is not; name both PEM files, or neither for a self-signed certificate");
        }

        return (options, problems);
    }

    private static List<System.Net.IPEndPoint> DnsEndpoints(IConfiguration section, List<string> problems)
    {
        var servers = new List<System.Net.IPEndPoint>();
        foreach (var text in section.GetSection(nameof(DnsServers)).GetChildren().Select(c => c.Value).OfType<string>())
        {
            if (System.Net.IPEndPoint.TryParse(text, out var endpoint))
            {
                servers.Add(endpoint.Port == 0 ? new System.Net.IPEndPoint(endpoint.Address, 53) : endpoint);
            }
            else
            {
                problems.Add($"DnsServers has '{text}'; write an IP address, optionally with a port (127.0.0.1:5353)");
            }
        }

        return servers;
    }
}
