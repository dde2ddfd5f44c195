using Mail.Host.Conformance;
using Mail.Host.Directory;
using Mail.Host.Tests.Services;
using Xunit;

namespace Mail.Host.Plugins.Tests;

/// <summary>
/// The directory conformance kit against the <c>ldap</c> directory over ldaps:// to the test slapd, whose certificate
/// comes from a CA trusted through <c>TrustedCertificatesDirectory</c>; and a server whose CA is not trusted refused.
/// </summary>
[RequiresEnvironment("MAILHOST_TEST_LDAPS", "OpenLDAP server with ldaps://")]
public sealed class LdapTlsDirectoryTests : DirectoryConformance
{
    [Fact]
    public async Task A_server_whose_certificate_is_not_trusted_is_refused()
    {
        var settings = LdapTestDirectory.Settings(TestServices.Require("MAILHOST_TEST_LDAPS"));

        await Assert.ThrowsAsync<DirectoryUnavailableException>(async () => await LdapTestDirectory.OpenAsync(settings));
    }

    /// <inheritdoc />
    protected override async ValueTask<IDirectory> OpenDirectoryAsync(DirectoryConformanceData data)
    {
        var settings = LdapTestDirectory.Settings(TestServices.Require("MAILHOST_TEST_LDAPS"));
        settings["TrustedCertificatesDirectory"] = TestServices.Require("MAILHOST_TEST_LDAP_TRUSTED");
        return await LdapTestDirectory.OpenAsync(settings);
    }
}
