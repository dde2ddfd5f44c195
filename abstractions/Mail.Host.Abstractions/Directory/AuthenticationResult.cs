namespace Mail.Host.Directory;

/// <summary>The outcome of <see cref="IDirectory.AuthenticateAsync"/>.</summary>
/// <param name="Status">Success or why not.</param>
/// <param name="Principal">The principal, on success.</param>
public sealed record AuthenticationResult(AuthenticationStatus Status, Principal? Principal)
{
    /// <summary>Wrong name or secret.</summary>
    public static AuthenticationResult Invalid { get; } = new(AuthenticationStatus.InvalidCredentials, null);

    /// <summary>A successful login.</summary>
    /// <param name="principal">Who logged in.</param>
    /// <returns>The result.</returns>
    public static AuthenticationResult Succeeded(Principal principal) => new(AuthenticationStatus.Success, principal);

    /// <summary>Right credentials, disabled principal.</summary>
    /// <param name="principal">The disabled principal.</param>
    /// <returns>The result.</returns>
    public static AuthenticationResult DisabledPrincipal(Principal principal) => new(AuthenticationStatus.Disabled, principal);
}
