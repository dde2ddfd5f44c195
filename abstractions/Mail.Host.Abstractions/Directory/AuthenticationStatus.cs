namespace Mail.Host.Directory;

/// <summary>The outcome of <see cref="IDirectory.AuthenticateAsync"/>.</summary>
public enum AuthenticationStatus
{
    /// <summary>The credentials are right; the principal may log in.</summary>
    Success,

    /// <summary>No such principal, or the secret is wrong; the two are not told apart.</summary>
    InvalidCredentials,

    /// <summary>The credentials are right but the principal is disabled.</summary>
    Disabled,
}
