using System.Globalization;
using Mail.Host.Plugins.Settings;
using Microsoft.Extensions.Configuration;

namespace Mail.Host.Plugins.S3;

/// <summary>An <c>s3</c> store's manifest section, read and checked.</summary>
internal sealed record S3Settings
{
    private static readonly string[] KnownKeys =
        ["Type", "Endpoint", "Region", "Bucket", "KeyPrefix", "AccessKey", .. SecretSetting.Keys("SecretKey"), "CreateBucket", "TimeoutSeconds", "MaxAttempts"];

    public required Uri Endpoint { get; init; }

    public string? Region { get; init; }

    public required string Bucket { get; init; }

    public string KeyPrefix { get; init; } = string.Empty;

    public string? AccessKey { get; init; }

    public string? SecretKey { get; init; }

    public bool CreateBucket { get; init; } = true;

    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(30);

    public int MaxAttempts { get; init; } = 4;

    /// <summary>Reads the settings, collecting every problem instead of stopping at the first.</summary>
    public static S3Settings Read(IConfiguration section, string prefix, List<string> problems, Func<string, string> resolvePath)
    {
        foreach (var child in section.GetChildren())
        {
            if (!KnownKeys.Contains(child.Key, StringComparer.OrdinalIgnoreCase))
            {
                problems.Add($"{prefix}:{child.Key} is not a setting of the s3 store; its settings are {string.Join(", ", KnownKeys.Skip(1))}.");
            }
        }

        Uri endpoint = new("https://s3.amazonaws.com");
        if (section["Endpoint"] is not { Length: > 0 } endpointText)
        {
            problems.Add($"{prefix}:Endpoint is missing: the S3 service's URL, e.g. https://s3.eu-west-1.amazonaws.com or http://127.0.0.1:9000 for MinIO.");
        }
        else if (!Uri.TryCreate(endpointText, UriKind.Absolute, out endpoint!) || endpoint.Scheme is not ("http" or "https"))
        {
            problems.Add($"{prefix}:Endpoint '{endpointText}' is not an http:// or https:// URL.");
            endpoint = new("https://s3.amazonaws.com");
        }

        var bucket = section["Bucket"] ?? string.Empty;
        if (bucket.Length is < 3 or > 63 || !bucket.All(c => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c is '-' or '.'))
        {
            problems.Add($"{prefix}:Bucket '{bucket}' is not a valid bucket name (3 to 63 lower-case letters, digits, dots and hyphens).");
        }

        var secret = SecretSetting.Read(section, "SecretKey", prefix, problems, resolvePath);

        var createBucket = true;
        if (section["CreateBucket"] is { } create && !bool.TryParse(create, out createBucket))
        {
            problems.Add($"{prefix}:CreateBucket '{create}' is not true or false.");
        }

        var timeout = 30;
        if (section["TimeoutSeconds"] is { } t && (!int.TryParse(t, NumberStyles.None, CultureInfo.InvariantCulture, out timeout) || timeout is < 1 or > 600))
        {
            problems.Add($"{prefix}:TimeoutSeconds '{t}' is not a number from 1 to 600.");
        }

        var attempts = 4;
        if (section["MaxAttempts"] is { } a && (!int.TryParse(a, NumberStyles.None, CultureInfo.InvariantCulture, out attempts) || attempts is < 1 or > 10))
        {
            problems.Add($"{prefix}:MaxAttempts '{a}' is not a number from 1 to 10.");
        }

        var keyPrefix = section["KeyPrefix"] ?? string.Empty;
        if (keyPrefix.Length > 0 && !keyPrefix.EndsWith('/'))
        {
            keyPrefix += "/";
        }

        return new S3Settings
        {
            Endpoint = endpoint,
            Region = section["Region"],
            Bucket = bucket,
            KeyPrefix = keyPrefix,
            AccessKey = section["AccessKey"],
            SecretKey = secret,
            CreateBucket = createBucket,
            Timeout = TimeSpan.FromSeconds(timeout),
            MaxAttempts = attempts,
        };
    }
}
