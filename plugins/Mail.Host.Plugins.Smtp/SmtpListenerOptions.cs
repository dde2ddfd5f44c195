using Mail.Host.Protocols.Sdk;
using Microsoft.Extensions.Configuration;

namespace Mail.Host.Plugins.Smtp;

/// <summary>A listener's own settings (the keys beside <c>Protocol</c>, <c>Bind</c> and <c>Tls</c>), with their defaults.</summary>
internal sealed record SmtpListenerOptions
{
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
        var settings = new ListenerSettings(section, "SMTP", Keys);
        var defaults = new SmtpListenerOptions();
        var options = new SmtpListenerOptions
        {
            MaxMessageSize = settings.Number(nameof(MaxMessageSize), 1024, 1L << 31, defaults.MaxMessageSize),
            MaxRecipients = (int)settings.Number(nameof(MaxRecipients), 1, 100_000, defaults.MaxRecipients),
            MaxLineLength = (int)settings.Number(nameof(MaxLineLength), 512, 65_536, defaults.MaxLineLength),
            CommandTimeout = settings.Seconds("CommandTimeoutSeconds", 1, 3600, defaults.CommandTimeout),
            DataTimeout = settings.Seconds("DataTimeoutSeconds", 1, 3600, defaults.DataTimeout),
            MaxConnections = (int)settings.Number(nameof(MaxConnections), 1, 1_000_000, defaults.MaxConnections),
            MaxConnectionsPerIp = (int)settings.Number(nameof(MaxConnectionsPerIp), 1, 1_000_000, defaults.MaxConnectionsPerIp),
            MaxErrors = (int)settings.Number(nameof(MaxErrors), 1, 10_000, defaults.MaxErrors),
            MaxAuthFailures = (int)settings.Number(nameof(MaxAuthFailures), 1, 10_000, defaults.MaxAuthFailures),
            AuthFailureWindow = settings.Seconds("AuthFailureWindowSeconds", 1, 86_400, defaults.AuthFailureWindow),
            AuthFailureDelay = settings.Milliseconds("AuthFailureDelayMilliseconds", 0, 60_000, defaults.AuthFailureDelay),
            AllowPlaintextAuth = settings.Flag(nameof(AllowPlaintextAuth)),
            CertificatePath = settings.Text(nameof(CertificatePath)),
            KeyPath = settings.Text(nameof(KeyPath)),
            OverQuotaPermanent = settings.Flag(nameof(OverQuotaPermanent)),
            DnsServers = DnsEndpoints(section, settings.Problems),
            CheckAuthentication = settings.Flag(nameof(CheckAuthentication), fallback: true),
            DmarcFailure = section[nameof(DmarcFailure)] is { Length: > 0 } dmarc ? dmarc.ToLowerInvariant() : "policy",
        };
        if (options.DmarcFailure is not ("policy" or "reject" or "quarantine" or "accept"))
        {
            settings.Problems.Add($"DmarcFailure is '{options.DmarcFailure}'; it must be policy (as the From domain publishes), reject, quarantine (into Junk) or accept");
        }

        settings.CheckCertificatePair(options.CertificatePath, options.KeyPath);
        return (options, settings.Problems);
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
