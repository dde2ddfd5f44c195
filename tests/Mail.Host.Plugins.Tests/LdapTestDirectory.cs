using Mail.Host.Directory;
using Mail.Host.Plugins.Ldap;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Mail.Host.Plugins.Tests;

/// <summary>
/// The slapd <c>scripts/services.sh</c> starts with the test directory of <c>tests/ldap</c> (the conformance kit's
/// principals), and the settings of an <c>ldap</c> directory over it.
/// </summary>
internal static class LdapTestDirectory
{
    /// <summary>The variable naming the server's URL.</summary>
    public const string Variable = "MAILHOST_TEST_LDAP";

    /// <summary>The server's URL.</summary>
    public static Uri Url => new(TestServices.Require(Variable));

    /// <summary>Settings for a directory named <c>corp</c> over the test server.</summary>
    /// <param name="url">The URL to reach the server at; the test server's when null.</param>
    /// <param name="mode">bind or compare.</param>
    /// <returns>The settings.</returns>
    public static Dictionary<string, string?> Settings(string? url = null, string mode = "bind") => new()
    {
        ["Type"] = "ldap",
        ["Urls:0"] = url ?? TestServices.Require(Variable),
        ["BindDn"] = TestServices.Require("MAILHOST_TEST_LDAP_BIND_DN"),
        ["BindPassword"] = TestServices.Require("MAILHOST_TEST_LDAP_PASSWORD"),
        ["BaseDn"] = TestServices.Require("MAILHOST_TEST_LDAP_BASE"),
        ["Domains:0"] = "example.org",
        ["Domains:1"] = "example.net",
        ["Authentication"] = mode,
        ["TimeoutSeconds"] = "5",
    };

    /// <summary>A context for a directory named <c>corp</c>.</summary>
    /// <param name="settings">Its settings.</param>
    /// <returns>The context.</returns>
    public static DirectoryContext Context(Dictionary<string, string?> settings) => new()
    {
        Name = "corp",
        Settings = new ConfigurationBuilder().AddInMemoryCollection(settings).Build(),
        BaseDirectory = Path.GetTempPath(),
        Services = new ServiceCollection().BuildServiceProvider(),
    };

    /// <summary>Opens a directory through the provider, as the host does.</summary>
    /// <param name="settings">Its settings.</param>
    /// <returns>The directory.</returns>
    public static async ValueTask<IDirectory> OpenAsync(Dictionary<string, string?> settings)
    {
        var provider = new LdapDirectoryProvider();
        var context = Context(settings);
        var problems = provider.Validate(context).ToList();
        if (problems.Count > 0)
        {
            throw new InvalidOperationException(string.Join(" ", problems));
        }

        return await provider.OpenAsync(context, CancellationToken.None);
    }
}
