using System.Security.Cryptography;
using Mail.Host.Directory;
using Mail.Host.Plugins.Security;
using Mail.Host.Storage;
using Microsoft.Extensions.Logging;

namespace Mail.Host.Plugins.InternalDirectory;

/// <summary>
/// A directory whose accounts, groups and domains live in the data store (subspaces <c>dir_principal</c>,
/// <c>dir_address</c>, <c>dir_domain</c>, <c>dir_member</c> and <c>dir_role</c>), changed through
/// <see cref="Administration"/>. Every lookup reads the store, so several host processes sharing one store see each
/// other's changes at once.
/// </summary>
/// <remarks>
/// A disabled individual is still returned by <see cref="ResolveRecipientAsync"/>, marked
/// <see cref="Principal.Disabled"/>, so that the protocol can answer "mailbox disabled" rather than "no such user".
/// A group resolves to the group with its <see cref="Principal.Members"/> as addresses; a nested group appears there
/// as its address, for the delivery engine to resolve in turn. An unknown address in a local domain with a catch-all
/// resolves to the catch-all principal.
/// </remarks>
public sealed class DataStoreDirectory : IDirectory, IScramSecretStore
{
    private readonly DirectoryData data;
    private readonly string dummySecret;
    private readonly VerifiedLogins verified;

    private DataStoreDirectory(DirectoryData data, InternalDirectoryOptions options, string dummySecret)
    {
        this.data = data;
        this.dummySecret = dummySecret;
        verified = new VerifiedLogins(options.VerifiedLoginLifetime, TimeProvider.System);
        Administration = new DirectoryAdministration(data, options);
    }

    /// <summary>Changes to this directory: accounts, groups, domains. The admin API calls it.</summary>
    public DirectoryAdministration Administration { get; }

    /// <summary>
    /// Opens the directory kept in a data store. When no principal holds the admin role, it first creates the account
    /// <c>admin</c> with that role and <see cref="InternalDirectoryOptions.InitialAdminPassword"/>, or a generated
    /// password logged once at Warning level; the creation asserts the name is free, so of several processes opening
    /// the same store at once exactly one creates it.
    /// </summary>
    /// <param name="store">The data store.</param>
    /// <param name="options">Password hashing and the first admin's password.</param>
    /// <param name="logger">Where the first admin's creation is reported.</param>
    /// <param name="cancellationToken">Cancels opening.</param>
    /// <returns>The directory.</returns>
    /// <exception cref="InvalidOperationException">The configured first admin password is too weak.</exception>
    public static async ValueTask<DataStoreDirectory> OpenAsync(IDataStore store, InternalDirectoryOptions options, ILogger logger, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(logger);
        var data = new DirectoryData(store);
        await AdminBootstrap.EnsureAdminAsync(data, options, logger, cancellationToken).ConfigureAwait(false);

        // Logins for names that do not exist are checked against a hash of a random, discarded password with this
        // directory's parameters, so they cost what real ones cost and timing does not reveal which names exist.
        var dummySecret = options.Hash(Convert.ToHexString(RandomNumberGenerator.GetBytes(32)));
        return new DataStoreDirectory(data, options, dummySecret);
    }

    /// <inheritdoc />
    public async ValueTask<AuthenticationResult> AuthenticateAsync(Credentials credentials, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(credentials);
        if (credentials is not PasswordCredentials { Password: { } password })
        {
            return AuthenticationResult.Invalid;
        }

        var record = await Guard(FindLoginAsync(credentials.Username, cancellationToken)).ConfigureAwait(false);
        var candidate = record is { Kind: PrincipalKind.Individual, Secret: not null } ? record : null;

        // Computed whether or not the name exists, so that every failed login takes the same time; only a password
        // that matched this very hash a moment ago skips it.
        var matches = candidate is not null && verified.Matches(candidate.Name, candidate.Secret!, password);
        if (!matches)
        {
            matches = PasswordHash.Verify(password, candidate?.Secret ?? dummySecret);
            if (matches && candidate is not null)
            {
                verified.Remember(candidate.Name, candidate.Secret!, password);
            }
        }

        if (candidate is null || !matches)
        {
            return AuthenticationResult.Invalid;
        }

        var principal = candidate.ToPrincipal(await Guard(data.GroupsOfAsync(candidate.Addresses, cancellationToken)).ConfigureAwait(false));
        if (candidate.ScramSha256 is null && !principal.Disabled)
        {
            await RememberScramSecretAsync(candidate, password, cancellationToken).ConfigureAwait(false);
        }

        return principal.Disabled ? AuthenticationResult.DisabledPrincipal(principal) : AuthenticationResult.Succeeded(principal);
    }

    /// <inheritdoc />
    public async ValueTask<ScramLogin?> FindScramSha256Async(string username, CancellationToken cancellationToken = default)
    {
        var record = await Guard(FindLoginAsync(username, cancellationToken)).ConfigureAwait(false);
        if (record is not { Kind: PrincipalKind.Individual }
            || !ScramSecrets.TryParse(record.ScramSha256, out var iterations, out var salt, out var storedKey, out var serverKey))
        {
            return null;
        }

        var principal = record.ToPrincipal(await Guard(data.GroupsOfAsync(record.Addresses, cancellationToken)).ConfigureAwait(false));
        return new ScramLogin(principal, new ScramSecret(iterations, salt, storedKey, serverKey));
    }

    /// <summary>
    /// Stores the SCRAM secret of an account whose password was set before this directory kept SCRAM secrets, the
    /// first time the password is used, so that SCRAM works for it from then on. Best effort: a change committed in
    /// between (a new password, say) wins, and a store that fails here does not fail the login.
    /// </summary>
    private async ValueTask RememberScramSecretAsync(PrincipalRecord candidate, string password, CancellationToken cancellationToken)
    {
        try
        {
            var change = new DirectoryTransaction(data);
            var current = await change.PrincipalAsync(candidate.Name, cancellationToken).ConfigureAwait(false);
            if (current is null || current.ScramSha256 is not null || !string.Equals(current.Secret, candidate.Secret, StringComparison.Ordinal))
            {
                return;
            }

            change.PutPrincipal(current with { ScramSha256 = InternalDirectoryOptions.Scram(password) });
            await change.CommitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (StoreUnavailableException)
        {
        }
    }

    /// <inheritdoc />
    public async ValueTask<RecipientResolution> ResolveRecipientAsync(string address, CancellationToken cancellationToken = default)
    {
        if (!AddressSyntax.TryNormalize(address, out var normalized, out var domain))
        {
            return RecipientResolution.NotFound;
        }

        var owner = await Guard(data.OwnerAsync(normalized, cancellationToken)).ConfigureAwait(false);
        if (owner is null)
        {
            // Only a local domain has a catch-all; an address elsewhere is never ours.
            owner = (await Guard(data.DomainAsync(domain, cancellationToken)).ConfigureAwait(false))?.CatchAll;
        }

        var record = owner is null ? null : await Guard(data.PrincipalAsync(owner, cancellationToken)).ConfigureAwait(false);
        if (record is null)
        {
            return RecipientResolution.NotFound;
        }

        return RecipientResolution.For(record.ToPrincipal(await Guard(data.GroupsOfAsync(record.Addresses, cancellationToken)).ConfigureAwait(false)));
    }

    /// <inheritdoc />
    public async ValueTask<Principal?> FindPrincipalAsync(string name, CancellationToken cancellationToken = default)
    {
        if (!PrincipalName.TryNormalize(name, out var key))
        {
            return null;
        }

        var record = await Guard(data.PrincipalAsync(key, cancellationToken)).ConfigureAwait(false);
        return record?.ToPrincipal(await Guard(data.GroupsOfAsync(record.Addresses, cancellationToken)).ConfigureAwait(false));
    }

    /// <inheritdoc />
    public async ValueTask<IReadOnlyList<string>> ListDomainsAsync(CancellationToken cancellationToken = default)
        => [.. (await Guard(data.AllDomainsAsync(cancellationToken)).ConfigureAwait(false)).Select(d => d.Domain)];

    /// <summary>Turns an unreachable store into the directory contract's temporary failure.</summary>
    private static async ValueTask<T> Guard<T>(ValueTask<T> read)
    {
        try
        {
            return await read.ConfigureAwait(false);
        }
        catch (StoreUnavailableException ex)
        {
            throw new DirectoryUnavailableException($"The internal directory cannot read its data store: {ex.Message}", ex);
        }
    }

    private async ValueTask<PrincipalRecord?> FindLoginAsync(string? username, CancellationToken cancellationToken)
    {
        if (string.IsNullOrEmpty(username))
        {
            return null;
        }

        if (username.Contains('@', StringComparison.Ordinal))
        {
            return AddressSyntax.TryNormalize(username, out var address, out _)
                && await data.OwnerAsync(address, cancellationToken).ConfigureAwait(false) is { } owner
                ? await data.PrincipalAsync(owner, cancellationToken).ConfigureAwait(false)
                : null;
        }

        return PrincipalName.TryNormalize(username, out var name) ? await data.PrincipalAsync(name, cancellationToken).ConfigureAwait(false) : null;
    }
}
