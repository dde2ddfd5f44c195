namespace Mail.Host.Directory;

/// <summary>
/// Who may log in and who receives mail: credentials to principals, recipient addresses to principals or groups,
/// and the local domains. Addresses compare case-insensitively. A backend that cannot be reached throws
/// <see cref="DirectoryUnavailableException"/>, which protocols answer with a temporary failure.
/// </summary>
public interface IDirectory
{
    /// <summary>Checks credentials.</summary>
    /// <param name="credentials">What the client presented.</param>
    /// <param name="cancellationToken">Cancels the check.</param>
    /// <returns>The outcome, with the principal when it succeeded.</returns>
    ValueTask<AuthenticationResult> AuthenticateAsync(Credentials credentials, CancellationToken cancellationToken = default);

    /// <summary>Finds who an address delivers to: an individual (by address or alias), a group, or nobody.</summary>
    /// <param name="address">A full address, <c>local@domain</c>.</param>
    /// <param name="cancellationToken">Cancels the lookup.</param>
    /// <returns>The resolution.</returns>
    ValueTask<RecipientResolution> ResolveRecipientAsync(string address, CancellationToken cancellationToken = default);

    /// <summary>Finds a principal by its login name.</summary>
    /// <param name="name">The principal's name.</param>
    /// <param name="cancellationToken">Cancels the lookup.</param>
    /// <returns>The principal, or <see langword="null"/>.</returns>
    ValueTask<Principal?> FindPrincipalAsync(string name, CancellationToken cancellationToken = default);

    /// <summary>Lists the domains this directory receives mail for.</summary>
    /// <param name="cancellationToken">Cancels the listing.</param>
    /// <returns>The domain names, lower case.</returns>
    ValueTask<IReadOnlyList<string>> ListDomainsAsync(CancellationToken cancellationToken = default);
}
