using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text;
using Mail.Host.Conformance;
using Mail.Host.Directory;
using Mail.Host.Plugins.InMemory;
using Mail.Host.Plugins.Security;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Xunit;

namespace Mail.Host.Plugins.Tests;

/// <summary>
/// The directory conformance kit against the <c>static</c> directory, configured from the kit's fixture through an
/// in-memory manifest and opened through its provider the way the host opens it; then what is particular to it:
/// settings validation, catch-all addresses and members given by name.
/// </summary>
public sealed class StaticDirectoryTests : DirectoryConformance
{
    private const string DirectoryName = "local";
    private const string Prefix = "Directories:" + DirectoryName;

    // Argon2id is slow on purpose. The fixture's passwords are hashed once for the whole run, with parameters far
    // below a server's so that the many logins of the kit stay fast; the directory takes any Argon2id parameters.
    private static readonly ConcurrentDictionary<string, string> Hashes = new(StringComparer.Ordinal);

    private static readonly string AliceHash = HashOf("Wonderland-Rabbit-1865");

    protected override async ValueTask<IDirectory> OpenDirectoryAsync(DirectoryConformanceData data)
    {
        var context = ContextFor(ManifestFrom(data));
        var provider = new StaticDirectoryProvider();

        Assert.Empty(provider.Validate(context));
        return await provider.OpenAsync(context, CancellationToken.None);
    }

    [Fact]
    public void Provider_type_is_static()
    {
        Assert.Equal("static", new StaticDirectoryProvider().Type);
    }

    [Fact]
    public void Validate_accepts_empty_settings()
    {
        Assert.Empty(Validate(new Dictionary<string, string?> { [$"{Prefix}:Type"] = "static" }));
    }

    [Theory]
    [InlineData("hunter2")]
    [InlineData("$argon2i$v=19$m=64,t=3,p=4$c2FsdHNhbHRzYWx0c2FsdA$m18+jASAsn6B34FZLdAZIZ5+JWJGVnBMoAx9fU3bBeI")]
    [InlineData("{SSHA}W6ph5Mm5Pz8GgiULbPgzG37mj9g=")]
    public void Validate_reports_secret_that_is_not_an_argon2id_hash_without_repeating_it(string secret)
    {
        var problems = Validate(Manifest(("Principals:0:Name", "alice"), ("Principals:0:Secret", secret)));

        var problem = Assert.Single(problems);
        Assert.StartsWith($"{Prefix}:Principals:0:Secret is not an Argon2id hash (", problem, StringComparison.Ordinal);
        Assert.Contains("generate one with: printf %s 'the password' | argon2", problem, StringComparison.Ordinal);
        Assert.DoesNotContain(secret, problem, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_reports_duplicate_names_regardless_of_case()
    {
        var problems = Validate(Manifest(("Principals:0:Name", "alice"), ("Principals:1:Name", "Alice")));

        Assert.Equal(
            [$"{Prefix}:Principals:1:Name ('Alice') is already the name of {Prefix}:Principals:0; names are unique regardless of case."],
            problems);
    }

    [Fact]
    public void Validate_reports_duplicate_addresses_regardless_of_case()
    {
        var problems = Validate(Manifest(
            ("Domains:0", "example.org"),
            ("Principals:0:Name", "alice"),
            ("Principals:0:Addresses:0", "alice@example.org"),
            ("Principals:1:Name", "bob"),
            ("Principals:1:Addresses:0", "bob@example.org"),
            ("Principals:1:Addresses:1", "ALICE@example.org")));

        Assert.Equal(
            [$"{Prefix}:Principals:1:Addresses:1 ('ALICE@example.org') is already given at {Prefix}:Principals:0:Addresses:0; an address belongs to one principal, once."],
            problems);
    }

    [Fact]
    public void Validate_reports_address_in_a_domain_not_listed()
    {
        var problems = Validate(Manifest(
            ("Domains:0", "example.org"),
            ("Principals:0:Name", "alice"),
            ("Principals:0:Addresses:0", "alice@example.com")));

        Assert.Equal(
            [$"{Prefix}:Principals:0:Addresses:0 ('alice@example.com') is in the domain example.com, which {Prefix}:Domains does not list."],
            problems);
    }

    [Theory]
    [InlineData("alice")]
    [InlineData("@example.org")]
    [InlineData("alice@")]
    [InlineData("a@b@example.org")]
    [InlineData("al ice@example.org")]
    public void Validate_reports_malformed_address(string address)
    {
        var problems = Validate(Manifest(
            ("Domains:0", "example.org"),
            ("Principals:0:Name", "alice"),
            ("Principals:0:Addresses:0", address)));

        Assert.Equal([$"{Prefix}:Principals:0:Addresses:0 ('{address}') is not an address of the form local@domain."], problems);
    }

    [Fact]
    public void Validate_reports_malformed_and_duplicate_domains()
    {
        var problems = Validate(Manifest(("Domains:0", "example.org"), ("Domains:1", "exa mple.org"), ("Domains:2", "Example.ORG")));

        Assert.Equal(
            [
                $"{Prefix}:Domains:1 ('exa mple.org') is not a domain name such as example.org.",
                $"{Prefix}:Domains:2 ('Example.ORG') is listed twice.",
            ],
            problems);
    }

    [Fact]
    public void Validate_reports_members_that_resolve_to_nothing()
    {
        var problems = Validate(Manifest(
            ("Domains:0", "example.org"),
            ("Principals:0:Name", "alice"),
            ("Principals:0:Addresses:0", "alice@example.org"),
            ("Principals:1:Name", "service"),
            ("Principals:2:Name", "team"),
            ("Principals:2:Kind", "group"),
            ("Principals:2:Members:0", "alice"),
            ("Principals:2:Members:1", "nobody"),
            ("Principals:2:Members:2", "nobody@example.org"),
            ("Principals:2:Members:3", "service")));

        Assert.Equal(
            [
                $"{Prefix}:Principals:2:Members:1 ('nobody') is neither the name nor an address of a principal in this directory.",
                $"{Prefix}:Principals:2:Members:2 ('nobody@example.org') is neither the name nor an address of a principal in this directory.",
                $"{Prefix}:Principals:2:Members:3 ('service') names {Prefix}:Principals:1, which has no address to deliver to.",
            ],
            problems);
    }

    [Fact]
    public void Validate_reports_unknown_kind()
    {
        var problems = Validate(Manifest(("Principals:0:Name", "robot"), ("Principals:0:Kind", "machine")));

        Assert.Equal([$"{Prefix}:Principals:0:Kind ('machine') is not a principal kind; use individual or group."], problems);
    }

    [Fact]
    public void Validate_reports_misspelt_principal_setting()
    {
        var problems = Validate(Manifest(("Principals:0:Name", "alice"), ("Principals:0:Adresses:0", "alice@example.org")));

        var problem = Assert.Single(problems);
        Assert.StartsWith($"{Prefix}:Principals:0:Adresses is not a setting of a principal; the settings are Name, Kind, Secret,", problem, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_reports_missing_name_and_address_as_name()
    {
        var problems = Validate(Manifest(("Principals:0:DisplayName", "Nobody"), ("Principals:1:Name", "alice@example.org")));

        Assert.Equal(
            [
                $"{Prefix}:Principals:0:Name is required: the principal's login name.",
                $"{Prefix}:Principals:1:Name ('alice@example.org') is an address; Name is the login name, and addresses go under {Prefix}:Principals:1:Addresses.",
            ],
            problems);
    }

    [Fact]
    public void Validate_reports_bad_quota_and_disabled_values()
    {
        var problems = Validate(Manifest(
            ("Principals:0:Name", "alice"),
            ("Principals:0:QuotaBytes", "1GB"),
            ("Principals:0:QuotaMessages", "-1"),
            ("Principals:0:Disabled", "yes")));

        Assert.Equal(
            [
                $"{Prefix}:Principals:0:QuotaBytes ('1GB') is not a whole number of bytes of 0 or more (0 means no limit).",
                $"{Prefix}:Principals:0:QuotaMessages ('-1') is not a whole number of messages of 0 or more (0 means no limit).",
                $"{Prefix}:Principals:0:Disabled ('yes') is neither true nor false.",
            ],
            problems);
    }

    [Fact]
    public void Validate_reports_members_of_an_individual_and_secret_of_a_group()
    {
        var problems = Validate(Manifest(
            ("Domains:0", "example.org"),
            ("Principals:0:Name", "alice"),
            ("Principals:0:Addresses:0", "alice@example.org"),
            ("Principals:0:Members:0", "alice@example.org"),
            ("Principals:1:Name", "team"),
            ("Principals:1:Kind", "group"),
            ("Principals:1:Secret", AliceHash)));

        Assert.Equal(
            [
                $"{Prefix}:Principals:0:Members is set, but only a group has members; set {Prefix}:Principals:0:Kind to group or remove the members.",
                $"{Prefix}:Principals:1:Secret is set, but a group cannot log in; remove it.",
            ],
            problems);
    }

    [Fact]
    public void Validate_reports_group_that_lists_itself()
    {
        var problems = Validate(Manifest(
            ("Domains:0", "example.org"),
            ("Principals:0:Name", "team"),
            ("Principals:0:Kind", "group"),
            ("Principals:0:Addresses:0", "team@example.org"),
            ("Principals:0:Members:0", "team@example.org")));

        Assert.Equal([$"{Prefix}:Principals:0:Members:0 ('team@example.org') is the group itself."], problems);
    }

    [Fact]
    public void Validate_reports_catch_all_for_unlisted_domain_or_unknown_principal()
    {
        var problems = Validate(Manifest(
            ("Domains:0", "example.org"),
            ("Domains:1", "example.net"),
            ("Principals:0:Name", "alice"),
            ("Principals:0:Addresses:0", "alice@example.org"),
            ("CatchAll:example.com", "alice"),
            ("CatchAll:example.net", "postmaster")));

        Assert.Equal(
            [
                $"{Prefix}:CatchAll:example.com names the domain example.com, which {Prefix}:Domains does not list.",
                $"{Prefix}:CatchAll:example.net ('postmaster') is neither the name nor an address of a principal in this directory.",
            ],
            problems);
    }

    [Fact]
    public async Task OpenAsync_with_problems_throws_listing_every_problem()
    {
        var context = ContextFor(Manifest(
            ("Principals:0:Name", "alice"),
            ("Principals:0:Kind", "robot"),
            ("Principals:0:Secret", "hunter2")));

        var exception = await Assert.ThrowsAsync<InvalidOperationException>(
            async () => await new StaticDirectoryProvider().OpenAsync(context, CancellationToken.None));

        Assert.StartsWith("The static directory 'local' cannot open: ", exception.Message, StringComparison.Ordinal);
        Assert.Contains($"{Prefix}:Principals:0:Kind ('robot')", exception.Message, StringComparison.Ordinal);
        Assert.Contains($"{Prefix}:Principals:0:Secret is not an Argon2id hash", exception.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("hunter2", exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CatchAll_receives_unknown_addresses_of_its_domain_only()
    {
        var directory = await OpenAsync(Manifest(
            ("Domains:0", "example.org"),
            ("Domains:1", "example.net"),
            ("Principals:0:Name", "postmaster"),
            ("Principals:0:Addresses:0", "postmaster@example.org"),
            ("Principals:1:Name", "alice"),
            ("Principals:1:Addresses:0", "alice@example.org"),
            ("CatchAll:Example.ORG", "postmaster")));

        var unknown = await directory.ResolveRecipientAsync("whoever@EXAMPLE.org");
        var known = await directory.ResolveRecipientAsync("alice@example.org");
        var otherDomain = await directory.ResolveRecipientAsync("whoever@example.net");
        var malformed = await directory.ResolveRecipientAsync("@example.org");
        var foreign = await directory.ResolveRecipientAsync("whoever@example.com");

        Assert.Equal("postmaster", unknown.Principal?.Name);
        Assert.Equal("alice", known.Principal?.Name);
        Assert.Equal(RecipientResolution.NotFound, otherDomain);
        Assert.Equal(RecipientResolution.NotFound, malformed);
        Assert.Equal(RecipientResolution.NotFound, foreign);
    }

    [Fact]
    public async Task Members_by_name_resolve_to_primary_address_and_fill_MemberOf()
    {
        var directory = await OpenAsync(Manifest(
            ("Domains:0", "example.org"),
            ("Principals:0:Name", "alice"),
            ("Principals:0:Addresses:0", "Alice@Example.org"),
            ("Principals:0:Addresses:1", "ally@example.org"),
            ("Principals:1:Name", "team"),
            ("Principals:1:Kind", "Group"),
            ("Principals:1:Addresses:0", "team@example.org"),
            ("Principals:1:Members:0", "ALICE"),
            ("Principals:1:Members:1", "ally@example.org")));

        var team = await directory.FindPrincipalAsync("team");
        var alice = await directory.FindPrincipalAsync("alice");

        Assert.Equal(["alice@example.org", "ally@example.org"], team?.Members);
        Assert.Equal(["alice@example.org", "ally@example.org"], alice?.Addresses);
        Assert.Equal(["team"], alice?.MemberOf);
    }

    [Fact]
    public async Task Quota_of_zero_means_no_limit()
    {
        var directory = await OpenAsync(Manifest(
            ("Principals:0:Name", "alice"),
            ("Principals:0:QuotaBytes", "0"),
            ("Principals:0:QuotaMessages", "10")));

        var alice = await directory.FindPrincipalAsync("alice");

        Assert.Null(alice?.QuotaBytes);
        Assert.Equal(10, alice?.QuotaMessages);
    }

    [Fact]
    public async Task Login_works_by_name_in_any_case_and_by_alias()
    {
        var byName = await DirectoryUnderTest.AuthenticateAsync(new PasswordCredentials("ALICE", Data.AlicePassword));
        var byAlias = await DirectoryUnderTest.AuthenticateAsync(new PasswordCredentials("Ally@Example.NET", Data.AlicePassword));

        Assert.Equal("alice", byName.Principal?.Name);
        Assert.Equal("alice", byAlias.Principal?.Name);
    }

    [Theory]
    [InlineData("")]
    [InlineData("anything")]
    public async Task Individual_without_secret_cannot_log_in(string password)
    {
        var directory = await OpenAsync(Manifest(("Domains:0", "example.org"), ("Principals:0:Name", "reports"), ("Principals:0:Addresses:0", "reports@example.org")));

        var result = await directory.AuthenticateAsync(new PasswordCredentials("reports", password));
        var resolution = await directory.ResolveRecipientAsync("reports@example.org");

        Assert.Equal(AuthenticationResult.Invalid, result);
        Assert.Equal(RecipientKind.Individual, resolution.Kind);
    }

    [Fact]
    public async Task Unknown_user_costs_about_as_much_as_a_wrong_password()
    {
        // Warm both paths so the comparison sees steady state, not first-call costs.
        await DirectoryUnderTest.AuthenticateAsync(new PasswordCredentials("alice", "wrong"));
        await DirectoryUnderTest.AuthenticateAsync(new PasswordCredentials("mallory", "wrong"));

        // Samples alternate between the two names, so a burst of load on a busy machine slows both alike, and the
        // fastest of each is compared: the fastest run is the one load did not stretch.
        var known = double.MaxValue;
        var unknown = double.MaxValue;
        for (var i = 0; i < 9; i++)
        {
            known = Math.Min(known, await MillisecondsAsync(new PasswordCredentials("alice", "wrong")));
            unknown = Math.Min(unknown, await MillisecondsAsync(new PasswordCredentials("mallory", "wrong")));
        }

        // Without a hash for unknown names the ratio is a thousand to one; the bound leaves room for a busy machine.
        Assert.True(unknown > known / 4, $"unknown {unknown} ms, known {known} ms");
    }

    [Fact]
    public async Task Settings_from_a_json_manifest_open_as_documented()
    {
        var json = $$"""
            {
              "Directories": {
                "local": {
                  "Type": "static",
                  "Domains": [ "Example.org" ],
                  "Principals": [
                    {
                      "Name": "alice",
                      "Kind": "individual",
                      "Secret": "{{AliceHash}}",
                      "DisplayName": "Alice",
                      "Addresses": [ "alice@example.org" ],
                      "Members": [],
                      "Roles": [ "user", "admin" ],
                      "QuotaBytes": 1073741824,
                      "QuotaMessages": 0,
                      "Disabled": false
                    },
                    { "Name": "team", "Kind": "group", "Addresses": [ "team@example.org" ], "Members": [ "alice" ] }
                  ],
                  "CatchAll": { "example.org": "team" }
                }
              }
            }
            """;
        var configuration = new ConfigurationBuilder().AddJsonStream(new MemoryStream(Encoding.UTF8.GetBytes(json))).Build();
        var context = ContextFor(configuration);
        var provider = new StaticDirectoryProvider();

        Assert.Empty(provider.Validate(context));
        var directory = await provider.OpenAsync(context, CancellationToken.None);

        var login = await directory.AuthenticateAsync(new PasswordCredentials("alice", "Wonderland-Rabbit-1865"));
        var catchAll = await directory.ResolveRecipientAsync("sales@example.org");
        Assert.Equal(AuthenticationStatus.Success, login.Status);
        Assert.Equal(["user", "admin"], login.Principal?.Roles);
        Assert.Equal(1073741824, login.Principal?.QuotaBytes);
        Assert.Null(login.Principal?.QuotaMessages);
        Assert.Equal(RecipientKind.Group, catchAll.Kind);
        Assert.Equal(["alice@example.org"], catchAll.Principal?.Members);
        Assert.Equal(["example.org"], await directory.ListDomainsAsync());
    }

    private static string HashOf(string password)
        => Hashes.GetOrAdd(password, static value => PasswordHash.Hash(value, memoryKiB: 1024, iterations: 1, parallelism: 1));

    private static Dictionary<string, string?> ManifestFrom(DirectoryConformanceData data)
    {
        var manifest = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase) { [$"{Prefix}:Type"] = "static" };
        for (var i = 0; i < data.Domains.Count; i++)
        {
            manifest[$"{Prefix}:Domains:{i}"] = data.Domains[i];
        }

        for (var i = 0; i < data.Principals.Count; i++)
        {
            var principal = data.Principals[i];
            var key = $"{Prefix}:Principals:{i}";
            manifest[$"{key}:Name"] = principal.Name;
            manifest[$"{key}:Kind"] = principal.Kind == PrincipalKind.Group ? "group" : "individual";
            manifest[$"{key}:DisplayName"] = principal.DisplayName;
            manifest[$"{key}:Disabled"] = principal.Disabled ? "true" : "false";
            if (data.Passwords.TryGetValue(principal.Name, out var password))
            {
                manifest[$"{key}:Secret"] = HashOf(password);
            }

            if (principal.QuotaBytes is { } quotaBytes)
            {
                manifest[$"{key}:QuotaBytes"] = quotaBytes.ToString(System.Globalization.CultureInfo.InvariantCulture);
            }

            if (principal.QuotaMessages is { } quotaMessages)
            {
                manifest[$"{key}:QuotaMessages"] = quotaMessages.ToString(System.Globalization.CultureInfo.InvariantCulture);
            }

            AddList(manifest, $"{key}:Addresses", principal.Addresses);
            AddList(manifest, $"{key}:Members", principal.Members);
            AddList(manifest, $"{key}:Roles", principal.Roles);
        }

        return manifest;
    }

    private static void AddList(Dictionary<string, string?> manifest, string key, IReadOnlyList<string> values)
    {
        for (var i = 0; i < values.Count; i++)
        {
            manifest[$"{key}:{i}"] = values[i];
        }
    }

    private static Dictionary<string, string?> Manifest(params (string Key, string? Value)[] settings)
    {
        var manifest = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase) { [$"{Prefix}:Type"] = "static" };
        foreach (var (key, value) in settings)
        {
            manifest[$"{Prefix}:{key}"] = value;
        }

        return manifest;
    }

    private static DirectoryContext ContextFor(Dictionary<string, string?> manifest)
        => ContextFor(new ConfigurationBuilder().AddInMemoryCollection(manifest).Build());

    private static DirectoryContext ContextFor(IConfiguration configuration) => new()
    {
        Name = DirectoryName,
        Settings = configuration.GetSection(Prefix),
        BaseDirectory = AppContext.BaseDirectory,
        Services = new ServiceCollection().BuildServiceProvider(),
    };

    private static List<string> Validate(Dictionary<string, string?> manifest)
        => new StaticDirectoryProvider().Validate(ContextFor(manifest)).ToList();

    private static async Task<IDirectory> OpenAsync(Dictionary<string, string?> manifest)
        => await new StaticDirectoryProvider().OpenAsync(ContextFor(manifest), CancellationToken.None);

    private async Task<double> MillisecondsAsync(Credentials credentials)
    {
        var stopwatch = Stopwatch.StartNew();
        await DirectoryUnderTest.AuthenticateAsync(credentials);
        return stopwatch.Elapsed.TotalMilliseconds;
    }
}
