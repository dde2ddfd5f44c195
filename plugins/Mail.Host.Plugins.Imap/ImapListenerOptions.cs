using System.Globalization;
using Microsoft.Extensions.Configuration;

namespace Mail.Host.Plugins.Imap;

/// <summary>An IMAP listener's own settings (the keys beside <c>Protocol</c>, <c>Bind</c> and <c>Tls</c>), with their defaults.</summary>
internal sealed record ImapListenerOptions
{
    private static readonly string[] HostKeys = ["Protocol", "Bind", "Tls"];

    private static readonly string[] Keys =
    [
        nameof(AppendLimit), nameof(MaxLineLength), nameof(MaxLiteralSize), "CommandTimeoutSeconds", "IdleTimeoutSeconds",
        nameof(MaxConnections), nameof(MaxConnectionsPerIp), nameof(MaxErrors), nameof(MaxAuthFailures), "AuthFailureWindowSeconds",
        "AuthFailureDelayMilliseconds", nameof(AllowPlaintextAuth), nameof(CertificatePath), nameof(KeyPath), nameof(MaxOutputBuffer),
    ];

    /// <summary>The largest message APPEND accepts (APPENDLIMIT).</summary>
    public long AppendLimit { get; init; } = 64L * 1024 * 1024;

    /// <summary>The longest command line, without its literals.</summary>
    public int MaxLineLength { get; init; } = 64 * 1024;

    /// <summary>The largest literal in a command other than APPEND.</summary>
    public int MaxLiteralSize { get; init; } = 1024 * 1024;

    public TimeSpan CommandTimeout { get; init; } = TimeSpan.FromMinutes(30);

    public TimeSpan IdleTimeout { get; init; } = TimeSpan.FromMinutes(30);

    public int MaxConnections { get; init; } = 5000;

    public int MaxConnectionsPerIp { get; init; } = 100;

    public int MaxErrors { get; init; } = 50;

    public int MaxAuthFailures { get; init; } = 10;

    public TimeSpan AuthFailureWindow { get; init; } = TimeSpan.FromMinutes(15);

    public TimeSpan AuthFailureDelay { get; init; } = TimeSpan.FromMilliseconds(500);

    public bool AllowPlaintextAuth { get; init; }

    public string? CertificatePath { get; init; }

    public string? KeyPath { get; init; }

    /// <summary>How much response data is buffered before the session waits for the client to take it.</summary>
    public int MaxOutputBuffer { get; init; } = 256 * 1024;

    public static (ImapListenerOptions Options, List<string> Problems) Read(IConfiguration section)
    {
        var problems = new List<string>();
        foreach (var child in section.GetChildren())
        {
            if (!HostKeys.Contains(child.Key, StringComparer.OrdinalIgnoreCase) && !Keys.Contains(child.Key, StringComparer.OrdinalIgnoreCase))
            {
                problems.Add($"unknown setting '{child.Key}'; the IMAP listener settings are {string.Join(", ", Keys)}");
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

        bool Flag(string key)
        {
            var text = section[key];
            if (string.IsNullOrEmpty(text))
            {
                return false;
            }

            if (!bool.TryParse(text, out var value))
            {
                problems.Add($"{key} is '{text}'; it must be true or false");
            }

            return value;
        }

        var defaults = new ImapListenerOptions();
        var options = new ImapListenerOptions
        {
            AppendLimit = Number(nameof(AppendLimit), 1024, int.MaxValue, defaults.AppendLimit),
            MaxLineLength = (int)Number(nameof(MaxLineLength), 1024, 1024 * 1024, defaults.MaxLineLength),
            MaxLiteralSize = (int)Number(nameof(MaxLiteralSize), 1024, 64 * 1024 * 1024, defaults.MaxLiteralSize),
            CommandTimeout = TimeSpan.FromSeconds(Number("CommandTimeoutSeconds", 1, 86_400, (long)defaults.CommandTimeout.TotalSeconds)),
            IdleTimeout = TimeSpan.FromSeconds(Number("IdleTimeoutSeconds", 1, 86_400, (long)defaults.IdleTimeout.TotalSeconds)),
            MaxConnections = (int)Number(nameof(MaxConnections), 1, 1_000_000, defaults.MaxConnections),
            MaxConnectionsPerIp = (int)Number(nameof(MaxConnectionsPerIp), 1, 1_000_000, defaults.MaxConnectionsPerIp),
            MaxErrors = (int)Number(nameof(MaxErrors), 1, 1_000_000, defaults.MaxErrors),
            MaxAuthFailures = (int)Number(nameof(MaxAuthFailures), 1, 10_000, defaults.MaxAuthFailures),
            AuthFailureWindow = TimeSpan.FromSeconds(Number("AuthFailureWindowSeconds", 1, 86_400, (long)defaults.AuthFailureWindow.TotalSeconds)),
            AuthFailureDelay = TimeSpan.FromMilliseconds(Number("AuthFailureDelayMilliseconds", 0, 60_000, (long)defaults.AuthFailureDelay.TotalMilliseconds)),
            AllowPlaintextAuth = Flag(nameof(AllowPlaintextAuth)),
            CertificatePath = section[nameof(CertificatePath)] is { Length: > 0 } certificate ? certificate : null,
            KeyPath = section[nameof(KeyPath)] is { Length: > 0 } key ? key : null,
            MaxOutputBuffer = (int)Number(nameof(MaxOutputBuffer), 4096, 64 * 1024 * 1024, defaults.MaxOutputBuffer),
        };
        if (options.KeyPath is not null && options.CertificatePath is null)
        {
            problems.Add("KeyPath is set but CertificatePath is not; name both PEM files, or neither for a self-signed certificate");
        }

        return (options, problems);
    }
}
