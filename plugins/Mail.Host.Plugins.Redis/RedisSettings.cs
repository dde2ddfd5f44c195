using System.Globalization;
using Mail.Host.Plugins.Settings;
using Microsoft.Extensions.Configuration;

namespace Mail.Host.Plugins.Redis;

/// <summary>A <c>redis</c> store's manifest section, read and checked.</summary>
internal sealed record RedisSettings
{
    private static readonly string[] KnownKeys = ["Type", "Endpoints", .. SecretSetting.Keys("Password"), "Database", "KeyPrefix", "Ssl", "ConnectTimeoutMilliseconds"];

    public required IReadOnlyList<string> Endpoints { get; init; }

    public string? Password { get; init; }

    public int Database { get; init; }

    public string KeyPrefix { get; init; } = "mailhost:";

    public bool Ssl { get; init; }

    public int ConnectTimeoutMilliseconds { get; init; } = 5000;

    /// <summary>Reads the settings, collecting every problem instead of stopping at the first.</summary>
    public static RedisSettings Read(IConfiguration section, string prefix, List<string> problems, Func<string, string> resolvePath)
    {
        foreach (var child in section.GetChildren())
        {
            if (!KnownKeys.Contains(child.Key, StringComparer.OrdinalIgnoreCase))
            {
                problems.Add($"{prefix}:{child.Key} is not a setting of the redis store; its settings are {string.Join(", ", KnownKeys.Skip(1))}.");
            }
        }

        var endpoints = section.GetSection("Endpoints").GetChildren().Select(c => c.Value).OfType<string>().Where(v => v.Length > 0).ToList();
        if (endpoints.Count == 0 && section["Endpoints"] is { Length: > 0 } single)
        {
            endpoints.Add(single);
        }

        if (endpoints.Count == 0)
        {
            problems.Add($"{prefix}:Endpoints is missing: name the Redis server(s), e.g. [\"127.0.0.1:6379\"].");
        }

        var password = SecretSetting.Read(section, "Password", prefix, problems, resolvePath);

        var database = 0;
        if (section["Database"] is { } db && (!int.TryParse(db, NumberStyles.None, CultureInfo.InvariantCulture, out database) || database > 15))
        {
            problems.Add($"{prefix}:Database '{db}' is not a database number from 0 to 15.");
        }

        var ssl = false;
        if (section["Ssl"] is { } sslText && !bool.TryParse(sslText, out ssl))
        {
            problems.Add($"{prefix}:Ssl '{sslText}' is not true or false.");
        }

        var timeout = 5000;
        if (section["ConnectTimeoutMilliseconds"] is { } t && (!int.TryParse(t, NumberStyles.None, CultureInfo.InvariantCulture, out timeout) || timeout is < 100 or > 120_000))
        {
            problems.Add($"{prefix}:ConnectTimeoutMilliseconds '{t}' is not a number from 100 to 120000.");
        }

        return new RedisSettings
        {
            Endpoints = endpoints,
            Password = password,
            Database = database,
            KeyPrefix = section["KeyPrefix"] ?? "mailhost:",
            Ssl = ssl,
            ConnectTimeoutMilliseconds = timeout,
        };
    }
}
