using Mail.Host.Protocols.Sdk;
using Microsoft.Extensions.Configuration;

namespace Mail.Host.Plugins.Imap;

/// <summary>An IMAP listener's own settings (the keys beside <c>Protocol</c>, <c>Bind</c> and <c>Tls</c>), with their defaults.</summary>
internal sealed record ImapListenerOptions
{
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
        var settings = new ListenerSettings(section, "IMAP", Keys);
        var defaults = new ImapListenerOptions();
        var options = new ImapListenerOptions
        {
            AppendLimit = settings.Number(nameof(AppendLimit), 1024, int.MaxValue, defaults.AppendLimit),
            MaxLineLength = (int)settings.Number(nameof(MaxLineLength), 1024, 1024 * 1024, defaults.MaxLineLength),
            MaxLiteralSize = (int)settings.Number(nameof(MaxLiteralSize), 1024, 64 * 1024 * 1024, defaults.MaxLiteralSize),
            CommandTimeout = settings.Seconds("CommandTimeoutSeconds", 1, 86_400, defaults.CommandTimeout),
            IdleTimeout = settings.Seconds("IdleTimeoutSeconds", 1, 86_400, defaults.IdleTimeout),
            MaxConnections = (int)settings.Number(nameof(MaxConnections), 1, 1_000_000, defaults.MaxConnections),
            MaxConnectionsPerIp = (int)settings.Number(nameof(MaxConnectionsPerIp), 1, 1_000_000, defaults.MaxConnectionsPerIp),
            MaxErrors = (int)settings.Number(nameof(MaxErrors), 1, 1_000_000, defaults.MaxErrors),
            MaxAuthFailures = (int)settings.Number(nameof(MaxAuthFailures), 1, 10_000, defaults.MaxAuthFailures),
            AuthFailureWindow = settings.Seconds("AuthFailureWindowSeconds", 1, 86_400, defaults.AuthFailureWindow),
            AuthFailureDelay = settings.Milliseconds("AuthFailureDelayMilliseconds", 0, 60_000, defaults.AuthFailureDelay),
            AllowPlaintextAuth = settings.Flag(nameof(AllowPlaintextAuth)),
            CertificatePath = settings.Text(nameof(CertificatePath)),
            KeyPath = settings.Text(nameof(KeyPath)),
            MaxOutputBuffer = (int)settings.Number(nameof(MaxOutputBuffer), 4096, 64 * 1024 * 1024, defaults.MaxOutputBuffer),
        };
        settings.CheckCertificatePair(options.CertificatePath, options.KeyPath);
        return (options, settings.Problems);
    }
}
