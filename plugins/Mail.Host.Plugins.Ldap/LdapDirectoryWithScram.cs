using Mail.Host.Directory;

namespace Mail.Host.Plugins.Ldap;

/// <summary>
/// An <see cref="LdapDirectory"/> whose entries carry SCRAM-SHA-256 secrets (<c>Attributes:ScramSecret</c> set), so
/// protocols offer SCRAM-SHA-256 beside PLAIN and LOGIN. A separate type because protocols decide by the directory's
/// type whether to offer the mechanism, and a directory without secrets must not advertise one every login would fail.
/// </summary>
/// <param name="name">The directory's manifest name.</param>
/// <param name="settings">Checked settings.</param>
internal sealed class LdapDirectoryWithScram(string name, LdapDirectorySettings settings)
    : LdapDirectory(name, settings), IScramSecretStore;
