using Mail.Host.Conformance;
using Mail.Host.Directory;
using Mail.Host.Tests.Services;

namespace Mail.Host.Plugins.Tests;

/// <summary>
/// The directory conformance kit against the <c>ldap</c> directory with passwords checked here against the hashes
/// the service account reads from the entries ({SSHA} and {CRYPT} SHA512-CRYPT in the test directory).
/// </summary>
[RequiresEnvironment(LdapTestDirectory.Variable, "OpenLDAP server")]
public sealed class LdapCompareDirectoryTests : DirectoryConformance
{
    /// <inheritdoc />
    protected override async ValueTask<IDirectory> OpenDirectoryAsync(DirectoryConformanceData data)
        => await LdapTestDirectory.OpenAsync(LdapTestDirectory.Settings(mode: "compare"));
}
