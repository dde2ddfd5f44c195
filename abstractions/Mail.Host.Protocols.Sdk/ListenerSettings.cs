using System.Globalization;
using Microsoft.Extensions.Configuration;

namespace Mail.Host.Protocols.Sdk;

/// <summary>
/// Reads a listener's own settings from its manifest section and collects every problem found, so that start-up
/// can name them all at once instead of failing on the first.
/// </summary>
public sealed class ListenerSettings
{
    private static readonly string[] HostKeys = ["Protocol", "Bind", "Tls"];
    private readonly IConfiguration section;

    /// <summary>Starts reading a listener section, reporting every key that is neither the host's nor in <paramref name="keys"/>.</summary>
    /// <param name="section">The listener's section of the manifest.</param>
    /// <param name="protocol">The protocol's name as operators read it (e.g. <c>IMAP</c>), for the messages.</param>
    /// <param name="keys">The settings this listener understands, beside <c>Protocol</c>, <c>Bind</c> and <c>Tls</c>.</param>
    public ListenerSettings(IConfiguration section, string protocol, IReadOnlyCollection<string> keys)
    {
        ArgumentNullException.ThrowIfNull(section);
        ArgumentNullException.ThrowIfNull(keys);
        this.section = section;
        foreach (var child in section.GetChildren())
        {
            if (!HostKeys.Contains(child.Key, StringComparer.OrdinalIgnoreCase) && !keys.Contains(child.Key, StringComparer.OrdinalIgnoreCase))
            {
                Problems.Add($"unknown setting '{child.Key}'; the {protocol} listener settings are {string.Join(", ", keys)}");
            }
        }
    }

    /// <summary>What was wrong with the section, one sentence each.</summary>
    public List<string> Problems { get; } = [];

    /// <summary>A whole number within bounds, or <paramref name="fallback"/> when the key is absent or invalid (then a problem is recorded).</summary>
    /// <param name="key">The setting.</param>
    /// <param name="min">The smallest value allowed.</param>
    /// <param name="max">The largest value allowed.</param>
    /// <param name="fallback">The default.</param>
    /// <returns>The value.</returns>
    public long Number(string key, long min, long max, long fallback)
    {
        var text = section[key];
        if (string.IsNullOrEmpty(text))
        {
            return fallback;
        }

        if (!long.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) || value < min || value > max)
        {
            Problems.Add($"{key} is '{text}'; it must be a whole number from {min} to {max}");
            return fallback;
        }

        return value;
    }

    /// <summary>A duration written in whole seconds.</summary>
    /// <param name="key">The setting, e.g. <c>CommandTimeoutSeconds</c>.</param>
    /// <param name="min">The fewest seconds allowed.</param>
    /// <param name="max">The most seconds allowed.</param>
    /// <param name="fallback">The default.</param>
    /// <returns>The duration.</returns>
    public TimeSpan Seconds(string key, long min, long max, TimeSpan fallback)
        => TimeSpan.FromSeconds(Number(key, min, max, (long)fallback.TotalSeconds));

    /// <summary>A duration written in whole milliseconds.</summary>
    /// <param name="key">The setting, e.g. <c>AuthFailureDelayMilliseconds</c>.</param>
    /// <param name="min">The fewest milliseconds allowed.</param>
    /// <param name="max">The most milliseconds allowed.</param>
    /// <param name="fallback">The default.</param>
    /// <returns>The duration.</returns>
    public TimeSpan Milliseconds(string key, long min, long max, TimeSpan fallback)
        => TimeSpan.FromMilliseconds(Number(key, min, max, (long)fallback.TotalMilliseconds));

    /// <summary><c>true</c> or <c>false</c>, or <paramref name="fallback"/> when absent (or invalid, then a problem is recorded).</summary>
    /// <param name="key">The setting.</param>
    /// <param name="fallback">The default.</param>
    /// <returns>The value.</returns>
    public bool Flag(string key, bool fallback = false)
    {
        var text = section[key];
        if (string.IsNullOrEmpty(text))
        {
            return fallback;
        }

        if (!bool.TryParse(text, out var value))
        {
            Problems.Add($"{key} is '{text}'; it must be true or false");
            return fallback;
        }

        return value;
    }

    /// <summary>A text setting, or null when absent or empty.</summary>
    /// <param name="key">The setting.</param>
    /// <returns>The text.</returns>
    public string? Text(string key) => section[key] is { Length: > 0 } text ? text : null;

    /// <summary>Records a problem when a key file is named without its certificate file.</summary>
    /// <param name="certificatePath">The <c>CertificatePath</c> setting.</param>
    /// <param name="keyPath">The <c>KeyPath</c> setting.</param>
    public void CheckCertificatePair(string? certificatePath, string? keyPath)
    {
        if (keyPath is not null && certificatePath is null)
        {
            Problems.Add("KeyPath is set but CertificatePath is not; name both PEM files, or neither for a self-signed certificate");
        }
    }
}
