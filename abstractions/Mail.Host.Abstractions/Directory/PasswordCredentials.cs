namespace Mail.Host.Directory;

/// <summary>A login name and a password, as sent by AUTH PLAIN, AUTH LOGIN, IMAP LOGIN or HTTP Basic.</summary>
/// <param name="Username">The login name (a principal name or one of its addresses).</param>
/// <param name="Password">The password.</param>
public sealed record PasswordCredentials(string Username, string Password) : Credentials(Username)
{
    /// <summary>Leaves the password out of logs and exception messages.</summary>
    /// <returns>The record without its password.</returns>
    public override string ToString() => $"PasswordCredentials {{ Username = {Username} }}";
}
