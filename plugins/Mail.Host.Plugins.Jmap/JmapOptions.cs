using Microsoft.Extensions.Configuration;

namespace Mail.Host.Plugins.Jmap;

/// <summary>
/// The plugin's settings (manifest section <c>Plugins:jmap:Settings</c>): the limits announced in the session's core
/// capability and enforced on every request, and the public URL clients reach the server at.
/// </summary>
internal sealed class JmapOptions
{
    public long MaxSizeUpload { get; init; } = 50_000_000;

    public int MaxConcurrentUpload { get; init; } = 4;

    public long MaxSizeRequest { get; init; } = 10_000_000;

    public int MaxConcurrentRequests { get; init; } = 4;

    public int MaxCallsInRequest { get; init; } = 16;

    public int MaxObjectsInGet { get; init; } = 500;

    public int MaxObjectsInSet { get; init; } = 500;

    /// <summary>The most bytes of a <c>bodyValues</c> value when the client asks for no limit.</summary>
    public int MaxBodyValueBytes { get; init; } = 1_000_000;

    /// <summary>The public base URL (<c>https://mail.example.org</c>); derived from each request when empty.</summary>
    public string? BaseUrl { get; init; }

    /// <summary>How long an issued bearer token lives when the admin does not say, in seconds.</summary>
    public int TokenLifetimeSeconds { get; init; } = 30 * 24 * 3600;

    /// <summary>How long a sender gets no second vacation auto-reply, in seconds (RFC 5230 §4.1; default 7 days).</summary>
    public int VacationReplyIntervalSeconds { get; init; } = 7 * 24 * 3600;

    /// <summary>
    /// Whether PushSubscription URLs may be plain http on a loopback address (for tests and local development);
    /// otherwise only https URLs are accepted.
    /// </summary>
    public bool AllowHttpPushToLoopback { get; init; }

    /// <summary>
    /// Whether HTTP Basic credentials are accepted over plain http from a client that is not on a loopback address
    /// (a TLS-terminating proxy on another machine); otherwise Basic needs https, or a loopback client.
    /// </summary>
    public bool AllowPlaintextAuth { get; init; }

    /// <summary>Reads the settings, falling back to the defaults for every key not given.</summary>
    /// <param name="settings">The plugin's section.</param>
    /// <returns>The options.</returns>
    public static JmapOptions From(IConfiguration settings)
    {
        var defaults = new JmapOptions();
        return new JmapOptions
        {
            MaxSizeUpload = Read(settings, nameof(MaxSizeUpload), defaults.MaxSizeUpload),
            MaxConcurrentUpload = (int)Read(settings, nameof(MaxConcurrentUpload), defaults.MaxConcurrentUpload),
            MaxSizeRequest = Read(settings, nameof(MaxSizeRequest), defaults.MaxSizeRequest),
            MaxConcurrentRequests = (int)Read(settings, nameof(MaxConcurrentRequests), defaults.MaxConcurrentRequests),
            MaxCallsInRequest = (int)Read(settings, nameof(MaxCallsInRequest), defaults.MaxCallsInRequest),
            MaxObjectsInGet = (int)Read(settings, nameof(MaxObjectsInGet), defaults.MaxObjectsInGet),
            MaxObjectsInSet = (int)Read(settings, nameof(MaxObjectsInSet), defaults.MaxObjectsInSet),
            MaxBodyValueBytes = (int)Read(settings, nameof(MaxBodyValueBytes), defaults.MaxBodyValueBytes),
            BaseUrl = settings[nameof(BaseUrl)] is { Length: > 0 } url ? url.TrimEnd('/') : null,
            TokenLifetimeSeconds = (int)Read(settings, nameof(TokenLifetimeSeconds), defaults.TokenLifetimeSeconds),
            VacationReplyIntervalSeconds = (int)Read(settings, nameof(VacationReplyIntervalSeconds), defaults.VacationReplyIntervalSeconds),
            AllowHttpPushToLoopback = ReadBool(settings, nameof(AllowHttpPushToLoopback)),
            AllowPlaintextAuth = ReadBool(settings, nameof(AllowPlaintextAuth)),
        };
    }

    private static bool ReadBool(IConfiguration settings, string key)
    {
        var text = settings[key];
        if (string.IsNullOrEmpty(text))
        {
            return false;
        }

        return bool.TryParse(text, out var value)
            ? value
            : throw new InvalidOperationException($"Plugins:jmap:Settings:{key} must be true or false, not '{text}'.");
    }

    private static long Read(IConfiguration settings, string key, long fallback)
    {
        var text = settings[key];
        if (string.IsNullOrEmpty(text))
        {
            return fallback;
        }

        if (!long.TryParse(text, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var value) || value < 1 || value > int.MaxValue * 100L)
        {
            throw new InvalidOperationException($"Plugins:jmap:Settings:{key} must be a positive whole number, not '{text}'.");
        }

        return value;
    }
}
