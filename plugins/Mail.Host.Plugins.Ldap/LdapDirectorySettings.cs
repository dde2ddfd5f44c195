using System.Globalization;
using Mail.Host.Directory;
using Mail.Host.Plugins.DirectorySupport;
using Mail.Host.Plugins.Settings;
using Microsoft.Extensions.Configuration;

namespace Mail.Host.Plugins.Ldap;

/// <summary>The settings of one <c>ldap</c> directory, read and checked from its manifest section.</summary>
internal sealed class LdapDirectorySettings
{
    private static readonly string[] KnownKeys =
    [
        "Type", "Urls", "StartTls", "TrustedCertificatesDirectory", "BindDn", .. SecretSetting.Keys("BindPassword"), "BaseDn",
        "Filters", "Attributes", "GroupClasses", "Authentication", "AllowPlainPasswords", "Domains", "DefaultRoles",
        "PoolSize", "TimeoutSeconds", "CacheSeconds",
    ];

    private static readonly string[] FilterKeys = ["Login", "Recipient", "Principal", "MemberOf"];

    private static readonly string[] AttributeKeys =
        ["Name", "GroupName", "Mail", "Aliases", "MemberOf", "Members", "DisplayName", "QuotaBytes", "QuotaMessages", "Disabled", "Roles", "Password", "ObjectClass", "ScramSecret"];

    /// <summary>The servers, tried in order: <c>ldap://host[:port]</c> or <c>ldaps://host[:port]</c>.</summary>
    public IReadOnlyList<Uri> Urls { get; private init; } = [];

    /// <summary>Whether a plain <c>ldap://</c> connection is upgraded with StartTLS before anything is sent.</summary>
    public bool StartTls { get; private init; }

    /// <summary>A folder of trusted CA certificates (OpenSSL hashed names) for ldaps:// and StartTLS; the system's when null.</summary>
    public string? TrustedCertificatesDirectory { get; private init; }

    /// <summary>The service account's DN; anonymous when null.</summary>
    public string? BindDn { get; private init; }

    /// <summary>The service account's password.</summary>
    public string? BindPassword { get; private init; }

    /// <summary>Where searches start.</summary>
    public string BaseDn { get; private init; } = string.Empty;

    /// <summary>The filter templates by key (Login, Recipient, Principal, MemberOf).</summary>
    public IReadOnlyDictionary<string, string> Filters { get; private init; } = new Dictionary<string, string>();

    /// <summary>The attribute names by key; an empty name means the directory has no such attribute.</summary>
    public IReadOnlyDictionary<string, string> Attributes { get; private init; } = new Dictionary<string, string>();

    /// <summary>The object classes that make an entry a group or mailing list.</summary>
    public IReadOnlyList<string> GroupClasses { get; private init; } = [];

    /// <summary>How passwords are checked.</summary>
    public LdapAuthenticationMode Authentication { get; private init; }

    /// <summary>Whether, when comparing, a password stored in clear may be compared.</summary>
    public bool AllowPlainPasswords { get; private init; }

    /// <summary>The local domains, lower case.</summary>
    public IReadOnlyList<string> Domains { get; private init; } = [];

    /// <summary>The roles of an individual whose entry names none.</summary>
    public IReadOnlyList<string> DefaultRoles { get; private init; } = ["user"];

    /// <summary>The most connections open at once, for searches (and as many again for password binds).</summary>
    public int PoolSize { get; private init; }

    /// <summary>How long one request may take before the server counts as unavailable.</summary>
    public TimeSpan Timeout { get; private init; }

    /// <summary>How long lookups are kept.</summary>
    public TimeSpan CacheLifetime { get; private init; }

    /// <summary>Every problem found, each naming the key and the fix.</summary>
    public List<string> Problems { get; } = [];

    /// <summary>The attribute name for a key, or null when the directory has none.</summary>
    /// <param name="key">The key, e.g. <c>Mail</c>.</param>
    /// <returns>The attribute's name.</returns>
    public string? Attribute(string key) => Attributes.TryGetValue(key, out var name) && name.Length > 0 ? name : null;

    /// <summary>Reads a directory's settings.</summary>
    /// <param name="context">The directory.</param>
    /// <returns>The settings, with <see cref="Problems"/> empty when they are usable.</returns>
    public static LdapDirectorySettings Read(DirectoryContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var prefix = $"Directories:{context.Name}";
        var section = context.Settings;
        var problems = new List<string>();
        foreach (var child in section.GetChildren())
        {
            if (!KnownKeys.Contains(child.Key, StringComparer.OrdinalIgnoreCase))
            {
                problems.Add($"{prefix}:{child.Key} is not a setting of the ldap directory type; its settings are {string.Join(", ", KnownKeys.Skip(1))}.");
            }
        }

        var urls = new List<Uri>();
        var urlTexts = section.GetSection("Urls").GetChildren().Select(c => c.Value ?? string.Empty).ToList();
        if (urlTexts.Count == 0)
        {
            problems.Add($"{prefix}:Urls is missing; give the LDAP servers to try in order, e.g. [ \"ldaps://ldap.example.org\" ] or [ \"ldap://127.0.0.1:389\" ].");
        }

        foreach (var text in urlTexts)
        {
            if (Uri.TryCreate(text, UriKind.Absolute, out var url) && url.Scheme is "ldap" or "ldaps" && url.Host.Length > 0
                && (url.AbsolutePath is "" or "/"))
            {
                urls.Add(url);
            }
            else
            {
                problems.Add($"{prefix}:Urls has '{text}', which is not ldap://host[:port] or ldaps://host[:port].");
            }
        }

        var startTls = ReadBool(section, "StartTls", prefix, problems);
        if (startTls && urls.Any(u => u.Scheme == "ldaps"))
        {
            problems.Add($"{prefix}:StartTls is for ldap:// servers; an ldaps:// server is already encrypted: remove StartTls or use ldap:// URLs.");
        }

        var trusted = section["TrustedCertificatesDirectory"] is { Length: > 0 } folder ? context.ResolvePath(folder) : null;
        if (trusted is not null && !System.IO.Directory.Exists(trusted))
        {
            problems.Add($"{prefix}:TrustedCertificatesDirectory '{trusted}' does not exist.");
        }

        var bindDn = section["BindDn"];
        var bindPassword = SecretSetting.Read(section, "BindPassword", prefix, problems, context.ResolvePath);
        if (!string.IsNullOrEmpty(bindDn) && string.IsNullOrEmpty(bindPassword))
        {
            problems.Add($"{prefix}:BindPassword is missing for {prefix}:BindDn; give it as BindPassword, BindPasswordFile or BindPasswordEnvironmentVariable.");
        }

        var baseDn = section["BaseDn"];
        if (string.IsNullOrWhiteSpace(baseDn))
        {
            problems.Add($"{prefix}:BaseDn is missing; set it to the entry searches start from, e.g. dc=example,dc=org.");
        }

        var filters = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["Login"] = "(&(objectClass=inetOrgPerson)(|(uid={user})(mail={user})))",
            ["Recipient"] = "(|(mail={user})(mailAlias={user}))",
            ["Principal"] = "(|(&(objectClass=inetOrgPerson)(uid={user}))(&(objectClass=groupOfNames)(cn={user})))",
            ["MemberOf"] = "(&(objectClass=groupOfNames)(member={dn}))",
        };
        foreach (var child in section.GetSection("Filters").GetChildren())
        {
            var key = FilterKeys.FirstOrDefault(k => string.Equals(k, child.Key, StringComparison.OrdinalIgnoreCase));
            if (key is null)
            {
                problems.Add($"{prefix}:Filters:{child.Key} is not a filter of the ldap directory; its filters are {string.Join(", ", FilterKeys)}.");
                continue;
            }

            filters[key] = child.Value ?? string.Empty;
        }

        foreach (var (key, filter) in filters)
        {
            if (key == "MemberOf" && filter.Length == 0)
            {
                continue;
            }

            if (!filter.StartsWith('(') || !filter.EndsWith(')') || Depth(filter) != 0)
            {
                problems.Add($"{prefix}:Filters:{key} '{filter}' is not an LDAP filter in parentheses.");
            }

            foreach (var brace in System.Text.RegularExpressions.Regex.Matches(filter, @"\{[^}]*\}").Select(m => m.Value))
            {
                if (!LdapFilter.Placeholders.Contains(brace, StringComparer.Ordinal))
                {
                    problems.Add($"{prefix}:Filters:{key} has the placeholder {brace}; the placeholders are {string.Join(", ", LdapFilter.Placeholders)}.");
                }
            }
        }

        var attributes = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["Name"] = "uid",
            ["GroupName"] = "cn",
            ["Mail"] = "mail",
            ["Aliases"] = "mailAlias",
            ["MemberOf"] = string.Empty,
            ["Members"] = "member",
            ["DisplayName"] = "displayName",
            ["QuotaBytes"] = "mailQuotaBytes",
            ["QuotaMessages"] = "mailQuotaMessages",
            ["Disabled"] = "mailAccountDisabled",
            ["Roles"] = "mailRole",
            ["Password"] = "userPassword",
            ["ObjectClass"] = "objectClass",
            ["ScramSecret"] = string.Empty,
        };
        foreach (var child in section.GetSection("Attributes").GetChildren())
        {
            var key = AttributeKeys.FirstOrDefault(k => string.Equals(k, child.Key, StringComparison.OrdinalIgnoreCase));
            if (key is null)
            {
                problems.Add($"{prefix}:Attributes:{child.Key} is not an attribute setting of the ldap directory; they are {string.Join(", ", AttributeKeys)}.");
                continue;
            }

            attributes[key] = child.Value ?? string.Empty;
        }

        foreach (var required in new[] { "Name", "GroupName", "Mail", "ObjectClass" })
        {
            if (attributes[required].Length == 0)
            {
                problems.Add($"{prefix}:Attributes:{required} cannot be empty.");
            }
        }

        var groupClasses = section.GetSection("GroupClasses").GetChildren().Select(c => c.Value ?? string.Empty).Where(v => v.Length > 0).ToList();
        if (groupClasses.Count == 0)
        {
            groupClasses = ["groupOfNames", "groupOfUniqueNames", "group"];
        }

        var mode = LdapAuthenticationMode.Bind;
        if (section["Authentication"] is { Length: > 0 } modeText && !Enum.TryParse(modeText, ignoreCase: true, out mode))
        {
            problems.Add($"{prefix}:Authentication must be bind (bind as the user: the server checks the password) or compare (read the stored hash and check it here).");
        }

        if (mode == LdapAuthenticationMode.Compare && attributes["Password"].Length == 0)
        {
            problems.Add($"{prefix}:Attributes:Password cannot be empty when Authentication is compare.");
        }

        var domains = section.GetSection("Domains").GetChildren().Select(c => c.Value ?? string.Empty).ToList();
        if (domains.Count == 0)
        {
            problems.Add($"{prefix}:Domains is missing; list the domains this directory receives mail for, e.g. [ \"example.org\" ].");
        }

        foreach (var domain in domains.Where(d => !DirectoryAddress.IsDomain(d)))
        {
            problems.Add($"{prefix}:Domains has '{domain}', which is not a domain name.");
        }

        var roles = section.GetSection("DefaultRoles").GetChildren().Select(c => c.Value ?? string.Empty).Where(r => r.Length > 0).ToList();
        var settings = new LdapDirectorySettings
        {
            Urls = urls,
            StartTls = startTls,
            TrustedCertificatesDirectory = trusted,
            BindDn = string.IsNullOrEmpty(bindDn) ? null : bindDn,
            BindPassword = bindPassword,
            BaseDn = baseDn ?? string.Empty,
            Filters = filters,
            Attributes = attributes,
            GroupClasses = groupClasses,
            Authentication = mode,
            AllowPlainPasswords = ReadBool(section, "AllowPlainPasswords", prefix, problems),
            Domains = [.. domains.Select(d => d.ToLowerInvariant()).Distinct()],
            DefaultRoles = section.GetSection("DefaultRoles").Exists() ? roles : ["user"],
            PoolSize = ReadInt(section, "PoolSize", 8, 1, 256, prefix, problems),
            Timeout = TimeSpan.FromSeconds(ReadInt(section, "TimeoutSeconds", 10, 1, 300, prefix, problems)),
            CacheLifetime = TimeSpan.FromSeconds(ReadInt(section, "CacheSeconds", 60, 0, 86_400, prefix, problems)),
        };
        settings.Problems.AddRange(problems);
        return settings;
    }

    private static int Depth(string filter)
    {
        var depth = 0;
        foreach (var c in filter)
        {
            depth += c == '(' ? 1 : c == ')' ? -1 : 0;
            if (depth < 0)
            {
                return -1;
            }
        }

        return depth;
    }

    private static bool ReadBool(IConfiguration section, string key, string prefix, List<string> problems)
    {
        if (section[key] is not { } text)
        {
            return false;
        }

        if (!bool.TryParse(text, out var value))
        {
            problems.Add($"{prefix}:{key} must be true or false.");
        }

        return value;
    }

    private static int ReadInt(IConfiguration section, string key, int fallback, int min, int max, string prefix, List<string> problems)
    {
        if (section[key] is not { } text)
        {
            return fallback;
        }

        if (!int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value) || value < min || value > max)
        {
            problems.Add($"{prefix}:{key} must be a whole number from {min} to {max}.");
            return fallback;
        }

        return value;
    }
}
