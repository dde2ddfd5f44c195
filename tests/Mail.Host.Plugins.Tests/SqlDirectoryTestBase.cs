using Mail.Host.Conformance;
using Mail.Host.Directory;
using Mail.Host.Plugins.SqlDirectory;
using Mail.Host.Storage;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Xunit;

namespace Mail.Host.Plugins.Tests;

/// <summary>
/// The directory conformance kit against the <c>sql</c> directory on one SQL store, whose database gets a user table
/// written the way existing installations write theirs: a row per account or group with its secret in whatever scheme
/// wrote it (the kit's users in SHA512-CRYPT, bcrypt $2y$ and SSHA512), aliases, group members and domains in tables
/// of their own; and one extra account per hash scheme, each with the same password, made by the tools that write
/// those schemes (mkpasswd, openssl passwd, slappasswd, argon2).
/// </summary>
public abstract class SqlDirectoryTestBase : DirectoryConformance
{
    /// <summary>The password of every extra account.</summary>
    protected const string SchemePassword = "Can-We-Fix-It-1999";

    /// <summary>One account per stored hash scheme, with <see cref="SchemePassword"/>.</summary>
    public static readonly TheoryData<string, string> SchemeAccounts = new()
    {
        { "h-bcrypt-2a", "$2a$05$9yqua4WBMvH51/kq8O1Re.1RCNMJlq87LhiAgiYmDWj3zSJC0Fa.m" },
        { "h-bcrypt-2b", "$2b$05$bRfvsIQ7VJR6PqkE7RX9Wus6pY.kWpEvLk8aRSZMkLsYib1eqHDUa" },
        { "h-bcrypt-2y", "$2y$05$XWmiwgVBPyUpXvxRa88Ts.GCmAqMuPMwL4G6ui4EL3dBsjLJ1/mUu" },
        { "h-argon2id", "$argon2id$v=19$m=1024,t=2,p=1$c29tZXNhbHRzYWx0$iS6Iz9QkQMOdr2vQ280aDb389QHaC3UmOZcbBOQZnp8" },
        { "h-argon2i", "$argon2i$v=19$m=1024,t=2,p=1$c29tZXNhbHRzYWx0$g7yPQhBXpyAoNtjBiqEtLTKYDYDPx9zRjs7XkArCPW4" },
        { "h-sha512-crypt", "$6$phRW.wkIHFJjRNWX$bxidqzuQ5XjtxDyhXZ/evEKGcPGEdNawWC9ypRAytwzvQhaoD.Mo.3xoGOG77vNfmD0UMtW4p0qsgWs8VRRa30" },
        { "h-sha512-crypt-prefixed", "{SHA512-CRYPT}$6$phRW.wkIHFJjRNWX$bxidqzuQ5XjtxDyhXZ/evEKGcPGEdNawWC9ypRAytwzvQhaoD.Mo.3xoGOG77vNfmD0UMtW4p0qsgWs8VRRa30" },
        { "h-sha256-crypt", "$5$LFtAlwqeBc25V2Y2$MzB86SD2bo3gQaLGJ7jd/VkFI.b0tNHHpQDorwXtGD/" },
        { "h-md5-crypt", "$1$OVkEcG5m$WFgSvVnxCRDFM83hxQKph0" },
        { "h-ssha", "{SSHA}g+4kYe+vqP5+OFdWV6aa+mXIxRLl2VXn" },
        { "h-ssha256", "{SSHA256}dt6pJpqk4Hb3SEM664Cy0BFL8KZmehQ0/ToUIJzT+VOLn21xaDgn2Q==" },
        { "h-ssha512", "{SSHA512}ngddpE9pXgcUomI09zK6SorTYSp4nmrixZywWrITXzHKlKJriEucgIRQzm028ewDUcn6vYSunvZ0uCGiXJ117RpPz7t2GQ6c" },
    };

    private const string AliceSecret = "$6$o6ziOz.Uk9XBEBOQ$p7HXg5HXAbdWaC4qT8.7R.fULCeWBaLFPqrBKtuAmRHDp932c4IYvQ0Lcm7zmBS/JD7mnuwjbkKciPMjfOZdw1";
    private const string BobSecret = "$2y$05$XWmiwgVBPyUpXvxRa88Ts.GCmAqMuPMwL4G6ui4EL3dBsjLJ1/mUu";
    private const string CarolSecret = "{SSHA512}2B8J12/3Jm90zkYupqDZNxsoG2tGngyDrlJGOWCgDzsC0FbVryOjGPfBNUHuSuqERWWjjmIZzD8LtSZCIMJwh5iISF93rBsK";

    private IStoreInstance? store;

    /// <summary>Opens the store the directory reads from, empty.</summary>
    /// <returns>The store.</returns>
    protected abstract ValueTask<IStoreInstance> OpenStoreAsync();

    /// <summary>The name of a test table as the store's database knows it (with the test's schema or prefix).</summary>
    /// <param name="table">The table's plain name.</param>
    /// <returns>The name to put in SQL.</returns>
    protected abstract string TableName(string table);

    /// <summary>The store the directory reads from.</summary>
    protected IStoreInstance Store => store ?? throw new InvalidOperationException("Opened in OpenDirectoryAsync.");

    /// <inheritdoc />
    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        if (store is not null)
        {
            await store.DisposeAsync();
        }
    }

    [Theory]
    [MemberData(nameof(SchemeAccounts))]
    public async Task Authenticate_verifies_every_stored_hash_scheme(string name, string secret)
    {
        Assert.NotEmpty(secret);

        var right = await DirectoryUnderTest.AuthenticateAsync(new PasswordCredentials(name, SchemePassword));
        var wrong = await DirectoryUnderTest.AuthenticateAsync(new PasswordCredentials(name, SchemePassword + "x"));

        Assert.Equal(AuthenticationStatus.Success, right.Status);
        Assert.Equal(name, right.Principal?.Name);
        Assert.Equal(AuthenticationResult.Invalid, wrong);
    }

    [Fact]
    public async Task Authenticate_refuses_a_password_stored_in_clear_unless_allowed()
    {
        var refused = await DirectoryUnderTest.AuthenticateAsync(new PasswordCredentials("h-plain", SchemePassword));
        var allowed = await OpenAsync(allowPlain: true);
        var accepted = await allowed.AuthenticateAsync(new PasswordCredentials("h-plain", SchemePassword));
        var wrong = await allowed.AuthenticateAsync(new PasswordCredentials("h-plain", SchemePassword.ToUpperInvariant()));

        Assert.Equal(AuthenticationResult.Invalid, refused);
        Assert.Equal(AuthenticationStatus.Success, accepted.Status);
        Assert.Equal(AuthenticationResult.Invalid, wrong);
    }

    [Fact]
    public async Task A_changed_password_takes_effect_at_once_despite_the_cache()
    {
        Assert.Equal(AuthenticationStatus.Success, (await DirectoryUnderTest.AuthenticateAsync(new PasswordCredentials("bob", Data.BobPassword))).Status);

        await ExecuteAsync($"UPDATE {TableName("accounts")} SET secret = @secret WHERE name = @name", ("secret", AliceSecret), ("name", "bob"));

        Assert.Equal(AuthenticationResult.Invalid, await DirectoryUnderTest.AuthenticateAsync(new PasswordCredentials("bob", Data.BobPassword)));
        Assert.Equal(AuthenticationStatus.Success, (await DirectoryUnderTest.AuthenticateAsync(new PasswordCredentials("bob", Data.AlicePassword))).Status);
    }

    [Fact]
    public async Task A_broken_query_is_a_temporary_failure_not_a_wrong_password()
    {
        await ExecuteAsync($"DROP TABLE {TableName("accounts")}");

        await Assert.ThrowsAsync<DirectoryUnavailableException>(async () => await DirectoryUnderTest.AuthenticateAsync(new PasswordCredentials("alice", Data.AlicePassword)));
    }

    [Fact]
    public void Validate_reports_missing_store_and_queries_and_unknown_parameters()
    {
        var problems = new SqlDirectoryProvider().Validate(Context(new Dictionary<string, string?>
        {
            ["Type"] = "sql",
            ["Queries:Recipient"] = "SELECT name FROM accounts WHERE address = @email",
            ["Queries:Logon"] = "SELECT 1",
        })).ToList();

        Assert.Contains(problems, p => p.StartsWith("Directories:users:Store is missing", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.StartsWith("Directories:users:Queries:Login is missing", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.StartsWith("Directories:users:Queries:Logon is not a query", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.StartsWith("Directories:users:Queries:Recipient uses the parameter @email", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Open_reports_a_store_that_is_not_in_the_manifest()
    {
        var settings = Settings(allowPlain: false);
        settings["Store"] = "elsewhere";

        var error = await Assert.ThrowsAsync<InvalidOperationException>(async () => await new SqlDirectoryProvider().OpenAsync(Context(settings), CancellationToken.None));

        Assert.Contains("names the store 'elsewhere', which is not in the Stores section", error.Message, StringComparison.Ordinal);
    }

    /// <inheritdoc />
    protected override async ValueTask<IDirectory> OpenDirectoryAsync(DirectoryConformanceData data)
    {
        store = await OpenStoreAsync();
        await SeedAsync(data);
        return await OpenAsync(allowPlain: false);
    }

    /// <summary>Runs a statement on the store's database.</summary>
    /// <param name="sql">The statement.</param>
    /// <param name="parameters">Its parameters.</param>
    /// <returns>A task that completes when it ran.</returns>
    protected async Task ExecuteAsync(string sql, params (string Name, object? Value)[] parameters)
        => await Store.Sql!.ExecuteAsync(sql, parameters.ToDictionary(p => p.Name, p => p.Value));

    /// <summary>Opens a directory on the seeded tables through another store instance on the same database.</summary>
    /// <param name="other">The store.</param>
    /// <returns>The directory.</returns>
    protected async ValueTask<IDirectory> OpenOnAsync(IStoreInstance other)
        => await new SqlDirectoryProvider().OpenAsync(Context(Settings(allowPlain: false), other), CancellationToken.None);

    private async ValueTask<IDirectory> OpenAsync(bool allowPlain)
    {
        var context = Context(Settings(allowPlain));
        var provider = new SqlDirectoryProvider();
        Assert.Empty(provider.Validate(context));
        return await provider.OpenAsync(context, CancellationToken.None);
    }

    private Dictionary<string, string?> Settings(bool allowPlain)
    {
        var accounts = TableName("accounts");
        var aliases = TableName("aliases");
        var members = TableName("members");
        return new Dictionary<string, string?>
        {
            ["Type"] = "sql",
            ["Store"] = "users",
            ["AllowPlainPasswords"] = allowPlain ? "true" : "false",
            ["CacheSeconds"] = "60",
            ["Queries:Login"] = $"SELECT name, kind, secret, display_name, address, quota_bytes, quota_messages, disabled FROM {accounts} WHERE name = @user OR address = @user",
            ["Queries:Recipient"] = $"SELECT name FROM {accounts} WHERE address = @address UNION SELECT name FROM {aliases} WHERE address = @address",
            ["Queries:Aliases"] = $"SELECT address FROM {aliases} WHERE name = @name",
            ["Queries:MemberOf"] = $"SELECT group_name AS name FROM {members} WHERE member = @name",
            ["Queries:Members"] = $"SELECT a.address FROM {members} m JOIN {accounts} a ON a.name = m.member WHERE m.group_name = @name",
            ["Queries:Domains"] = $"SELECT domain FROM {TableName("domains")}",
        };
    }

    private DirectoryContext Context(Dictionary<string, string?> settings, IStoreInstance? over = null)
    {
        var services = new ServiceCollection();
        if ((over ?? store) is { } instance)
        {
            services.AddSingleton<IMailStores>(new TestMailStores(new Dictionary<string, IStoreInstance>(StringComparer.OrdinalIgnoreCase) { ["users"] = instance }));
        }

        return new DirectoryContext
        {
            Name = "users",
            Settings = new ConfigurationBuilder().AddInMemoryCollection(settings).Build(),
            BaseDirectory = Path.GetTempPath(),
            Services = services.BuildServiceProvider(),
        };
    }

    private async Task SeedAsync(DirectoryConformanceData data)
    {
        var accounts = TableName("accounts");
        await ExecuteAsync($"CREATE TABLE {accounts} (name VARCHAR(64) NOT NULL PRIMARY KEY, kind VARCHAR(16) NOT NULL, secret VARCHAR(255), display_name VARCHAR(255), address VARCHAR(255), quota_bytes BIGINT, quota_messages BIGINT, disabled INTEGER NOT NULL)");
        await ExecuteAsync($"CREATE TABLE {TableName("aliases")} (name VARCHAR(64) NOT NULL, address VARCHAR(255) NOT NULL)");
        await ExecuteAsync($"CREATE TABLE {TableName("members")} (group_name VARCHAR(64) NOT NULL, member VARCHAR(64) NOT NULL)");
        await ExecuteAsync($"CREATE TABLE {TableName("domains")} (domain VARCHAR(255) NOT NULL)");

        var secrets = new Dictionary<string, string>
        {
            [data.Alice.Name] = AliceSecret,
            [data.Bob.Name] = BobSecret,
            [data.Carol.Name] = CarolSecret,
        };
        foreach (var principal in data.Principals)
        {
            await InsertAccountAsync(principal.Name, principal.Kind == PrincipalKind.Group ? "group" : "user", secrets.GetValueOrDefault(principal.Name), principal.DisplayName, principal.PrimaryAddress, principal.QuotaBytes, principal.QuotaMessages, principal.Disabled);
            foreach (var alias in principal.Addresses.Skip(1))
            {
                await ExecuteAsync($"INSERT INTO {TableName("aliases")} (name, address) VALUES (@name, @address)", ("name", principal.Name), ("address", alias));
            }
        }

        foreach (var member in data.Team.Members)
        {
            var memberName = data.Principals.Single(p => p.PrimaryAddress == member).Name;
            await ExecuteAsync($"INSERT INTO {TableName("members")} (group_name, member) VALUES (@group, @member)", ("group", data.Team.Name), ("member", memberName));
        }

        foreach (var domain in data.Domains)
        {
            await ExecuteAsync($"INSERT INTO {TableName("domains")} (domain) VALUES (@domain)", ("domain", domain));
        }

        foreach (var row in SchemeAccounts)
        {
            await InsertAccountAsync((string)row[0], "user", (string)row[1], null, null, null, null, false);
        }

        await InsertAccountAsync("h-plain", "user", SchemePassword, null, null, null, null, false);
    }

    private Task InsertAccountAsync(string name, string kind, string? secret, string? displayName, string? address, long? quotaBytes, long? quotaMessages, bool disabled)
        => ExecuteAsync(
            $"INSERT INTO {TableName("accounts")} (name, kind, secret, display_name, address, quota_bytes, quota_messages, disabled) VALUES (@name, @kind, @secret, @display, @address, @qb, @qm, @disabled)",
            ("name", name),
            ("kind", kind),
            ("secret", secret),
            ("display", displayName),
            ("address", address),
            ("qb", quotaBytes),
            ("qm", quotaMessages),
            ("disabled", disabled ? 1 : 0));
}
