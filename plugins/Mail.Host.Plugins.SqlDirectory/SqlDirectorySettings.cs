using System.Globalization;
using System.Text.RegularExpressions;
using Mail.Host.Directory;
using Mail.Host.Plugins.DirectorySupport;
using Microsoft.Extensions.Configuration;

namespace Mail.Host.Plugins.SqlDirectory;

/// <summary>The settings of one <c>sql</c> directory, read and checked from its manifest section.</summary>
internal sealed partial class SqlDirectorySettings
{
    /// <summary>The query keys under <c>Queries</c>.</summary>
    public static readonly string[] QueryKeys = ["Login", "Principal", "Recipient", "Aliases", "MemberOf", "Members", "Domains", "Quota"];

    private static readonly string[] KnownKeys = ["Type", "Store", "Queries", "Domains", "AllowPlainPasswords", "ScramSha256", "CacheSeconds", "DefaultRoles"];

    private static readonly string[] Parameters = ["user", "name", "address", "local", "domain"];

    /// <summary>
    /// Whether logins may use SCRAM-SHA-256: the <c>Login</c> row carries each user's SCRAM secret (a
    /// <c>scram_sha256</c> column, or a <c>secret</c> in SCRAM form).
    /// </summary>
    public bool OfferScramSha256 { get; private init; }

    /// <summary>The store whose database the queries run on.</summary>
    public string Store { get; private init; } = string.Empty;

    /// <summary>The queries by key; missing optional ones are absent.</summary>
    public IReadOnlyDictionary<string, string> Queries { get; private init; } = new Dictionary<string, string>();

    /// <summary>The local domains written in the manifest, lower case; empty when the <c>Domains</c> query lists them.</summary>
    public IReadOnlyList<string> Domains { get; private init; } = [];

    /// <summary>Whether passwords stored in clear may be compared.</summary>
    public bool AllowPlainPasswords { get; private init; }

    /// <summary>How long lookups are kept.</summary>
    public TimeSpan CacheLifetime { get; private init; }

    /// <summary>The roles of an individual whose row names none.</summary>
    public IReadOnlyList<string> DefaultRoles { get; private init; } = ["user"];

    /// <summary>Every problem found, each naming the key and the fix.</summary>
    public List<string> Problems { get; } = [];

    /// <summary>Reads a directory's settings.</summary>
    /// <param name="context">The directory.</param>
    /// <returns>The settings, with <see cref="Problems"/> empty when they are usable.</returns>
    public static SqlDirectorySettings Read(DirectoryContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var prefix = $"Directories:{context.Name}";
        var section = context.Settings;
        var problems = new List<string>();
        foreach (var child in section.GetChildren())
        {
            if (!KnownKeys.Contains(child.Key, StringComparer.OrdinalIgnoreCase))
            {
                problems.Add($"{prefix}:{child.Key} is not a setting of the sql directory type; its settings are {string.Join(", ", KnownKeys.Skip(1))}.");
            }
        }

        var store = section["Store"];
        if (string.IsNullOrWhiteSpace(store))
        {
            problems.Add($"{prefix}:Store is missing; set it to the name of a store of type sqlite, postgresql or mysql in the Stores section, whose database holds the user tables.");
        }

        var queries = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var child in section.GetSection("Queries").GetChildren())
        {
            if (!QueryKeys.Contains(child.Key, StringComparer.OrdinalIgnoreCase))
            {
                problems.Add($"{prefix}:Queries:{child.Key} is not a query of the sql directory; its queries are {string.Join(", ", QueryKeys)}.");
                continue;
            }

            if (string.IsNullOrWhiteSpace(child.Value))
            {
                continue;
            }

            var key = QueryKeys.First(k => string.Equals(k, child.Key, StringComparison.OrdinalIgnoreCase));
            queries[key] = child.Value;
            foreach (Match match in ParameterPattern().Matches(child.Value))
            {
                if (!Parameters.Contains(match.Groups[1].Value, StringComparer.Ordinal))
                {
                    problems.Add($"{prefix}:Queries:{key} uses the parameter @{match.Groups[1].Value}; the parameters are @{string.Join(", @", Parameters)}.");
                }
            }
        }

        foreach (var required in new[] { "Login", "Recipient" })
        {
            if (!queries.ContainsKey(required))
            {
                problems.Add($"{prefix}:Queries:{required} is missing; see the README's \"SQL directory\" section for the columns it returns.");
            }
        }

        var domains = section.GetSection("Domains").GetChildren().Select(c => c.Value ?? string.Empty).ToList();
        foreach (var domain in domains)
        {
            if (!DirectoryAddress.IsDomain(domain))
            {
                problems.Add($"{prefix}:Domains has '{domain}', which is not a domain name.");
            }
        }

        if (domains.Count == 0 && !queries.ContainsKey("Domains"))
        {
            problems.Add($"{prefix}: give the local domains, as a Domains list or a Queries:Domains query returning a column 'domain'.");
        }

        var allowPlain = false;
        if (section["AllowPlainPasswords"] is { } plainText && !bool.TryParse(plainText, out allowPlain))
        {
            problems.Add($"{prefix}:AllowPlainPasswords must be true or false.");
        }

        var offerScram = false;
        if (section["ScramSha256"] is { } scramText && !bool.TryParse(scramText, out offerScram))
        {
            problems.Add($"{prefix}:ScramSha256 must be true or false.");
        }

        var cacheSeconds = 60;
        if (section["CacheSeconds"] is { } cacheText
            && (!int.TryParse(cacheText, NumberStyles.None, CultureInfo.InvariantCulture, out cacheSeconds) || cacheSeconds > 86_400))
        {
            problems.Add($"{prefix}:CacheSeconds must be a whole number of seconds from 0 (no cache) to 86400.");
        }

        var roles = section.GetSection("DefaultRoles").GetChildren().Select(c => c.Value ?? string.Empty).Where(r => r.Length > 0).ToList();
        var settings = new SqlDirectorySettings
        {
            Store = store ?? string.Empty,
            Queries = queries,
            Domains = [.. domains.Select(d => d.ToLowerInvariant()).Distinct()],
            AllowPlainPasswords = allowPlain,
            OfferScramSha256 = offerScram,
            CacheLifetime = TimeSpan.FromSeconds(cacheSeconds),
            DefaultRoles = section.GetSection("DefaultRoles").Exists() ? roles : ["user"],
        };
        settings.Problems.AddRange(problems);
        return settings;
    }

    /// <summary>The names of the parameters a statement uses, without the <c>@</c>.</summary>
    /// <param name="sql">The statement.</param>
    /// <returns>The names.</returns>
    public static HashSet<string> ParametersOf(string sql)
        => [.. ParameterPattern().Matches(sql).Select(m => m.Groups[1].Value)];

    [GeneratedRegex(@"(?<![@\w])@([A-Za-z_][A-Za-z0-9_]*)")]
    private static partial Regex ParameterPattern();
}
