using System.Globalization;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Mail.Host.Startup;
using Mail.Host.Storage;
using Microsoft.Extensions.Configuration;

namespace Mail.Host.Manifest;

/// <summary>The manifest as the host uses it: typed, defaults applied, relative paths resolved against its folder.</summary>
internal sealed class HostManifest
{
    public const string DefaultHttpUrl = "http://127.0.0.1:8080";

    private HostManifest(IConfiguration configuration, string filePath)
    {
        Configuration = configuration;
        FilePath = filePath;
        Directory = Path.GetDirectoryName(filePath)!;
    }

    public IConfiguration Configuration { get; }

    public string FilePath { get; }

    /// <summary>The manifest's folder, against which every relative path resolves.</summary>
    public string Directory { get; }

    public string Hostname { get; private set; } = "localhost";

    public string PluginsDirectory { get; private set; } = string.Empty;

    public string DataDirectory { get; private set; } = string.Empty;

    public TimeSpan ShutdownTimeout { get; private set; } = TimeSpan.FromSeconds(30);

    public IReadOnlyList<string> HttpUrls { get; private set; } = [DefaultHttpUrl];

    /// <summary>The certificate the https:// entries of <c>Http:Urls</c> present (<c>Http:CertificatePath</c>, <c>Http:KeyPath</c>); null without one.</summary>
    public X509Certificate2? HttpCertificate { get; private set; }

    /// <summary>Plugins named in the manifest, by id; a plugin not named is disabled.</summary>
    public IReadOnlyDictionary<string, PluginEntry> Plugins { get; private set; } = new Dictionary<string, PluginEntry>();

    public IReadOnlyDictionary<string, ComponentEntry> Stores { get; private set; } = new Dictionary<string, ComponentEntry>();

    public IReadOnlyDictionary<StoreRoles, string> Roles { get; private set; } = new Dictionary<StoreRoles, string>();

    public IReadOnlyDictionary<string, ComponentEntry> Directories { get; private set; } = new Dictionary<string, ComponentEntry>();

    public string? AuthenticationDirectory { get; private set; }

    /// <summary>The <c>Mail</c> section: engine settings.</summary>
    public MailSettings Mail { get; private set; } = new();

    public IReadOnlyDictionary<string, ComponentEntry> Listeners { get; private set; } = new Dictionary<string, ComponentEntry>();

    public bool IsEnabled(string pluginId) => Plugins.TryGetValue(pluginId, out var entry) && entry.Enabled;

    public string ResolvePath(string path) => Path.GetFullPath(path, Directory);

    public static HostManifest From(IConfiguration configuration, string filePath)
    {
        var manifest = new HostManifest(configuration, filePath);
        var problems = new List<StartupProblem>();

        var server = configuration.GetSection("Server");
        manifest.Hostname = server["Hostname"] is { Length: > 0 } hostname ? hostname : Environment.MachineName.ToLowerInvariant();
        manifest.PluginsDirectory = manifest.ResolvePath(server["PluginsDirectory"] is { Length: > 0 } plugins ? plugins : "plugins");
        manifest.DataDirectory = manifest.ResolvePath(server["DataDirectory"] is { Length: > 0 } data ? data : "data");
        if (server["ShutdownTimeoutSeconds"] is { } timeout)
        {
            if (int.TryParse(timeout, NumberStyles.None, CultureInfo.InvariantCulture, out var seconds) && seconds is > 0 and <= 3600)
            {
                manifest.ShutdownTimeout = TimeSpan.FromSeconds(seconds);
            }
            else
            {
                problems.Add(manifest.Problem($"Server:ShutdownTimeoutSeconds is '{timeout}', not a whole number of seconds from 1 to 3600", "set Server:ShutdownTimeoutSeconds to a number such as 30"));
            }
        }

        var urls = configuration.GetSection("Http:Urls").GetChildren().Select(c => c.Value).OfType<string>().Where(u => u.Length > 0).ToList();
        if (urls.Count == 0 && configuration["Http:Urls"] is { Length: > 0 } singleUrl)
        {
            // MAILHOST__Http__Urls=URL sets the key itself rather than an array entry; one URL is what it means.
            urls.Add(singleUrl);
        }
        if (urls.Count > 0)
        {
            foreach (var url in urls)
            {
                if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
                {
                    problems.Add(manifest.Problem($"Http:Urls has '{url}', which is not an http:// or https:// URL", "write each entry of Http:Urls as http://ADDRESS:PORT, for example http://127.0.0.1:8080"));
                }
            }

            manifest.HttpUrls = urls;
        }

        var certificatePath = configuration["Http:CertificatePath"] is { Length: > 0 } certificate ? manifest.ResolvePath(certificate) : null;
        var keyPath = configuration["Http:KeyPath"] is { Length: > 0 } key ? manifest.ResolvePath(key) : null;
        var https = manifest.HttpUrls.FirstOrDefault(u => u.StartsWith("https:", StringComparison.OrdinalIgnoreCase));
        if (certificatePath is not null)
        {
            try
            {
                manifest.HttpCertificate = X509Certificate2.CreateFromPemFile(certificatePath, keyPath ?? certificatePath);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or CryptographicException or ArgumentException)
            {
                problems.Add(manifest.Problem(
                    $"Http:CertificatePath '{certificatePath}'{(keyPath is null ? string.Empty : $" with Http:KeyPath '{keyPath}'")} cannot be loaded: {ex.Message}",
                    "point Http:CertificatePath at a PEM certificate (its chain may follow) and Http:KeyPath at its PEM private key, or keep both in the one file"));
            }
        }
        else if (keyPath is not null)
        {
            problems.Add(manifest.Problem("Http:KeyPath is set without Http:CertificatePath", "set Http:CertificatePath to the PEM certificate the key belongs to"));
        }
        else if (https is not null)
        {
            problems.Add(manifest.Problem(
                $"Http:Urls has '{https}', but no certificate is set for it",
                "set Http:CertificatePath (a PEM certificate) and Http:KeyPath (its PEM private key), or serve http:// on loopback behind a TLS proxy"));
        }

        var pluginEntries = new Dictionary<string, PluginEntry>(StringComparer.OrdinalIgnoreCase);
        foreach (var plugin in configuration.GetSection("Plugins").GetChildren())
        {
            var enabled = true;
            if (plugin["Enabled"] is { } flag && !bool.TryParse(flag, out enabled))
            {
                problems.Add(manifest.Problem($"Plugins:{plugin.Key}:Enabled is '{flag}', not true or false", $"set Plugins:{plugin.Key}:Enabled to true or false", plugin.Key));
            }

            pluginEntries[plugin.Key] = new PluginEntry(plugin.Key, enabled, plugin.GetSection("Settings"));
        }

        manifest.Plugins = pluginEntries;
        manifest.Stores = ReadComponents(manifest, configuration.GetSection("Stores"), "Type", problems);
        manifest.Directories = ReadComponents(manifest, configuration.GetSection("Directories"), "Type", problems);
        manifest.Listeners = ReadComponents(manifest, configuration.GetSection("Listeners"), "Protocol", problems);

        var roles = new Dictionary<StoreRoles, string>();
        foreach (var role in new[] { StoreRoles.Data, StoreRoles.Blob, StoreRoles.FullText, StoreRoles.Lookup })
        {
            if (configuration[$"Roles:{role}"] is { Length: > 0 } storeName)
            {
                roles[role] = storeName;
            }
        }

        manifest.Roles = roles;
        manifest.AuthenticationDirectory = configuration["Authentication:Directory"] is { Length: > 0 } directory ? directory : null;
        manifest.Mail = ReadMailSettings(manifest, configuration.GetSection("Mail"), problems);

        if (problems.Count > 0)
        {
            throw new StartupException(problems);
        }

        return manifest;
    }

    private static MailSettings ReadMailSettings(HostManifest manifest, IConfigurationSection section, List<StartupProblem> problems)
    {
        var settings = new MailSettings();
        if (section["HierarchySeparator"] is { } separator)
        {
            if (separator is [var c] && c is '/' or '.')
            {
                settings = settings with { HierarchySeparator = c };
            }
            else
            {
                problems.Add(manifest.Problem($"Mail:HierarchySeparator is '{separator}'; it must be \"/\" or \".\"", "set Mail:HierarchySeparator to \"/\" (the default) or \".\""));
            }
        }

        long Number(string key, long min, long max, long fallback)
        {
            if (section[key] is not { } text)
            {
                return fallback;
            }

            if (long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value) && value >= min && value <= max)
            {
                return value;
            }

            problems.Add(manifest.Problem(
                $"Mail:{key} is '{text}', not a whole number from {min.ToString(CultureInfo.InvariantCulture)} to {max.ToString(CultureInfo.InvariantCulture)}",
                $"set Mail:{key} to a number such as {fallback.ToString(CultureInfo.InvariantCulture)}, or remove it for that default"));
            return fallback;
        }

        var perUserSeen = settings.PerUserSeenInSharedMailboxes;
        if (section["PerUserSeenInSharedMailboxes"] is { } seenText)
        {
            if (bool.TryParse(seenText, out var parsed))
            {
                perUserSeen = parsed;
            }
            else
            {
                problems.Add(manifest.Problem(
                    $"Mail:PerUserSeenInSharedMailboxes is '{seenText}', not true or false",
                    "set Mail:PerUserSeenInSharedMailboxes to true (each reader of a shared mailbox keeps its own \\Seen, the default) or false (one \\Seen for everyone)"));
            }
        }

        return settings with
        {
            PerUserSeenInSharedMailboxes = perUserSeen,
            GroupMembershipCacheTime = TimeSpan.FromSeconds(Number("GroupMembershipCacheSeconds", 0, 86400, (long)settings.GroupMembershipCacheTime.TotalSeconds)),
            ChangeRetention = TimeSpan.FromDays(Number("ChangeRetentionDays", 1, 3650, (long)settings.ChangeRetention.TotalDays)),
            MaintenanceInterval = TimeSpan.FromSeconds(Number("MaintenanceIntervalSeconds", 1, 7 * 86400, (long)settings.MaintenanceInterval.TotalSeconds)),
            PendingReferenceTimeout = TimeSpan.FromSeconds(Number("PendingReferenceTimeoutSeconds", 1, 7 * 86400, (long)settings.PendingReferenceTimeout.TotalSeconds)),
            MaxMessageSize = Number("MaxMessageSizeBytes", 1024, 1L << 31, settings.MaxMessageSize),
            NotificationPollInterval = TimeSpan.FromMilliseconds(Number("NotificationPollMilliseconds", 50, 60_000, (long)settings.NotificationPollInterval.TotalMilliseconds)),
            QueryViewEmails = (int)Number("QueryViewEmails", 0, 100_000_000, settings.QueryViewEmails),
            InlineMessageBytes = (int)Number("InlineMessageBytes", 0, 1024 * 1024, settings.InlineMessageBytes),
        };
    }

    public StartupProblem Problem(string message, string fix, string? pluginId = null)
        => new(message, FilePath, $"{fix} in {FilePath}", pluginId);

    private static Dictionary<string, ComponentEntry> ReadComponents(HostManifest manifest, IConfigurationSection section, string typeKey, List<StartupProblem> problems)
    {
        var entries = new Dictionary<string, ComponentEntry>(StringComparer.OrdinalIgnoreCase);
        foreach (var child in section.GetChildren())
        {
            if (child[typeKey] is not { Length: > 0 } type)
            {
                problems.Add(manifest.Problem($"{section.Key}:{child.Key} has no {typeKey}", $"set {section.Key}:{child.Key}:{typeKey}"));
                continue;
            }

            entries[child.Key] = new ComponentEntry(child.Key, type.ToLowerInvariant(), child);
        }

        return entries;
    }
}
