using System.Globalization;
using Mail.Host.Plugins.Settings;
using Microsoft.Extensions.Configuration;

namespace Mail.Host.Plugins.Elasticsearch;

/// <summary>An <c>elasticsearch</c> store's manifest section, read and checked.</summary>
internal sealed record ElasticsearchSettings
{
    private static readonly string[] KnownKeys =
    [
        "Type", "Urls", "Index", "Username", .. SecretSetting.Keys("Password"), .. SecretSetting.Keys("ApiKey"),
        "CertificateFingerprint", "Analyzers", "Shards", "Replicas", "BulkSize", "TimeoutSeconds", "MaxAttempts",
    ];

    public required IReadOnlyList<Uri> Urls { get; init; }

    public string Index { get; init; } = "mailhost-fulltext";

    public string? Username { get; init; }

    public string? Password { get; init; }

    public string? ApiKey { get; init; }

    public string? CertificateFingerprint { get; init; }

    public IReadOnlyDictionary<string, string> Analyzers { get; init; } = new Dictionary<string, string>();

    public int Shards { get; init; } = 1;

    public int Replicas { get; init; } = 1;

    public int BulkSize { get; init; } = 500;

    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(30);

    public int MaxAttempts { get; init; } = 3;

    /// <summary>Reads the settings, collecting every problem instead of stopping at the first.</summary>
    public static ElasticsearchSettings Read(IConfiguration section, string prefix, List<string> problems, Func<string, string> resolvePath)
    {
        foreach (var child in section.GetChildren())
        {
            if (!KnownKeys.Contains(child.Key, StringComparer.OrdinalIgnoreCase))
            {
                problems.Add($"{prefix}:{child.Key} is not a setting of the elasticsearch store; its settings are {string.Join(", ", KnownKeys.Skip(1))}.");
            }
        }

        var urls = new List<Uri>();
        var urlSection = section.GetSection("Urls");
        var texts = urlSection.GetChildren().Select(c => c.Value).ToList();
        if (texts.Count == 0 && urlSection.Value is { Length: > 0 } single)
        {
            texts.Add(single);
        }

        if (texts.Count == 0)
        {
            problems.Add($"{prefix}:Urls is missing: the Elasticsearch nodes, e.g. [ \"https://search1.example.net:9200\" ].");
        }

        foreach (var text in texts)
        {
            if (!Uri.TryCreate(text, UriKind.Absolute, out var url) || url.Scheme is not ("http" or "https"))
            {
                problems.Add($"{prefix}:Urls '{text}' is not an http:// or https:// URL.");
            }
            else
            {
                urls.Add(url);
            }
        }

        var index = section["Index"] ?? "mailhost-fulltext";
        if (!IsValidIndexName(index))
        {
            problems.Add($"{prefix}:Index '{index}' is not a valid index name (lower case; no spaces, commas, quotes, slashes, '*', '?', '<', '>', '|' or '#'; not starting with '-', '_' or '+'; at most 200 characters).");
        }

        var password = SecretSetting.Read(section, "Password", prefix, problems, resolvePath);
        var apiKey = SecretSetting.Read(section, "ApiKey", prefix, problems, resolvePath);
        var username = section["Username"];
        if (username is { Length: > 0 } && password is null)
        {
            problems.Add($"{prefix}:Username is set without a Password (or PasswordFile, PasswordEnvironmentVariable).");
        }

        if (apiKey is not null && username is { Length: > 0 })
        {
            problems.Add($"{prefix}: set either ApiKey or Username and Password, not both.");
        }

        var analyzers = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var entry in section.GetSection("Analyzers").GetChildren())
        {
            if (!ElasticsearchIndexTemplate.EngineFields.Contains(entry.Key, StringComparer.Ordinal))
            {
                problems.Add($"{prefix}:Analyzers:{entry.Key} is not a field the engine indexes; the fields are {string.Join(", ", ElasticsearchIndexTemplate.EngineFields)}.");
            }
            else if (entry.Value is not { Length: > 0 } analyzer || !analyzer.All(c => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c == '_'))
            {
                problems.Add($"{prefix}:Analyzers:{entry.Key} '{entry.Value}' is not an analyzer name (lower-case letters, digits and '_', e.g. english or mail_text).");
            }
            else
            {
                analyzers[entry.Key] = analyzer;
            }
        }

        return new ElasticsearchSettings
        {
            Analyzers = analyzers,
            Urls = urls,
            Index = index,
            Username = username,
            Password = password,
            ApiKey = apiKey,
            CertificateFingerprint = section["CertificateFingerprint"],
            Shards = Number(section, "Shards", prefix, 1, 1024, 1, problems),
            Replicas = Number(section, "Replicas", prefix, 0, 16, 1, problems),
            BulkSize = Number(section, "BulkSize", prefix, 1, 10_000, 500, problems),
            Timeout = TimeSpan.FromSeconds(Number(section, "TimeoutSeconds", prefix, 1, 600, 30, problems)),
            MaxAttempts = Number(section, "MaxAttempts", prefix, 1, 10, 3, problems),
        };
    }

    private static int Number(IConfiguration section, string key, string prefix, int min, int max, int fallback, List<string> problems)
    {
        if (section[key] is not { } text)
        {
            return fallback;
        }

        if (!int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value) || value < min || value > max)
        {
            problems.Add($"{prefix}:{key} '{text}' is not a number from {min} to {max}.");
            return fallback;
        }

        return value;
    }

    private static bool IsValidIndexName(string name)
        => name.Length is > 0 and <= 200
           && name is not ("." or "..")
           && name[0] is not ('-' or '_' or '+')
           && !name.Any(c => char.IsUpper(c) || char.IsWhiteSpace(c) || c is '\\' or '/' or '*' or '?' or '"' or '<' or '>' or '|' or ',' or '#' or ':');
}
