using Mail.Host.Conformance;
using Mail.Host.Directory;
using Mail.Host.Tests.Services;
using Xunit;

namespace Mail.Host.Plugins.Tests;

/// <summary>
/// The directory conformance kit against the <c>ldap</c> directory over ldap:// upgraded with StartTLS before the
/// service account binds, passwords checked by comparing the stored hashes.
/// </summary>
[RequiresEnvironment("MAILHOST_TEST_LDAP_TRUSTED", "OpenLDAP server with StartTLS")]
public sealed class LdapStartTlsDirectoryTests : DirectoryConformance
{
    /// <summary>StartTLS is really negotiated: with the test CA not trusted, the server's certificate is refused.</summary>
    /// <returns>The test.</returns>
    [Fact]
    public async Task StartTls_with_an_untrusted_certificate_is_refused_not_skipped()
    {
        var settings = LdapTestDirectory.Settings();
        settings["StartTls"] = "true";

        var error = await Assert.ThrowsAsync<DirectoryUnavailableException>(async () => await LdapTestDirectory.OpenAsync(settings));
        Assert.IsAssignableFrom<System.DirectoryServices.Protocols.DirectoryException>(error.InnerException);
    }

    /// <inheritdoc />
    protected override async ValueTask<IDirectory> OpenDirectoryAsync(DirectoryConformanceData data)
    {
        var settings = LdapTestDirectory.Settings(mode: "compare");
        settings["StartTls"] = "true";
        settings["TrustedCertificatesDirectory"] = TestServices.Require("MAILHOST_TEST_LDAP_TRUSTED");
        return await LdapTestDirectory.OpenAsync(settings);
    }
}
