using Mail.Host.Directory;
using Xunit;

namespace Mail.Host.Conformance;

/// <summary>
/// The behaviour every <see cref="IDirectory"/> must show. A backend's test class inherits this class and returns,
/// from <see cref="OpenDirectoryAsync"/>, a directory holding exactly what <see cref="DirectoryConformanceData"/>
/// describes. xUnit creates one instance per test, so each test gets the directory the derived class opens; a backend
/// whose seeding is slow may seed once (for example in a class fixture) and open a fresh handle per test.
/// </summary>
public abstract class DirectoryConformance : IAsyncLifetime
{
    private IDirectory? directory;

    /// <summary>The fixture the directory was opened with.</summary>
    protected DirectoryConformanceData Data { get; } = new();

    /// <summary>The directory under test, opened before each test.</summary>
    /// <exception cref="InvalidOperationException">Used before <see cref="InitializeAsync"/>.</exception>
    protected IDirectory DirectoryUnderTest
        => directory ?? throw new InvalidOperationException("The directory is opened in InitializeAsync, before each test.");

    /// <summary>Opens a directory holding exactly the principals and domains in <paramref name="data"/>.</summary>
    /// <param name="data">The fixture to seed from.</param>
    /// <returns>The directory.</returns>
    protected abstract ValueTask<IDirectory> OpenDirectoryAsync(DirectoryConformanceData data);

    /// <summary>Opens the directory under test.</summary>
    /// <returns>A task that completes when the directory is open.</returns>
    public virtual async Task InitializeAsync() => directory = await OpenDirectoryAsync(Data);

    /// <summary>Disposes the directory under test, if it is disposable.</summary>
    /// <returns>A task that completes when the directory is disposed.</returns>
    public virtual async Task DisposeAsync()
    {
        switch (directory)
        {
            case IAsyncDisposable asyncDisposable:
                await asyncDisposable.DisposeAsync();
                break;
            case IDisposable disposable:
                disposable.Dispose();
                break;
        }

        directory = null;
    }

    /// <summary>The right password logs in and returns the whole principal.</summary>
    /// <returns>The test.</returns>
    [Fact]
    public async Task Authenticate_with_right_password_succeeds_with_the_principal()
    {
        var result = await DirectoryUnderTest.AuthenticateAsync(new PasswordCredentials("alice", Data.AlicePassword));

        Assert.Equal(AuthenticationStatus.Success, result.Status);
        AssertSamePrincipal(Data.Alice, result.Principal);
    }

    /// <summary>Every individual with the right password logs in as itself.</summary>
    /// <returns>The test.</returns>
    [Fact]
    public async Task Authenticate_with_right_password_succeeds_for_every_enabled_individual()
    {
        var result = await DirectoryUnderTest.AuthenticateAsync(new PasswordCredentials("bob", Data.BobPassword));

        Assert.Equal(AuthenticationStatus.Success, result.Status);
        AssertSamePrincipal(Data.Bob, result.Principal);
    }

    /// <summary>The primary address works as a login name, in any case.</summary>
    /// <param name="username">The login name.</param>
    /// <returns>The test.</returns>
    [Theory]
    [InlineData("alice@example.org")]
    [InlineData("Alice@Example.ORG")]
    [InlineData("ALICE@EXAMPLE.ORG")]
    public async Task Authenticate_by_primary_address_succeeds_in_any_case(string username)
    {
        var result = await DirectoryUnderTest.AuthenticateAsync(new PasswordCredentials(username, Data.AlicePassword));

        Assert.Equal(AuthenticationStatus.Success, result.Status);
        Assert.Equal("alice", result.Principal?.Name);
    }

    /// <summary>A wrong password, even one differing only in case or by a character, fails without the principal.</summary>
    /// <param name="password">The wrong password.</param>
    /// <returns>The test.</returns>
    [Theory]
    [InlineData("wrong")]
    [InlineData("wonderland-rabbit-1865")]
    [InlineData("Wonderland-Rabbit-186")]
    [InlineData("Wonderland-Rabbit-18655")]
    [InlineData("Can-We-Fix-It-1999")]
    public async Task Authenticate_with_wrong_password_is_invalid_credentials(string password)
    {
        var result = await DirectoryUnderTest.AuthenticateAsync(new PasswordCredentials("alice", password));

        Assert.Equal(AuthenticationStatus.InvalidCredentials, result.Status);
        Assert.Null(result.Principal);
    }

    /// <summary>
    /// An empty password never logs in. An LDAP simple bind with a name and an empty password is an unauthenticated
    /// bind that many servers accept, so a backend has to refuse it itself.
    /// </summary>
    /// <returns>The test.</returns>
    [Fact]
    public async Task Authenticate_with_empty_password_is_invalid_credentials()
    {
        var result = await DirectoryUnderTest.AuthenticateAsync(new PasswordCredentials("alice", string.Empty));

        Assert.Equal(AuthenticationStatus.InvalidCredentials, result.Status);
        Assert.Null(result.Principal);
    }

    /// <summary>An empty login name never logs in.</summary>
    /// <returns>The test.</returns>
    [Fact]
    public async Task Authenticate_with_empty_username_is_invalid_credentials()
    {
        var result = await DirectoryUnderTest.AuthenticateAsync(new PasswordCredentials(string.Empty, Data.AlicePassword));

        Assert.Equal(AuthenticationStatus.InvalidCredentials, result.Status);
        Assert.Null(result.Principal);
    }

    /// <summary>A name nobody has fails the same way as a wrong password.</summary>
    /// <param name="username">The unknown login name.</param>
    /// <returns>The test.</returns>
    [Theory]
    [InlineData("mallory")]
    [InlineData("mallory@example.org")]
    [InlineData("alice@example.com")]
    public async Task Authenticate_unknown_user_is_invalid_credentials(string username)
    {
        var result = await DirectoryUnderTest.AuthenticateAsync(new PasswordCredentials(username, Data.AlicePassword));

        Assert.Equal(AuthenticationStatus.InvalidCredentials, result.Status);
        Assert.Null(result.Principal);
    }

    /// <summary>A caller cannot tell an unknown name from a wrong password by the result.</summary>
    /// <returns>The test.</returns>
    [Fact]
    public async Task Authenticate_unknown_user_and_wrong_password_are_indistinguishable()
    {
        var unknown = await DirectoryUnderTest.AuthenticateAsync(new PasswordCredentials("mallory", "wrong"));
        var wrong = await DirectoryUnderTest.AuthenticateAsync(new PasswordCredentials("alice", "wrong"));

        Assert.Equal(wrong, unknown);
        Assert.Equal(AuthenticationResult.Invalid, unknown);
    }

    /// <summary>A group has no password and cannot log in.</summary>
    /// <param name="password">Any password.</param>
    /// <returns>The test.</returns>
    [Theory]
    [InlineData("")]
    [InlineData("Wonderland-Rabbit-1865")]
    public async Task Authenticate_as_group_is_invalid_credentials(string password)
    {
        var byName = await DirectoryUnderTest.AuthenticateAsync(new PasswordCredentials("team", password));
        var byAddress = await DirectoryUnderTest.AuthenticateAsync(new PasswordCredentials("team@example.org", password));

        Assert.Equal(AuthenticationResult.Invalid, byName);
        Assert.Equal(AuthenticationResult.Invalid, byAddress);
    }

    /// <summary>A disabled principal with the right password is told it is disabled, with the principal.</summary>
    /// <returns>The test.</returns>
    [Fact]
    public async Task Authenticate_disabled_with_right_password_is_disabled()
    {
        var result = await DirectoryUnderTest.AuthenticateAsync(new PasswordCredentials("carol", Data.CarolPassword));

        Assert.Equal(AuthenticationStatus.Disabled, result.Status);
        Assert.Equal("carol", result.Principal?.Name);
        Assert.True(result.Principal?.Disabled);
    }

    /// <summary>A disabled principal with a wrong password learns nothing: it is a wrong password like any other.</summary>
    /// <returns>The test.</returns>
    [Fact]
    public async Task Authenticate_disabled_with_wrong_password_is_invalid_credentials()
    {
        var result = await DirectoryUnderTest.AuthenticateAsync(new PasswordCredentials("carol", "wrong"));

        Assert.Equal(AuthenticationResult.Invalid, result);
    }

    /// <summary>Query syntax in a login name is taken literally, never as a pattern or a query.</summary>
    /// <param name="username">The hostile login name.</param>
    /// <returns>The test.</returns>
    [Theory]
    [InlineData("*")]
    [InlineData("*)(uid=*")]
    [InlineData("alice)(|(uid=*")]
    [InlineData("*)(|(objectClass=*")]
    [InlineData("' OR 1=1 --")]
    [InlineData("alice' --")]
    [InlineData("alice'; --")]
    [InlineData("%")]
    [InlineData("alic_")]
    [InlineData("a%")]
    [InlineData("alice\0")]
    [InlineData("cn=alice,dc=example,dc=org")]
    public async Task Authenticate_with_injection_shaped_username_is_invalid_credentials(string username)
    {
        var withRightPassword = await DirectoryUnderTest.AuthenticateAsync(new PasswordCredentials(username, Data.AlicePassword));
        var withWrongPassword = await DirectoryUnderTest.AuthenticateAsync(new PasswordCredentials(username, "' OR '1'='1"));

        Assert.Equal(AuthenticationResult.Invalid, withRightPassword);
        Assert.Equal(AuthenticationResult.Invalid, withWrongPassword);
    }

    /// <summary>Query syntax in a password is taken literally.</summary>
    /// <param name="password">The hostile password.</param>
    /// <returns>The test.</returns>
    [Theory]
    [InlineData("*")]
    [InlineData("' OR '1'='1")]
    [InlineData("' OR 1=1 --")]
    [InlineData("*)(userPassword=*")]
    public async Task Authenticate_with_injection_shaped_password_is_invalid_credentials(string password)
    {
        var result = await DirectoryUnderTest.AuthenticateAsync(new PasswordCredentials("alice", password));

        Assert.Equal(AuthenticationResult.Invalid, result);
    }

    /// <summary>Logins running at once each get their own, right answer.</summary>
    /// <returns>The test.</returns>
    [Fact]
    public async Task Authenticate_concurrently_answers_each_login()
    {
        var logins = Enumerable.Range(0, 8)
            .Select(i => i % 2 == 0
                ? new PasswordCredentials("alice", Data.AlicePassword)
                : new PasswordCredentials("bob", "wrong"))
            .Select(credentials => Task.Run(async () => await DirectoryUnderTest.AuthenticateAsync(credentials)))
            .ToArray();

        var results = await Task.WhenAll(logins);

        for (var i = 0; i < results.Length; i++)
        {
            if (i % 2 == 0)
            {
                Assert.Equal(AuthenticationStatus.Success, results[i].Status);
                Assert.Equal("alice", results[i].Principal?.Name);
            }
            else
            {
                Assert.Equal(AuthenticationResult.Invalid, results[i]);
            }
        }
    }

    /// <summary>The primary address, an alias, and either in another case resolve to the individual.</summary>
    /// <param name="address">The recipient address.</param>
    /// <returns>The test.</returns>
    [Theory]
    [InlineData("alice@example.org")]
    [InlineData("ally@example.net")]
    [InlineData("Alice@Example.Org")]
    [InlineData("ALLY@EXAMPLE.NET")]
    public async Task ResolveRecipient_finds_individual_by_address_or_alias_in_any_case(string address)
    {
        var resolution = await DirectoryUnderTest.ResolveRecipientAsync(address);

        Assert.Equal(RecipientKind.Individual, resolution.Kind);
        AssertSamePrincipal(Data.Alice, resolution.Principal);
    }

    /// <summary>A group's address resolves to the group with its members' addresses.</summary>
    /// <param name="address">The group's address.</param>
    /// <returns>The test.</returns>
    [Theory]
    [InlineData("team@example.org")]
    [InlineData("TEAM@example.org")]
    public async Task ResolveRecipient_finds_group_with_its_members(string address)
    {
        var resolution = await DirectoryUnderTest.ResolveRecipientAsync(address);

        Assert.Equal(RecipientKind.Group, resolution.Kind);
        AssertSamePrincipal(Data.Team, resolution.Principal);
    }

    /// <summary>A disabled individual's address never resolves to a principal that receives mail.</summary>
    /// <returns>The test.</returns>
    [Fact]
    public async Task ResolveRecipient_never_delivers_to_a_disabled_individual()
    {
        var resolution = await DirectoryUnderTest.ResolveRecipientAsync("carol@example.org");

        if (resolution.Kind != RecipientKind.NotFound)
        {
            Assert.Equal(RecipientKind.Individual, resolution.Kind);
            Assert.Equal("carol", resolution.Principal?.Name);
            Assert.True(resolution.Principal?.Disabled);
        }
    }

    /// <summary>An address nobody has in a local domain is not found.</summary>
    /// <param name="address">The unknown address.</param>
    /// <returns>The test.</returns>
    [Theory]
    [InlineData("mallory@example.org")]
    [InlineData("alice@example.net")]
    [InlineData("ally@example.org")]
    [InlineData("alice.liddell@example.org")]
    public async Task ResolveRecipient_unknown_address_in_local_domain_is_not_found(string address)
    {
        var resolution = await DirectoryUnderTest.ResolveRecipientAsync(address);

        Assert.Equal(RecipientResolution.NotFound, resolution);
    }

    /// <summary>An address in a domain the directory does not serve is not found, even with a known local part.</summary>
    /// <param name="address">The foreign address.</param>
    /// <returns>The test.</returns>
    [Theory]
    [InlineData("alice@example.com")]
    [InlineData("alice@mail.example.org")]
    [InlineData("alice@example.org.evil.test")]
    [InlineData("team@example.com")]
    public async Task ResolveRecipient_address_in_foreign_domain_is_not_found(string address)
    {
        var resolution = await DirectoryUnderTest.ResolveRecipientAsync(address);

        Assert.Equal(RecipientResolution.NotFound, resolution);
    }

    /// <summary>A malformed address is not found; it never throws.</summary>
    /// <param name="address">The malformed address.</param>
    /// <returns>The test.</returns>
    [Theory]
    [InlineData("")]
    [InlineData(" ")]
    [InlineData("no-at-sign")]
    [InlineData("alice")]
    [InlineData("@example.org")]
    [InlineData("alice@")]
    [InlineData("@")]
    [InlineData("alice@@example.org")]
    [InlineData("alice@example.org@example.org")]
    [InlineData("alice @example.org")]
    [InlineData("alice@example.org\r\nbcc@example.org")]
    public async Task ResolveRecipient_malformed_address_is_not_found(string address)
    {
        var resolution = await DirectoryUnderTest.ResolveRecipientAsync(address);

        Assert.Equal(RecipientResolution.NotFound, resolution);
    }

    /// <summary>Query syntax in an address is taken literally, never as a pattern or a query.</summary>
    /// <param name="address">The hostile address.</param>
    /// <returns>The test.</returns>
    [Theory]
    [InlineData("*@example.org")]
    [InlineData("*")]
    [InlineData("*)(mail=*")]
    [InlineData("*)(uid=*@example.org")]
    [InlineData("' OR 1=1 --")]
    [InlineData("' OR 1=1 --@example.org")]
    [InlineData("alice@example.org' OR '1'='1")]
    [InlineData("%@example.org")]
    [InlineData("alic_@example.org")]
    [InlineData("alice@%")]
    public async Task ResolveRecipient_injection_shaped_address_is_not_found(string address)
    {
        var resolution = await DirectoryUnderTest.ResolveRecipientAsync(address);

        Assert.Equal(RecipientResolution.NotFound, resolution);
    }

    /// <summary>A principal is found by its login name, with everything the directory knows about it.</summary>
    /// <returns>The test.</returns>
    [Fact]
    public async Task FindPrincipal_by_name_returns_the_principal()
    {
        var alice = await DirectoryUnderTest.FindPrincipalAsync("alice");
        var bob = await DirectoryUnderTest.FindPrincipalAsync("bob");

        AssertSamePrincipal(Data.Alice, alice);
        AssertSamePrincipal(Data.Bob, bob);
    }

    /// <summary>A group is found by its name, with its members.</summary>
    /// <returns>The test.</returns>
    [Fact]
    public async Task FindPrincipal_by_group_name_returns_the_group()
    {
        var team = await DirectoryUnderTest.FindPrincipalAsync("team");

        AssertSamePrincipal(Data.Team, team);
    }

    /// <summary>A disabled principal is still found, marked disabled.</summary>
    /// <returns>The test.</returns>
    [Fact]
    public async Task FindPrincipal_returns_disabled_principal_marked_disabled()
    {
        var carol = await DirectoryUnderTest.FindPrincipalAsync("carol");

        AssertSamePrincipal(Data.Carol, carol);
    }

    /// <summary>An unknown or hostile name finds nobody.</summary>
    /// <param name="name">The name.</param>
    /// <returns>The test.</returns>
    [Theory]
    [InlineData("mallory")]
    [InlineData("")]
    [InlineData("*")]
    [InlineData("a*")]
    [InlineData("*)(uid=*")]
    [InlineData("' OR 1=1 --")]
    [InlineData("%")]
    [InlineData("alic_")]
    public async Task FindPrincipal_unknown_name_returns_null(string name)
    {
        var principal = await DirectoryUnderTest.FindPrincipalAsync(name);

        Assert.Null(principal);
    }

    /// <summary>The directory lists both local domains, lower case, and nothing else.</summary>
    /// <returns>The test.</returns>
    [Fact]
    public async Task ListDomains_returns_every_local_domain_in_lower_case()
    {
        var domains = await DirectoryUnderTest.ListDomainsAsync();

        Assert.Equal(Data.Domains.Order(StringComparer.Ordinal), domains.Order(StringComparer.Ordinal));
        Assert.All(domains, domain => Assert.Equal(domain.ToLowerInvariant(), domain));
    }

    private static void AssertSamePrincipal(Principal expected, Principal? actual)
    {
        Assert.NotNull(actual);
        Assert.Equal(expected.Name, actual.Name);
        Assert.Equal(expected.Kind, actual.Kind);
        Assert.Equal(expected.DisplayName, actual.DisplayName);

        // The primary address comes first by contract; the order of aliases and members is the backend's.
        Assert.Equal(expected.PrimaryAddress, actual.PrimaryAddress);
        Assert.Equal(expected.Addresses.Order(StringComparer.Ordinal), actual.Addresses.Order(StringComparer.Ordinal));
        Assert.Equal(expected.Members.Order(StringComparer.Ordinal), actual.Members.Order(StringComparer.Ordinal));
        Assert.Equal(expected.MemberOf.Order(StringComparer.Ordinal), actual.MemberOf.Order(StringComparer.Ordinal));
        Assert.Equal(expected.Roles.Order(StringComparer.Ordinal), actual.Roles.Order(StringComparer.Ordinal));
        Assert.Equal(expected.QuotaBytes, actual.QuotaBytes);
        Assert.Equal(expected.QuotaMessages, actual.QuotaMessages);
        Assert.Equal(expected.Disabled, actual.Disabled);
    }
}
