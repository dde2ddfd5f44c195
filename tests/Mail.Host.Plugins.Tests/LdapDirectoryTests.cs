using Mail.Host.Conformance;
using Mail.Host.Directory;
using Mail.Host.Plugins.Ldap;
using Mail.Host.Tests.Services;
using Xunit;

namespace Mail.Host.Plugins.Tests;

/// <summary>
/// The directory conformance kit against the <c>ldap</c> directory on a real slapd holding the kit's principals,
/// passwords checked by binding as the user; then the server going away, and settings validation.
/// </summary>
[RequiresEnvironment(LdapTestDirectory.Variable, "OpenLDAP server")]
public sealed class LdapDirectoryTests : DirectoryConformance
{
    [Fact]
    public async Task Server_down_is_a_temporary_failure_not_a_wrong_password()
    {
        var url = LdapTestDirectory.Url;
        await using var relay = new TcpForwarder(url.Host, url.Port);
        relay.Start();
        var settings = LdapTestDirectory.Settings($"ldap://127.0.0.1:{relay.Port}");
        settings["CacheSeconds"] = "0";
        var directory = await LdapTestDirectory.OpenAsync(settings);
        Assert.Equal(AuthenticationStatus.Success, (await directory.AuthenticateAsync(new PasswordCredentials("alice", Data.AlicePassword))).Status);

        await relay.StopAsync();

        await Assert.ThrowsAsync<DirectoryUnavailableException>(async () => await directory.AuthenticateAsync(new PasswordCredentials("alice", Data.AlicePassword)));
        await Assert.ThrowsAsync<DirectoryUnavailableException>(async () => await directory.AuthenticateAsync(new PasswordCredentials("alice", "wrong")));
        await Assert.ThrowsAsync<DirectoryUnavailableException>(async () => await directory.ResolveRecipientAsync("alice@example.org"));

        relay.Start();

        Assert.Equal(AuthenticationStatus.Success, (await directory.AuthenticateAsync(new PasswordCredentials("alice", Data.AlicePassword))).Status);
        (directory as IDisposable)?.Dispose();
    }

    [Fact]
    public async Task Open_fails_when_the_service_account_is_refused()
    {
        var settings = LdapTestDirectory.Settings();
        settings["BindPassword"] = "not-the-password";

        await Assert.ThrowsAsync<DirectoryUnavailableException>(async () => await LdapTestDirectory.OpenAsync(settings));
    }

    [Fact]
    public async Task Lookups_are_cached_for_the_configured_time()
    {
        var url = LdapTestDirectory.Url;
        await using var relay = new TcpForwarder(url.Host, url.Port);
        relay.Start();
        var directory = await LdapTestDirectory.OpenAsync(LdapTestDirectory.Settings($"ldap://127.0.0.1:{relay.Port}"));
        var first = await directory.ResolveRecipientAsync("team@example.org");

        await relay.StopAsync();
        var cached = await directory.ResolveRecipientAsync("team@example.org");

        Assert.Equal(RecipientKind.Group, first.Kind);
        Assert.Equal(first, cached);
        (directory as IDisposable)?.Dispose();
    }

    [Fact]
    public void Validate_reports_every_problem_naming_the_key()
    {
        var problems = new LdapDirectoryProvider().Validate(LdapTestDirectory.Context(new Dictionary<string, string?>
        {
            ["Type"] = "ldap",
            ["Urls:0"] = "http://ldap.example.org",
            ["BindDn"] = "cn=mailhost,dc=example,dc=org",
            ["Filters:Login"] = "(uid={login})",
            ["Filters:Recipient"] = "mail={user}",
            ["Authentication"] = "kerberos",
            ["Colour"] = "blue",
        })).ToList();

        Assert.Contains(problems, p => p.StartsWith("Directories:corp:Urls has 'http://ldap.example.org'", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.StartsWith("Directories:corp:BindPassword is missing", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.StartsWith("Directories:corp:BaseDn is missing", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.StartsWith("Directories:corp:Filters:Login has the placeholder {login}", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.StartsWith("Directories:corp:Filters:Recipient 'mail={user}' is not an LDAP filter", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.StartsWith("Directories:corp:Authentication must be bind", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.StartsWith("Directories:corp:Colour is not a setting", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.StartsWith("Directories:corp:Domains is missing", StringComparison.Ordinal));
    }

    /// <inheritdoc />
    protected override async ValueTask<IDirectory> OpenDirectoryAsync(DirectoryConformanceData data)
        => await LdapTestDirectory.OpenAsync(LdapTestDirectory.Settings());
}
