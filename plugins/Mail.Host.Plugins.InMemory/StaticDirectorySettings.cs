using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using Mail.Host.Directory;
using Mail.Host.Plugins.DirectorySupport;
using Mail.Host.Plugins.Security;
using Microsoft.Extensions.Configuration;

namespace Mail.Host.Plugins.InMemory;

/// <summary>
/// A static directory's manifest section, read key by key so that every problem can be reported with the key that
/// holds it, rather than stopping at the first value a binder cannot convert.
/// </summary>
internal sealed class StaticDirectorySettings
{
    /// <summary>A command that writes an Argon2id hash with the default parameters (Debian and Ubuntu package <c>argon2</c>).</summary>
    public const string HashCommand = "printf %s 'the password' | argon2 \"$(openssl rand -hex 8)\" -id -t 2 -k 19456 -p 1 -e";

    private static readonly string[] PrincipalKeys =
        ["Name", "Kind", "Secret", "DisplayName", "Addresses", "Members", "Roles", "QuotaBytes", "QuotaMessages", "Disabled"];

    private readonly List<string> problems = [];
    private readonly string prefix;

    private StaticDirectorySettings(string prefix) => this.prefix = prefix;

    /// <summary>Every problem found, as sentences naming the key; empty when the settings are usable.</summary>
    public IReadOnlyList<string> Problems => problems;

    /// <summary>The local domains, lower case, in manifest order.</summary>
    public IReadOnlyList<string> Domains { get; private set; } = [];

    /// <summary>The principals, in manifest order.</summary>
    public IReadOnlyList<StaticPrincipalEntry> Principals { get; private set; } = [];

    /// <summary>The principal that receives mail for unknown addresses, by lower-case domain.</summary>
    public IReadOnlyDictionary<string, StaticPrincipalEntry> CatchAll { get; private set; } = new Dictionary<string, StaticPrincipalEntry>();

    /// <summary>Reads and checks a directory's settings.</summary>
    /// <param name="context">The directory's name and manifest section.</param>
    /// <returns>The settings and their problems.</returns>
    public static StaticDirectorySettings Read(DirectoryContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var settings = new StaticDirectorySettings($"Directories:{context.Name}");
        settings.ReadAll(context.Settings);
        return settings;
    }

    private void ReadAll(IConfiguration configuration)
    {
        var domains = ReadDomains(configuration);
        var drafts = ReadPrincipals(configuration);

        var byName = IndexNames(drafts);
        var byAddress = IndexAddresses(drafts, domains);
        ResolveMembers(drafts, byName, byAddress);
        var catchAll = ReadCatchAll(configuration, domains, byName, byAddress);

        var entries = drafts.ToDictionary(draft => draft, draft => new StaticPrincipalEntry(draft.ToPrincipal(), draft.Secret));
        Domains = domains;
        Principals = drafts.Select(draft => entries[draft]).ToArray();
        CatchAll = catchAll.ToDictionary(pair => pair.Key, pair => entries[pair.Value], StringComparer.Ordinal);
    }

    private List<string> ReadDomains(IConfiguration configuration)
    {
        var domains = new List<string>();
        foreach (var (path, value) in ReadList(configuration, "Domains", $"{prefix}:Domains"))
        {
            var domain = value.Trim();
            if (!DirectoryAddress.IsDomain(domain))
            {
                problems.Add($"{path} ('{value}') is not a domain name such as example.org.");
            }
            else if (domains.Contains(domain, StringComparer.OrdinalIgnoreCase))
            {
                problems.Add($"{path} ('{value}') is listed twice.");
            }
            else
            {
                domains.Add(domain.ToLowerInvariant());
            }
        }

        return domains;
    }

    private List<Draft> ReadPrincipals(IConfiguration configuration)
    {
        var drafts = new List<Draft>();
        var section = configuration.GetSection("Principals");
        if (!string.IsNullOrEmpty(section.Value))
        {
            problems.Add($"{prefix}:Principals must be a list of principals, each with Name, Kind, Secret and the other settings.");
            return drafts;
        }

        foreach (var child in section.GetChildren())
        {
            var path = $"{prefix}:Principals:{child.Key}";
            if (child.Value is not null)
            {
                if (child.Value.Length > 0)
                {
                    problems.Add($"{path} must be a section with Name, Kind, Secret and the other settings of a principal, not a single value.");
                }

                continue;
            }

            drafts.Add(ReadPrincipal(child, path));
        }

        return drafts;
    }

    private Draft ReadPrincipal(IConfigurationSection section, string path)
    {
        foreach (var child in section.GetChildren())
        {
            if (!PrincipalKeys.Contains(child.Key, StringComparer.OrdinalIgnoreCase))
            {
                problems.Add($"{path}:{child.Key} is not a setting of a principal; the settings are {string.Join(", ", PrincipalKeys)}.");
            }
        }

        var draft = new Draft(path);

        var name = ReadScalar(section, "Name", path)?.Trim();
        if (string.IsNullOrEmpty(name))
        {
            problems.Add($"{path}:Name is required: the principal's login name.");
        }
        else if (name.Contains('@', StringComparison.Ordinal))
        {
            problems.Add($"{path}:Name ('{name}') is an address; Name is the login name, and addresses go under {path}:Addresses.");
        }
        else if (name.Any(c => char.IsWhiteSpace(c) || char.IsControl(c)))
        {
            problems.Add($"{path}:Name ('{name}') contains spaces or control characters.");
        }
        else
        {
            draft.Name = name;
        }

        var kind = ReadScalar(section, "Kind", path)?.Trim();
        if (string.IsNullOrEmpty(kind) || kind.Equals("individual", StringComparison.OrdinalIgnoreCase))
        {
            draft.Kind = PrincipalKind.Individual;
        }
        else if (kind.Equals("group", StringComparison.OrdinalIgnoreCase))
        {
            draft.Kind = PrincipalKind.Group;
        }
        else
        {
            problems.Add($"{path}:Kind ('{kind}') is not a principal kind; use individual or group.");
        }

        ReadSecret(section, path, draft);

        var displayName = ReadScalar(section, "DisplayName", path)?.Trim();
        draft.DisplayName = string.IsNullOrEmpty(displayName) ? null : displayName;

        foreach (var (itemPath, value) in ReadList(section, "Addresses", $"{path}:Addresses"))
        {
            draft.AddressSources.Add((itemPath, value.Trim()));
        }

        foreach (var (itemPath, value) in ReadList(section, "Members", $"{path}:Members"))
        {
            draft.MemberSources.Add((itemPath, value.Trim()));
        }

        if (draft.Kind == PrincipalKind.Individual && draft.MemberSources.Count > 0)
        {
            problems.Add($"{path}:Members is set, but only a group has members; set {path}:Kind to group or remove the members.");
        }

        foreach (var (itemPath, value) in ReadList(section, "Roles", $"{path}:Roles"))
        {
            var role = value.Trim();
            if (role.Length == 0)
            {
                problems.Add($"{itemPath} is empty; give a role name such as user or admin.");
            }
            else if (!draft.Roles.Contains(role, StringComparer.Ordinal))
            {
                draft.Roles.Add(role);
            }
        }

        draft.QuotaBytes = ReadQuota(section, "QuotaBytes", path, "bytes");
        draft.QuotaMessages = ReadQuota(section, "QuotaMessages", path, "messages");

        var disabled = ReadScalar(section, "Disabled", path)?.Trim();
        if (!string.IsNullOrEmpty(disabled))
        {
            if (bool.TryParse(disabled, out var value))
            {
                draft.Disabled = value;
            }
            else
            {
                problems.Add($"{path}:Disabled ('{disabled}') is neither true nor false.");
            }
        }

        return draft;
    }

    private void ReadSecret(IConfigurationSection section, string path, Draft draft)
    {
        var secret = ReadScalar(section, "Secret", path)?.Trim();
        if (string.IsNullOrEmpty(secret))
        {
            // An individual without a secret is a mailbox nobody logs in to, for example one that only receives reports.
            return;
        }

        if (draft.Kind == PrincipalKind.Group)
        {
            problems.Add($"{path}:Secret is set, but a group cannot log in; remove it.");
            return;
        }

        // The value is never repeated in the message: a plain-text password written here by mistake must not reach the log.
        if (!PasswordHash.IsWellFormed(secret, out var problem))
        {
            problems.Add($"{path}:Secret is not an Argon2id hash ({problem}); generate one with: {HashCommand}");
            return;
        }

        draft.Secret = secret;
    }

    private long? ReadQuota(IConfigurationSection section, string key, string path, string unit)
    {
        var text = ReadScalar(section, key, path)?.Trim();
        if (string.IsNullOrEmpty(text))
        {
            return null;
        }

        if (!long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value))
        {
            problems.Add($"{path}:{key} ('{text}') is not a whole number of {unit} of 0 or more (0 means no limit).");
            return null;
        }

        // 0 reads as "no limit", as in most mail servers' settings; a mailbox that may keep nothing is a disabled one.
        return value == 0 ? null : value;
    }

    private Dictionary<string, Draft> IndexNames(List<Draft> drafts)
    {
        var byName = new Dictionary<string, Draft>(StringComparer.OrdinalIgnoreCase);
        foreach (var draft in drafts.Where(draft => draft.Name.Length > 0))
        {
            if (!byName.TryAdd(draft.Name, draft))
            {
                problems.Add($"{draft.Path}:Name ('{draft.Name}') is already the name of {byName[draft.Name].Path}; names are unique regardless of case.");
            }
        }

        return byName;
    }

    private Dictionary<string, Draft> IndexAddresses(List<Draft> drafts, List<string> domains)
    {
        var byAddress = new Dictionary<string, Draft>(StringComparer.Ordinal);
        var owners = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var draft in drafts)
        {
            foreach (var (path, value) in draft.AddressSources)
            {
                if (!DirectoryAddress.TryNormalize(value, out var address, out _, out var domain))
                {
                    problems.Add($"{path} ('{value}') is not an address of the form local@domain.");
                }
                else if (!domains.Contains(domain, StringComparer.Ordinal))
                {
                    problems.Add($"{path} ('{value}') is in the domain {domain}, which {prefix}:Domains does not list.");
                }
                else if (owners.TryGetValue(address, out var owner))
                {
                    problems.Add($"{path} ('{value}') is already given at {owner}; an address belongs to one principal, once.");
                }
                else
                {
                    owners.Add(address, path);
                    byAddress.Add(address, draft);
                    draft.Addresses.Add(address);
                }
            }
        }

        return byAddress;
    }

    private void ResolveMembers(List<Draft> drafts, Dictionary<string, Draft> byName, Dictionary<string, Draft> byAddress)
    {
        foreach (var group in drafts.Where(draft => draft.Kind == PrincipalKind.Group))
        {
            foreach (var (path, value) in group.MemberSources)
            {
                if (!TryResolve(value, path, byName, byAddress, out var member, out var address))
                {
                    continue;
                }

                if (ReferenceEquals(member, group))
                {
                    problems.Add($"{path} ('{value}') is the group itself.");
                }
                else if (!group.Members.Contains(address, StringComparer.Ordinal))
                {
                    group.Members.Add(address);
                    if (!member.MemberOf.Contains(group.Name, StringComparer.Ordinal))
                    {
                        member.MemberOf.Add(group.Name);
                    }
                }
            }
        }
    }

    private Dictionary<string, Draft> ReadCatchAll(
        IConfiguration configuration,
        List<string> domains,
        Dictionary<string, Draft> byName,
        Dictionary<string, Draft> byAddress)
    {
        var catchAll = new Dictionary<string, Draft>(StringComparer.Ordinal);
        var section = configuration.GetSection("CatchAll");
        if (!string.IsNullOrEmpty(section.Value))
        {
            problems.Add($"{prefix}:CatchAll must map domains to principal names, for example {prefix}:CatchAll:example.org = postmaster.");
            return catchAll;
        }

        foreach (var child in section.GetChildren())
        {
            var path = $"{prefix}:CatchAll:{child.Key}";
            var domain = child.Key.Trim().ToLowerInvariant();
            if (!domains.Contains(domain, StringComparer.Ordinal))
            {
                problems.Add($"{path} names the domain {domain}, which {prefix}:Domains does not list.");
                continue;
            }

            if (string.IsNullOrWhiteSpace(child.Value))
            {
                problems.Add($"{path} must name the principal that receives mail for unknown addresses in {domain}.");
                continue;
            }

            if (TryResolve(child.Value.Trim(), path, byName, byAddress, out var target, out _))
            {
                catchAll[domain] = target;
            }
        }

        return catchAll;
    }

    private bool TryResolve(
        string value,
        string path,
        Dictionary<string, Draft> byName,
        Dictionary<string, Draft> byAddress,
        [NotNullWhen(true)] out Draft? target,
        [NotNullWhen(true)] out string? address)
    {
        target = null;
        address = null;
        if (value.Contains('@', StringComparison.Ordinal))
        {
            if (DirectoryAddress.TryNormalize(value, out var normalized, out _, out _) && byAddress.TryGetValue(normalized, out target))
            {
                address = normalized;
                return true;
            }
        }
        else if (byName.TryGetValue(value, out target))
        {
            if (target.Addresses.Count > 0)
            {
                address = target.Addresses[0];
                return true;
            }

            problems.Add($"{path} ('{value}') names {target.Path}, which has no address to deliver to.");
            target = null;
            return false;
        }

        problems.Add($"{path} ('{value}') is neither the name nor an address of a principal in this directory.");
        target = null;
        return false;
    }

    private string? ReadScalar(IConfigurationSection section, string key, string path)
    {
        var child = section.GetSection(key);
        if (child.Value is null && child.GetChildren().Any())
        {
            problems.Add($"{path}:{key} must be a single value, not a list or a section.");
        }

        return child.Value;
    }

    private List<(string Path, string Value)> ReadList(IConfiguration configuration, string key, string path)
    {
        var section = configuration.GetSection(key);

        // A single value stands for a list of one, as an environment variable or command-line override would give it.
        if (section.Value is not null)
        {
            return section.Value.Length == 0 ? [] : [(path, section.Value)];
        }

        var items = new List<(string Path, string Value)>();
        foreach (var child in section.GetChildren())
        {
            var itemPath = $"{path}:{child.Key}";
            if (child.Value is not null)
            {
                items.Add((itemPath, child.Value));
            }
            else if (child.GetChildren().Any())
            {
                problems.Add($"{itemPath} must be a single value, not a list or a section.");
            }
        }

        return items;
    }

    /// <summary>A principal while it is read, before its members and groups are known.</summary>
    /// <param name="path">The manifest key of its section.</param>
    private sealed class Draft(string path)
    {
        public string Path { get; } = path;

        public string Name { get; set; } = string.Empty;

        public PrincipalKind Kind { get; set; }

        public string? Secret { get; set; }

        public string? DisplayName { get; set; }

        public List<(string Path, string Value)> AddressSources { get; } = [];

        public List<(string Path, string Value)> MemberSources { get; } = [];

        public List<string> Addresses { get; } = [];

        public List<string> Members { get; } = [];

        public List<string> MemberOf { get; } = [];

        public List<string> Roles { get; } = [];

        public long? QuotaBytes { get; set; }

        public long? QuotaMessages { get; set; }

        public bool Disabled { get; set; }

        public Principal ToPrincipal() => new()
        {
            Name = Name,
            Kind = Kind,
            DisplayName = DisplayName,
            Addresses = Addresses.ToArray(),
            Members = Members.ToArray(),
            MemberOf = MemberOf.ToArray(),
            Roles = Roles.ToArray(),
            QuotaBytes = QuotaBytes,
            QuotaMessages = QuotaMessages,
            Disabled = Disabled,
        };
    }
}
