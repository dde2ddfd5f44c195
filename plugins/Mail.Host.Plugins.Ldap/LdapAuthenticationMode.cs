namespace Mail.Host.Plugins.Ldap;

/// <summary>How the LDAP directory checks a password.</summary>
internal enum LdapAuthenticationMode
{
    /// <summary>Binds to the server as the user's entry with the password: the server checks it.</summary>
    Bind,

    /// <summary>Reads the entry's stored hash with the service account and verifies the password here.</summary>
    Compare,
}
