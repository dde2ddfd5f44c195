using Mail.Host.Conformance;
using Mail.Host.Directory;
using Mail.Host.Plugins.InMemory;
using Mail.Host.Plugins.InternalDirectory;
using Mail.Host.Storage;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Xunit;

namespace Mail.Host.Plugins.Tests;

/// <summary>
/// The directory conformance kit against the <c>internal</c> directory over a fresh in-memory data store, seeded
/// through the directory's own administration (what the admin API calls); then what is particular to it: atomic
/// uniqueness under concurrent changes, the first admin, catch-all, groups, disabled accounts, the domain deletion
/// guard, the last-admin guard, and data that outlives the directory object.
/// </summary>
public sealed class InternalDirectoryTests : DirectoryConformance
{
    private const string AdminPassword = "Admin-Password-2024";
    private const string Password = "Correct-Horse-9";

    // Argon2id parameters far below a server's, so that the kit's many logins stay fast; the directory stores and
    // verifies whatever parameters it is given.
    private static readonly InternalDirectoryOptions Options = new()
    {
        HashMemoryKiB = 1024,
        HashIterations = 1,
        HashParallelism = 1,
        InitialAdminPassword = AdminPassword,
    };

    private MemoryDataStore store = new();
    private DataStoreDirectory? opened;

    private DataStoreDirectory Directory => opened ?? throw new InvalidOperationException("Opened in InitializeAsync.");

    private DirectoryAdministration Admin => Directory.Administration;

    protected override async ValueTask<IDirectory> OpenDirectoryAsync(DirectoryConformanceData data)
    {
        store = new MemoryDataStore();
        opened = await DataStoreDirectory.OpenAsync(store, Options, NullLogger.Instance, CancellationToken.None);
        foreach (var domain in data.Domains)
        {
            await opened.Administration.CreateDomainAsync(new DomainCreateRequest { Name = domain });
        }

        foreach (var principal in data.Principals.Where(p => p.Kind == PrincipalKind.Individual))
        {
            await opened.Administration.CreateAccountAsync(new AccountCreateRequest
            {
                Name = principal.Name,
                Password = data.Passwords[principal.Name],
                Addresses = principal.Addresses,
                DisplayName = principal.DisplayName,
                Roles = principal.Roles,
                QuotaBytes = principal.QuotaBytes,
                QuotaMessages = principal.QuotaMessages,
                Disabled = principal.Disabled,
            });
        }

        foreach (var group in data.Principals.Where(p => p.Kind == PrincipalKind.Group))
        {
            await opened.Administration.CreateGroupAsync(new GroupCreateRequest
            {
                Name = group.Name,
                DisplayName = group.DisplayName,
                Addresses = group.Addresses,
                Members = group.Members,
            });
        }

        return opened;
    }

    [Fact]
    public void Provider_type_is_internal_and_it_accepts_no_settings_besides_type()
    {
        var provider = new InternalDirectoryProvider();

        Assert.Equal("internal", provider.Type);
        Assert.Empty(provider.Validate(ContextWith(("Type", "internal"))));
        var problem = Assert.Single(provider.Validate(ContextWith(("Type", "internal"), ("Domains:0", "example.org"))));
        Assert.StartsWith("'Domains' is not a setting of an internal directory", problem, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Concurrent_creates_giving_one_address_to_different_accounts_let_exactly_one_win()
    {
        var attempts = Enumerable.Range(0, 12)
            .Select(i => Task.Run<(string Name, DirectoryAdministrationException? Error)>(async () =>
            {
                try
                {
                    await Admin.CreateAccountAsync(new AccountCreateRequest { Name = $"user{i}", Password = Password, Addresses = [$"own{i}@example.org", "shared@example.org"] });
                    return ($"user{i}", null);
                }
                catch (DirectoryAdministrationException ex)
                {
                    return ($"user{i}", ex);
                }
            }))
            .ToArray();

        var results = await Task.WhenAll(attempts);

        var winner = Assert.Single(results, r => r.Error is null).Name;
        Assert.All(results.Where(r => r.Error is not null), r =>
        {
            Assert.Equal(DirectoryErrorKind.Conflict, r.Error!.Kind);
            Assert.Contains("shared@example.org is already given to", r.Error.Message, StringComparison.Ordinal);
        });
        Assert.Equal(winner, (await DirectoryUnderTest.ResolveRecipientAsync("shared@example.org")).Principal?.Name);
        foreach (var loser in results.Where(r => r.Error is not null))
        {
            // A refused creation leaves nothing behind: neither the account nor its other address.
            Assert.Null(await DirectoryUnderTest.FindPrincipalAsync(loser.Name));
            Assert.Equal(RecipientResolution.NotFound, await DirectoryUnderTest.ResolveRecipientAsync($"own{loser.Name[4..]}@example.org"));
        }

        // Every address in the domain is counted once (alice, bob, carol, team and the winner's two): the count is what
        // guards the domain's deletion.
        Assert.Equal(6, (await Admin.GetDomainAsync("example.org")).Addresses);
    }

    [Fact]
    public async Task Concurrent_creates_of_one_name_let_exactly_one_win()
    {
        var attempts = Enumerable.Range(0, 8)
            .Select(i => Task.Run(async () =>
            {
                try
                {
                    await Admin.CreateAccountAsync(new AccountCreateRequest { Name = "dave", Password = Password, Addresses = [$"dave{i}@example.org"] });
                    return true;
                }
                catch (DirectoryAdministrationException ex) when (ex.Kind == DirectoryErrorKind.Conflict)
                {
                    return false;
                }
            }))
            .ToArray();

        var results = await Task.WhenAll(attempts);

        Assert.Single(results, won => won);
        var dave = await DirectoryUnderTest.FindPrincipalAsync("dave");
        Assert.NotNull(dave);
        var address = Assert.Single(dave.Addresses);
        Assert.Equal(5, (await Admin.GetDomainAsync("example.org")).Addresses);
        Assert.Equal("dave", (await DirectoryUnderTest.ResolveRecipientAsync(address)).Principal?.Name);
    }

    [Fact]
    public async Task First_open_creates_the_admin_once_with_a_generated_password_logged_once()
    {
        var fresh = new MemoryDataStore();
        var logger = new ListLogger();
        var generated = Options with { InitialAdminPassword = null };

        // Several processes starting together over one store: exactly one creates the account.
        var directories = await Task.WhenAll(Enumerable.Range(0, 6)
            .Select(_ => Task.Run(async () => await DataStoreDirectory.OpenAsync(fresh, generated, logger, CancellationToken.None))));
        await DataStoreDirectory.OpenAsync(fresh, generated, logger, CancellationToken.None);

        var entry = Assert.Single(logger.Entries);
        Assert.Equal(LogLevel.Warning, entry.Level);
        var match = System.Text.RegularExpressions.Regex.Match(entry.Message, "^Created the admin account 'admin' with password (\\S+): change it with mailhost account passwd admin$");
        Assert.True(match.Success, entry.Message);
        var password = match.Groups[1].Value;
        Assert.True(password.Length >= 20, password);
        var login = await directories[0].AuthenticateAsync(new PasswordCredentials("admin", password));
        Assert.Equal(AuthenticationStatus.Success, login.Status);
        Assert.Equal(["admin"], login.Principal?.Roles);
        Assert.Single(await directories[3].Administration.ListAccountsAsync());
    }

    [Fact]
    public async Task First_open_uses_the_configured_admin_password_without_logging_it()
    {
        var logger = new ListLogger();

        var directory = await DataStoreDirectory.OpenAsync(new MemoryDataStore(), Options, logger, CancellationToken.None);

        var entry = Assert.Single(logger.Entries);
        Assert.Equal(LogLevel.Information, entry.Level);
        Assert.DoesNotContain(AdminPassword, entry.Message, StringComparison.Ordinal);
        Assert.Equal(AuthenticationStatus.Success, (await directory.AuthenticateAsync(new PasswordCredentials("admin", AdminPassword))).Status);
    }

    [Fact]
    public async Task A_weak_configured_admin_password_stops_the_open_without_repeating_it()
    {
        var ex = await Assert.ThrowsAsync<InvalidOperationException>(async () =>
            await DataStoreDirectory.OpenAsync(new MemoryDataStore(), Options with { InitialAdminPassword = "Ab-1x" }, NullLogger.Instance, CancellationToken.None));

        Assert.Contains("MAILHOST_ADMIN_PASSWORD", ex.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("Ab-1x", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_existing_admin_is_never_replaced_when_the_directory_opens_again()
    {
        await Admin.UpdateAccountAsync("admin", new AccountUpdateRequest { Password = "Changed-Password-42" });
        var logger = new ListLogger();

        var reopened = await DataStoreDirectory.OpenAsync(store, Options, logger, CancellationToken.None);

        Assert.Empty(logger.Entries);
        Assert.Equal(AuthenticationStatus.Success, (await reopened.AuthenticateAsync(new PasswordCredentials("admin", "Changed-Password-42"))).Status);
        Assert.Equal(AuthenticationResult.Invalid, await reopened.AuthenticateAsync(new PasswordCredentials("admin", AdminPassword)));
    }

    [Fact]
    public async Task Data_persists_across_a_reopen_over_the_same_store()
    {
        await Admin.CreateAccountAsync(new AccountCreateRequest { Name = "erin", Password = Password, Addresses = ["erin@example.net"], QuotaMessages = 10 });
        await Admin.AddMembersAsync("team", ["erin"]);
        await Admin.UpdateDomainAsync("example.net", new DomainUpdateRequest { CatchAll = "erin" });

        var reopened = await DataStoreDirectory.OpenAsync(store, Options, NullLogger.Instance, CancellationToken.None);

        var erin = await reopened.FindPrincipalAsync("erin");
        Assert.NotNull(erin);
        Assert.Equal(["erin@example.net"], erin.Addresses);
        Assert.Equal(["team"], erin.MemberOf);
        Assert.Equal(10, erin.QuotaMessages);
        Assert.Equal(AuthenticationStatus.Success, (await reopened.AuthenticateAsync(new PasswordCredentials("erin@example.net", Password))).Status);
        Assert.Equal("erin", (await reopened.ResolveRecipientAsync("nobody@example.net")).Principal?.Name);
        Assert.Equal(Data.Domains.Order(StringComparer.Ordinal), await reopened.ListDomainsAsync());
        Assert.Equal(["admin", "alice", "bob", "carol", "erin"], (await reopened.Administration.ListAccountsAsync()).Select(a => a.Name));
    }

    [Fact]
    public async Task Catch_all_receives_unknown_addresses_of_its_own_domain_only()
    {
        await Admin.UpdateDomainAsync("example.org", new DomainUpdateRequest { CatchAll = "bob" });

        Assert.Equal("bob", (await DirectoryUnderTest.ResolveRecipientAsync("sales@example.org")).Principal?.Name);
        Assert.Equal("bob", (await DirectoryUnderTest.ResolveRecipientAsync("Anything.At.All@EXAMPLE.org")).Principal?.Name);
        Assert.Equal("alice", (await DirectoryUnderTest.ResolveRecipientAsync("alice@example.org")).Principal?.Name);
        Assert.Equal(RecipientResolution.NotFound, await DirectoryUnderTest.ResolveRecipientAsync("sales@example.net"));
        Assert.Equal(RecipientResolution.NotFound, await DirectoryUnderTest.ResolveRecipientAsync("sales@example.com"));

        await Admin.UpdateDomainAsync("example.org", new DomainUpdateRequest { CatchAll = null });

        Assert.Equal(RecipientResolution.NotFound, await DirectoryUnderTest.ResolveRecipientAsync("sales@example.org"));
    }

    [Fact]
    public async Task Catch_all_may_be_a_group_and_must_name_a_principal()
    {
        var domain = await Admin.CreateDomainAsync(new DomainCreateRequest { Name = "Lists.Example.org", CatchAll = "team" });
        var ex = await Assert.ThrowsAsync<DirectoryAdministrationException>(() => Admin.UpdateDomainAsync("example.net", new DomainUpdateRequest { CatchAll = "mallory" }));

        Assert.Equal(new DomainInfo("lists.example.org", "team", 0), domain);
        Assert.Equal(RecipientKind.Group, (await DirectoryUnderTest.ResolveRecipientAsync("anyone@lists.example.org")).Kind);
        Assert.Equal(DirectoryErrorKind.Invalid, ex.Kind);
    }

    [Fact]
    public async Task Group_expands_to_member_addresses_and_a_nested_group_appears_as_its_address()
    {
        await Admin.CreateGroupAsync(new GroupCreateRequest { Name = "all", Addresses = ["all@example.org"], Members = ["team", "carol", "partner@example.com"] });

        var all = await DirectoryUnderTest.ResolveRecipientAsync("all@example.org");
        var team = await DirectoryUnderTest.FindPrincipalAsync("team");

        Assert.Equal(RecipientKind.Group, all.Kind);
        Assert.Equal(["team@example.org", "carol@example.org", "partner@example.com"], all.Principal?.Members);
        Assert.Equal(["all"], team?.MemberOf);
        Assert.Equal(["all"], (await DirectoryUnderTest.FindPrincipalAsync("carol"))?.MemberOf);
    }

    [Fact]
    public async Task Adding_and_removing_members_changes_the_expansion_and_member_of()
    {
        var added = await Admin.AddMembersAsync("team", ["carol@example.org", "alice"]);
        Assert.Equal(["alice@example.org", "bob@example.org", "carol@example.org"], added.Members);
        Assert.Equal(["team"], (await DirectoryUnderTest.FindPrincipalAsync("carol"))?.MemberOf);

        var removed = await Admin.RemoveMemberAsync("team", "bob");
        Assert.Equal(["alice@example.org", "carol@example.org"], removed.Members);
        Assert.Empty((await DirectoryUnderTest.FindPrincipalAsync("bob"))!.MemberOf);

        var missing = await Assert.ThrowsAsync<DirectoryAdministrationException>(() => Admin.RemoveMemberAsync("team", "bob@example.org"));
        Assert.Equal(DirectoryErrorKind.NotFound, missing.Kind);
    }

    [Theory]
    [InlineData("team", "cannot be a member of itself")]
    [InlineData("nobody@example.org", "belongs to nobody")]
    [InlineData("mallory", "neither an address nor the name")]
    [InlineData("admin", "has no address")]
    [InlineData("not an address@example.org", "not a valid address")]
    public async Task Invalid_members_are_refused(string member, string expected)
    {
        var ex = await Assert.ThrowsAsync<DirectoryAdministrationException>(() => Admin.AddMembersAsync("team", [member]));

        Assert.Equal(DirectoryErrorKind.Invalid, ex.Kind);
        Assert.Contains(expected, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Disabled_account_authenticates_as_disabled_until_enabled_again()
    {
        await Admin.UpdateAccountAsync("bob", new AccountUpdateRequest { Disabled = true });

        var disabled = await DirectoryUnderTest.AuthenticateAsync(new PasswordCredentials("bob", Data.BobPassword));
        var wrong = await DirectoryUnderTest.AuthenticateAsync(new PasswordCredentials("bob", "wrong-password"));
        Assert.Equal(AuthenticationStatus.Disabled, disabled.Status);
        Assert.True(disabled.Principal?.Disabled);
        Assert.Equal(AuthenticationResult.Invalid, wrong);
        Assert.True((await DirectoryUnderTest.ResolveRecipientAsync("bob@example.org")).Principal?.Disabled);

        await Admin.UpdateAccountAsync("bob", new AccountUpdateRequest { Disabled = false });

        Assert.Equal(AuthenticationStatus.Success, (await DirectoryUnderTest.AuthenticateAsync(new PasswordCredentials("bob", Data.BobPassword))).Status);
    }

    [Fact]
    public async Task Domain_with_addresses_cannot_be_deleted_until_they_are_gone()
    {
        var refused = await Assert.ThrowsAsync<DirectoryAdministrationException>(() => Admin.DeleteDomainAsync("example.net"));
        Assert.Equal(DirectoryErrorKind.Conflict, refused.Kind);
        Assert.Contains("ally@example.net", refused.Message, StringComparison.Ordinal);
        Assert.Contains("still has 1 address", refused.Message, StringComparison.Ordinal);

        await Admin.UpdateAccountAsync("alice", new AccountUpdateRequest { Addresses = ["alice@example.org"] });
        await Admin.DeleteDomainAsync("example.net");

        Assert.Equal(["example.org"], await DirectoryUnderTest.ListDomainsAsync());
        Assert.Equal(RecipientResolution.NotFound, await DirectoryUnderTest.ResolveRecipientAsync("ally@example.net"));
        var gone = await Assert.ThrowsAsync<DirectoryAdministrationException>(() => Admin.DeleteDomainAsync("example.net"));
        Assert.Equal(DirectoryErrorKind.NotFound, gone.Kind);
    }

    [Fact]
    public async Task Deleting_an_account_frees_its_addresses_and_takes_it_out_of_groups_and_catch_alls()
    {
        await Admin.UpdateDomainAsync("example.org", new DomainUpdateRequest { CatchAll = "alice" });

        await Admin.DeleteAccountAsync("alice");

        Assert.Null(await DirectoryUnderTest.FindPrincipalAsync("alice"));
        Assert.Equal(["bob@example.org"], (await DirectoryUnderTest.FindPrincipalAsync("team"))?.Members);
        Assert.Null((await Admin.GetDomainAsync("example.org")).CatchAll);
        Assert.Equal(RecipientResolution.NotFound, await DirectoryUnderTest.ResolveRecipientAsync("alice@example.org"));
        Assert.Equal(0, (await Admin.GetDomainAsync("example.net")).Addresses);

        // Whoever takes the address next does not inherit alice's groups.
        var next = await Admin.CreateAccountAsync(new AccountCreateRequest { Name = "alice2", Password = Password, Addresses = ["alice@example.org"] });
        Assert.Empty(next.MemberOf);
    }

    [Fact]
    public async Task The_last_enabled_admin_cannot_be_removed_demoted_or_disabled()
    {
        var delete = await Assert.ThrowsAsync<DirectoryAdministrationException>(() => Admin.DeleteAccountAsync("admin"));
        var demote = await Assert.ThrowsAsync<DirectoryAdministrationException>(() => Admin.UpdateAccountAsync("admin", new AccountUpdateRequest { Roles = ["user"] }));
        var disable = await Assert.ThrowsAsync<DirectoryAdministrationException>(() => Admin.UpdateAccountAsync("admin", new AccountUpdateRequest { Disabled = true }));
        Assert.All([delete, demote, disable], ex => Assert.Equal(DirectoryErrorKind.Conflict, ex.Kind));
        Assert.Contains("last enabled account with the admin role", delete.Message, StringComparison.Ordinal);

        await Admin.UpdateAccountAsync("bob", new AccountUpdateRequest { Roles = ["user", "admin"] });
        await Admin.DeleteAccountAsync("admin");

        Assert.Null(await DirectoryUnderTest.FindPrincipalAsync("admin"));
        Assert.Equal(["admin", "user"], (await DirectoryUnderTest.FindPrincipalAsync("bob"))?.Roles.Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task Two_admins_demoting_each_other_at_once_cannot_both_succeed()
    {
        await Admin.UpdateAccountAsync("bob", new AccountUpdateRequest { Roles = ["admin"] });

        var results = await Task.WhenAll(
            Task.Run(() => Demote("admin")),
            Task.Run(() => Demote("bob")));

        Assert.Single(results, demoted => demoted);
        var admins = (await Admin.ListAccountsAsync()).Where(a => a.Roles.Contains("admin")).ToList();
        Assert.Single(admins);

        async Task<bool> Demote(string name)
        {
            try
            {
                await Admin.UpdateAccountAsync(name, new AccountUpdateRequest { Roles = ["user"] });
                return true;
            }
            catch (DirectoryAdministrationException ex) when (ex.Kind == DirectoryErrorKind.Conflict)
            {
                return false;
            }
        }
    }

    [Theory]
    [InlineData("", "a password is required")]
    [InlineData("Ab-1x", "too short")]
    [InlineData("aaaaaaaaaa", "too weak")]
    [InlineData("Frank-Frank", null)]
    public async Task Weak_passwords_are_refused_without_being_repeated(string password, string? expected)
    {
        var request = new AccountCreateRequest { Name = "frank", Password = password };

        if (expected is null)
        {
            Assert.Equal("frank", (await Admin.CreateAccountAsync(request)).Name);
            return;
        }

        var ex = await Assert.ThrowsAsync<DirectoryAdministrationException>(() => Admin.CreateAccountAsync(request));
        Assert.Equal(DirectoryErrorKind.Invalid, ex.Kind);
        Assert.Contains(expected, ex.Message, StringComparison.Ordinal);
        if (password.Length > 0)
        {
            Assert.DoesNotContain(password, ex.Message, StringComparison.Ordinal);
        }
    }

    [Theory]
    [InlineData("frank", "frank@example.com", DirectoryErrorKind.Invalid, "not in a local domain")]
    [InlineData("frank", "frank@@example.org", DirectoryErrorKind.Invalid, "not a valid address")]
    [InlineData("frank", "frank smith@example.org", DirectoryErrorKind.Invalid, "not a valid address")]
    [InlineData("frank", "ALLY@example.net", DirectoryErrorKind.Conflict, "ally@example.net is already given to 'alice'")]
    [InlineData("Frank Smith", "frank@example.org", DirectoryErrorKind.Invalid, "not a valid account name")]
    [InlineData("Alice", "frank@example.org", DirectoryErrorKind.Conflict, "already taken by an account")]
    [InlineData("team", "frank@example.org", DirectoryErrorKind.Conflict, "already taken by a group")]
    public async Task Account_creation_refuses_bad_or_taken_names_and_addresses(string name, string address, DirectoryErrorKind kind, string expected)
    {
        var ex = await Assert.ThrowsAsync<DirectoryAdministrationException>(() =>
            Admin.CreateAccountAsync(new AccountCreateRequest { Name = name, Password = Password, Addresses = [address] }));

        Assert.Equal(kind, ex.Kind);
        Assert.Contains(expected, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Unknown_role_and_negative_quota_are_refused()
    {
        var role = await Assert.ThrowsAsync<DirectoryAdministrationException>(() => Admin.CreateAccountAsync(new AccountCreateRequest { Name = "frank", Password = Password, Roles = ["amdin"] }));
        var quota = await Assert.ThrowsAsync<DirectoryAdministrationException>(() => Admin.UpdateAccountAsync("bob", new AccountUpdateRequest { QuotaBytes = -1 }));

        Assert.Contains("the roles are admin and user", role.Message, StringComparison.Ordinal);
        Assert.Contains("quotaBytes must be 0 (no limit) or more", quota.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Update_changes_only_what_it_names_and_a_new_password_replaces_the_old()
    {
        var updated = await Admin.UpdateAccountAsync("ALICE", new AccountUpdateRequest { Password = "Looking-Glass-1871", QuotaBytes = 0 });

        Assert.Equal("Alice Liddell", updated.DisplayName);
        Assert.Equal(Data.Alice.Addresses, updated.Addresses);
        Assert.Null(updated.QuotaBytes);
        Assert.Equal(50_000, updated.QuotaMessages);
        Assert.Equal(AuthenticationResult.Invalid, await DirectoryUnderTest.AuthenticateAsync(new PasswordCredentials("alice", Data.AlicePassword)));
        Assert.Equal(AuthenticationStatus.Success, (await DirectoryUnderTest.AuthenticateAsync(new PasswordCredentials("ally@example.net", "Looking-Glass-1871"))).Status);
    }

    [Fact]
    public async Task Accounts_and_groups_are_not_each_other()
    {
        var account = await Assert.ThrowsAsync<DirectoryAdministrationException>(() => Admin.GetAccountAsync("team"));
        var group = await Assert.ThrowsAsync<DirectoryAdministrationException>(() => Admin.DeleteGroupAsync("alice"));

        Assert.Equal(DirectoryErrorKind.NotFound, account.Kind);
        Assert.Contains("'team' is a group", account.Message, StringComparison.Ordinal);
        Assert.Equal(DirectoryErrorKind.NotFound, group.Kind);
        Assert.Equal(["team"], (await Admin.ListGroupsAsync()).Select(g => g.Name));
    }

    [Fact]
    public async Task Stored_records_carry_a_format_version_byte()
    {
        var value = await store.GetAsync("dir_principal", "alice"u8.ToArray());

        Assert.NotNull(value);
        Assert.Equal(1, value[0]);
        Assert.Equal((byte)'{', value[1]);
        Assert.Equal("alice"u8.ToArray(), await store.GetAsync("dir_address", "example.org\0alice"u8.ToArray()));
    }

    [Fact]
    public async Task A_store_that_is_down_makes_lookups_temporarily_unavailable()
    {
        var directory = await DataStoreDirectory.OpenAsync(new UnavailableAfterOpen(store), Options, NullLogger.Instance, CancellationToken.None);

        await Assert.ThrowsAsync<DirectoryUnavailableException>(async () => await directory.FindPrincipalAsync("alice"));
        await Assert.ThrowsAsync<DirectoryUnavailableException>(async () => await directory.ResolveRecipientAsync("alice@example.org"));
    }

    private static DirectoryContext ContextWith(params (string Key, string Value)[] settings) => new()
    {
        Name = "internal",
        Settings = new ConfigurationBuilder().AddInMemoryCollection(settings.Select(s => KeyValuePair.Create<string, string?>(s.Key, s.Value))).Build(),
        BaseDirectory = Path.GetTempPath(),
        Services = new ServiceCollection().BuildServiceProvider(),
    };

    /// <summary>A logger that keeps what it is given.</summary>
    private sealed class ListLogger : ILogger
    {
        private readonly List<(LogLevel Level, string Message)> entries = [];

        public IReadOnlyList<(LogLevel Level, string Message)> Entries
        {
            get
            {
                lock (entries)
                {
                    return [.. entries];
                }
            }
        }

        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            lock (entries)
            {
                entries.Add((logLevel, formatter(state, exception)));
            }
        }
    }

    /// <summary>A store that answers the first-admin check and then fails every read, as an unreachable server would.</summary>
    private sealed class UnavailableAfterOpen(IDataStore inner) : IDataStore
    {
        private int scans;

        public int MaxKeySize => inner.MaxKeySize;

        public int MaxValueSize => inner.MaxValueSize;

        public ValueTask<byte[]?> GetAsync(string subspace, ReadOnlyMemory<byte> key, CancellationToken cancellationToken = default)
            => throw new StoreUnavailableException("connection refused");

        public IAsyncEnumerable<KeyValueEntry> ScanAsync(string subspace, KeyRange range, CancellationToken cancellationToken = default)
            => Interlocked.Increment(ref scans) == 1 ? inner.ScanAsync(subspace, range, cancellationToken) : throw new StoreUnavailableException("connection refused");

        public ValueTask<CommitResult> CommitAsync(WriteBatch batch, CancellationToken cancellationToken = default)
            => throw new StoreUnavailableException("connection refused");

        public ValueTask<long> IncrementAsync(string subspace, ReadOnlyMemory<byte> key, long delta, CancellationToken cancellationToken = default)
            => throw new StoreUnavailableException("connection refused");
    }
}
