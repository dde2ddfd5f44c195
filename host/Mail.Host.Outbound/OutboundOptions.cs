using System.Globalization;
using System.Net;
using Microsoft.Extensions.Configuration;

namespace Mail.Host.Outbound;

/// <summary>The manifest's <c>Outbound</c> section: how queued mail is delivered to remote servers.</summary>
public sealed record OutboundOptions
{
    private static readonly string[] Keys =
    [
        "Enabled", "DnsServers", "DnsTimeoutSeconds", "Port", "HeloName", "RetryIntervalsSeconds", "ExpireAfterSeconds",
        "DelayNoticeAfterSeconds", "MaxConcurrency", "MaxConcurrencyPerDomain", "ConnectTimeoutSeconds", "CommandTimeoutSeconds",
        "PollIntervalSeconds", "LeaseSeconds", "Relay", "Dkim", "MtaSts", "TrustedCaFiles", "ConnectionReuseSeconds",
    ];

    private static readonly string[] DkimSettingKeys = ["Selector", "KeyPath", "Arc"];

    private static readonly string[] RelayKeys = ["Host", "Port", "Tls", "Username", "Password", "PasswordFile", "PasswordEnvironmentVariable"];

    /// <summary>Whether this process delivers the queue (<c>Outbound:Enabled</c>, default true). Mail is queued either way.</summary>
    public bool Enabled { get; init; } = true;

    /// <summary>The DNS servers asked for MX, A/AAAA and TXT (<c>ADDRESS[:PORT]</c>); empty for the system's resolvers.</summary>
    public IReadOnlyList<IPEndPoint> DnsServers { get; init; } = [];

    /// <summary>How long one DNS query may take.</summary>
    public TimeSpan DnsTimeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>The port remote MX hosts are reached on (25; other values are for tests).</summary>
    public int Port { get; init; } = 25;

    /// <summary>The name sent in EHLO; <c>Server:Hostname</c> when null.</summary>
    public string? HeloName { get; init; }

    /// <summary>The waits between attempts; the last one repeats.</summary>
    public IReadOnlyList<TimeSpan> RetryIntervals { get; init; } =
        [TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(5), TimeSpan.FromMinutes(15), TimeSpan.FromMinutes(30), TimeSpan.FromHours(1), TimeSpan.FromHours(2), TimeSpan.FromHours(4)];

    /// <summary>How long a message may stay queued before it is bounced (default 5 days).</summary>
    public TimeSpan ExpireAfter { get; init; } = TimeSpan.FromDays(5);

    /// <summary>How long a message may wait before its sender is told it is delayed (default 4 hours).</summary>
    public TimeSpan DelayNoticeAfter { get; init; } = TimeSpan.FromHours(4);

    /// <summary>Messages delivered at once by this process.</summary>
    public int MaxConcurrency { get; init; } = 20;

    /// <summary>Connections at once to one destination domain (or to the relay).</summary>
    public int MaxConcurrencyPerDomain { get; init; } = 4;

    /// <summary>How long a TCP connection to a remote server may take.</summary>
    public TimeSpan ConnectTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>How long the remote server may take to answer a command (and the end of data).</summary>
    public TimeSpan CommandTimeout { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>How often the queue is scanned for due messages (messages queued in this process are picked up at once).</summary>
    public TimeSpan PollInterval { get; init; } = TimeSpan.FromSeconds(15);

    /// <summary>How long a message's delivery lease lasts in the lookup store (renewed while delivering).</summary>
    public TimeSpan Lease { get; init; } = TimeSpan.FromMinutes(10);

    /// <summary>The smarthost every message goes to instead of the recipients' MX hosts; null for direct delivery.</summary>
    public RelayOptions? Relay { get; init; }

    /// <summary>DKIM signing keys by domain.</summary>
    public IReadOnlyDictionary<string, DkimKeyOptions> Dkim { get; init; } = new Dictionary<string, DkimKeyOptions>(StringComparer.OrdinalIgnoreCase);

    /// <summary>Whether MTA-STS policies (RFC 8461) are fetched and enforced.</summary>
    public bool MtaSts { get; init; } = true;

    /// <summary>
    /// How long a connection to a remote server stays open after a message for the next message to the same server
    /// (<c>Outbound:ConnectionReuseSeconds</c>, default 5; 0 closes every connection after its message).
    /// </summary>
    public TimeSpan ConnectionReuse { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// PEM files of certificate authorities trusted besides the system's (<c>Outbound:TrustedCaFiles</c>, default none):
    /// for MTA-STS policy fetches and for SMTP connections whose certificate is verified.
    /// </summary>
    public IReadOnlyList<string> TrustedCaFiles { get; init; } = [];

    /// <summary>Reads the section, collecting every problem instead of stopping at the first.</summary>
    /// <param name="section">The <c>Outbound</c> section.</param>
    /// <param name="resolvePath">Resolves a path against the manifest's folder.</param>
    /// <returns>The options and the problems found.</returns>
    public static (OutboundOptions Options, List<string> Problems) Read(IConfiguration section, Func<string, string> resolvePath)
    {
        ArgumentNullException.ThrowIfNull(section);
        ArgumentNullException.ThrowIfNull(resolvePath);
        var problems = new List<string>();
        foreach (var child in section.GetChildren())
        {
            if (!Keys.Contains(child.Key, StringComparer.OrdinalIgnoreCase))
            {
                problems.Add($"unknown setting Outbound:{child.Key}; the settings are {string.Join(", ", Keys)}");
            }
        }

        long Number(IConfiguration where, string key, long min, long max, long fallback)
        {
            var text = where[key];
            if (string.IsNullOrEmpty(text))
            {
                return fallback;
            }

            if (!long.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) || value < min || value > max)
            {
                problems.Add($"Outbound:{key} is '{text}'; it must be a whole number from {min} to {max}");
                return fallback;
            }

            return value;
        }

        bool Flag(string key, bool fallback)
        {
            var text = section[key];
            if (string.IsNullOrEmpty(text))
            {
                return fallback;
            }

            if (!bool.TryParse(text, out var value))
            {
                problems.Add($"Outbound:{key} is '{text}'; it must be true or false");
                return fallback;
            }

            return value;
        }

        var defaults = new OutboundOptions();
        var dns = new List<IPEndPoint>();
        foreach (var server in section.GetSection("DnsServers").GetChildren().Select(c => c.Value).OfType<string>())
        {
            if (IPEndPoint.TryParse(server, out var endpoint))
            {
                dns.Add(endpoint.Port == 0 ? new IPEndPoint(endpoint.Address, 53) : endpoint);
            }
            else
            {
                problems.Add($"Outbound:DnsServers has '{server}'; write an IP address, optionally with a port (127.0.0.1:5353, [::1]:53)");
            }
        }

        var intervals = new List<TimeSpan>();
        foreach (var child in section.GetSection("RetryIntervalsSeconds").GetChildren())
        {
            if (double.TryParse(child.Value, NumberStyles.Float, CultureInfo.InvariantCulture, out var seconds) && seconds > 0 && seconds <= 7 * 86400)
            {
                intervals.Add(TimeSpan.FromSeconds(seconds));
            }
            else
            {
                problems.Add($"Outbound:RetryIntervalsSeconds has '{child.Value}'; each wait must be a number of seconds above 0 and at most a week");
            }
        }

        RelayOptions? relay = null;
        var relaySection = section.GetSection("Relay");
        if (relaySection.Exists())
        {
            foreach (var child in relaySection.GetChildren().Where(c => !RelayKeys.Contains(c.Key, StringComparer.OrdinalIgnoreCase)))
            {
                problems.Add($"unknown setting Outbound:Relay:{child.Key}; the settings are {string.Join(", ", RelayKeys)}");
            }

            var host = relaySection["Host"];
            if (string.IsNullOrEmpty(host))
            {
                problems.Add("Outbound:Relay needs a Host (the smarthost's name or address)");
            }

            var tls = relaySection["Tls"] is { Length: > 0 } tlsText ? tlsText : "StartTls";
            if (!Enum.TryParse<RelayTls>(tls, ignoreCase: true, out var tlsMode))
            {
                problems.Add($"Outbound:Relay:Tls is '{tls}'; it must be StartTls (required), Implicit or None");
            }

            string? password = relaySection["Password"];
            if (relaySection["PasswordFile"] is { Length: > 0 } file)
            {
                try
                {
                    password = File.ReadAllText(resolvePath(file)).TrimEnd('\r', '\n');
                }
                catch (IOException ex)
                {
                    problems.Add($"Outbound:Relay:PasswordFile cannot be read: {ex.Message}");
                }
            }
            else if (relaySection["PasswordEnvironmentVariable"] is { Length: > 0 } variable)
            {
                password = Environment.GetEnvironmentVariable(variable);
                if (password is null)
                {
                    problems.Add($"Outbound:Relay:PasswordEnvironmentVariable names '{variable}', which is not set");
                }
            }

            relay = new RelayOptions
            {
                Host = host ?? string.Empty,
                Port = (int)Number(relaySection, "Port", 1, 65535, tlsMode == RelayTls.Implicit ? 465 : 587),
                Tls = tlsMode,
                Username = relaySection["Username"] is { Length: > 0 } user ? user : null,
                Password = password,
            };
            if (relay.Username is not null && relay.Password is null)
            {
                problems.Add("Outbound:Relay:Username is set without a password (Password, PasswordFile or PasswordEnvironmentVariable)");
            }
        }

        var dkim = new Dictionary<string, DkimKeyOptions>(StringComparer.OrdinalIgnoreCase);
        foreach (var domain in section.GetSection("Dkim").GetChildren())
        {
            foreach (var child in domain.GetChildren().Where(c => !DkimSettingKeys.Contains(c.Key, StringComparer.OrdinalIgnoreCase)))
            {
                problems.Add($"unknown setting Outbound:Dkim:{domain.Key}:{child.Key}; the settings are {string.Join(", ", DkimSettingKeys)}");
            }

            var arc = true;
            if (domain["Arc"] is { Length: > 0 } arcText && !bool.TryParse(arcText, out arc))
            {
                problems.Add($"Outbound:Dkim:{domain.Key}:Arc is '{arcText}'; it must be true or false");
                arc = true;
            }

            var selector = domain["Selector"];
            var keyPath = domain["KeyPath"];
            if (string.IsNullOrEmpty(selector) || string.IsNullOrEmpty(keyPath))
            {
                problems.Add($"Outbound:Dkim:{domain.Key} needs a Selector and a KeyPath (a PEM private key, RSA or Ed25519; make one with mailhost dkim generate {domain.Key})");
                continue;
            }

            var path = resolvePath(keyPath);
            if (!File.Exists(path))
            {
                problems.Add($"Outbound:Dkim:{domain.Key}:KeyPath names {path}, which does not exist");
                continue;
            }

            dkim[domain.Key] = new DkimKeyOptions(domain.Key, selector, path) { Arc = arc };
        }

        var trusted = new List<string>();
        foreach (var file in section.GetSection("TrustedCaFiles").GetChildren().Select(c => c.Value).OfType<string>())
        {
            var path = resolvePath(file);
            try
            {
                var certificates = new System.Security.Cryptography.X509Certificates.X509Certificate2Collection();
                certificates.ImportFromPemFile(path);
                if (certificates.Count == 0)
                {
                    problems.Add($"Outbound:TrustedCaFiles names {path}, which holds no PEM certificate");
                    continue;
                }

                trusted.Add(path);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or System.Security.Cryptography.CryptographicException)
            {
                problems.Add($"Outbound:TrustedCaFiles names {path}, which cannot be read as PEM certificates: {ex.Message}");
            }
        }

        var options = new OutboundOptions
        {
            Enabled = Flag("Enabled", true),
            DnsServers = dns,
            DnsTimeout = TimeSpan.FromSeconds(Number(section, "DnsTimeoutSeconds", 1, 60, (long)defaults.DnsTimeout.TotalSeconds)),
            Port = (int)Number(section, "Port", 1, 65535, defaults.Port),
            HeloName = section["HeloName"] is { Length: > 0 } helo ? helo : null,
            RetryIntervals = intervals.Count > 0 ? intervals : defaults.RetryIntervals,
            ExpireAfter = TimeSpan.FromSeconds(Number(section, "ExpireAfterSeconds", 1, 60L * 86400, (long)defaults.ExpireAfter.TotalSeconds)),
            DelayNoticeAfter = TimeSpan.FromSeconds(Number(section, "DelayNoticeAfterSeconds", 1, 60L * 86400, (long)defaults.DelayNoticeAfter.TotalSeconds)),
            MaxConcurrency = (int)Number(section, "MaxConcurrency", 1, 10_000, defaults.MaxConcurrency),
            MaxConcurrencyPerDomain = (int)Number(section, "MaxConcurrencyPerDomain", 1, 1000, defaults.MaxConcurrencyPerDomain),
            ConnectTimeout = TimeSpan.FromSeconds(Number(section, "ConnectTimeoutSeconds", 1, 600, (long)defaults.ConnectTimeout.TotalSeconds)),
            CommandTimeout = TimeSpan.FromSeconds(Number(section, "CommandTimeoutSeconds", 1, 3600, (long)defaults.CommandTimeout.TotalSeconds)),
            PollInterval = TimeSpan.FromSeconds(Number(section, "PollIntervalSeconds", 1, 3600, (long)defaults.PollInterval.TotalSeconds)),
            Lease = TimeSpan.FromSeconds(Number(section, "LeaseSeconds", 10, 86400, (long)defaults.Lease.TotalSeconds)),
            Relay = relay,
            Dkim = dkim,
            MtaSts = Flag("MtaSts", true),
            TrustedCaFiles = trusted,
            ConnectionReuse = TimeSpan.FromSeconds(Number(section, "ConnectionReuseSeconds", 0, 300, (long)defaults.ConnectionReuse.TotalSeconds)),
        };
        return (options, problems);
    }
}
