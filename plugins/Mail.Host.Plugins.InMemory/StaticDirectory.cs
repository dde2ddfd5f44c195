using System.Collections.Concurrent;
using System.Security.Cryptography;
using Mail.Host.Directory;
using Mail.Host.Plugins.DirectorySupport;
using Mail.Host.Plugins.Security;

namespace Mail.Host.Plugins.InMemory;

/// <summary>
/// A directory whose principals and domains are written in the manifest. It never changes after it opens, so every
/// lookup is a dictionary read and it is safe to use from any number of threads.
/// </summary>
internal sealed class StaticDirectory : IDirectory
{
    // Logins for names that do not exist are checked against a hash of a random, discarded password, so they cost one
    // Argon2id computation like real ones and response times do not reveal which names exist. One hash per set of
    // parameters serves every directory in the process.
    private static readonly ConcurrentDictionary<(int MemoryKiB, int Iterations, int Parallelism), Lazy<string>> DummySecrets = new();

    private readonly string dummySecret;
    private readonly IReadOnlyList<string> domains;
    private readonly Dictionary<string, StaticPrincipalEntry> byName = new(StringComparer.OrdinalIgnoreCase);
    private readonly Dictionary<string, StaticPrincipalEntry> byAddress = new(StringComparer.Ordinal);
    private readonly IReadOnlyDictionary<string, StaticPrincipalEntry> catchAll;

    /// <summary>Creates the directory from settings that have no problems.</summary>
    /// <param name="settings">The checked settings.</param>
    public StaticDirectory(StaticDirectorySettings settings)
    {
        domains = settings.Domains;
        catchAll = settings.CatchAll;
        foreach (var entry in settings.Principals)
        {
            byName.Add(entry.Principal.Name, entry);
            foreach (var address in entry.Principal.Addresses)
            {
                byAddress.Add(address, entry);
            }
        }

        // Computed now rather than on the first unknown login, which would otherwise take twice as long as the rest.
        dummySecret = DummySecretLike(settings.Principals);
    }

    /// <inheritdoc />
    public ValueTask<AuthenticationResult> AuthenticateAsync(Credentials credentials, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(credentials);
        cancellationToken.ThrowIfCancellationRequested();
        if (credentials is not PasswordCredentials { Password: { } password })
        {
            return ValueTask.FromResult(AuthenticationResult.Invalid);
        }

        var entry = FindLogin(credentials.Username);
        var candidate = entry is { Principal.Kind: PrincipalKind.Individual, Secret: not null } ? entry : null;

        // The hash is always computed, whether or not the name exists, so that every failed login takes the same time.
        var matches = PasswordHash.Verify(password, candidate?.Secret ?? dummySecret);
        if (candidate is null || !matches)
        {
            return ValueTask.FromResult(AuthenticationResult.Invalid);
        }

        return ValueTask.FromResult(candidate.Principal.Disabled
            ? AuthenticationResult.DisabledPrincipal(candidate.Principal)
            : AuthenticationResult.Succeeded(candidate.Principal));
    }

    /// <inheritdoc />
    public ValueTask<RecipientResolution> ResolveRecipientAsync(string address, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        if (!DirectoryAddress.TryNormalize(address, out var normalized, out _, out var domain))
        {
            return ValueTask.FromResult(RecipientResolution.NotFound);
        }

        if (byAddress.TryGetValue(normalized, out var entry) || catchAll.TryGetValue(domain, out entry))
        {
            return ValueTask.FromResult(RecipientResolution.For(entry.Principal));
        }

        return ValueTask.FromResult(RecipientResolution.NotFound);
    }

    /// <inheritdoc />
    public ValueTask<Principal?> FindPrincipalAsync(string name, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        return ValueTask.FromResult(name is not null && byName.TryGetValue(name, out var entry) ? entry.Principal : null);
    }

    /// <inheritdoc />
    public ValueTask<IReadOnlyList<string>> ListDomainsAsync(CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        return ValueTask.FromResult(domains);
    }

    private static string DummySecretLike(IEnumerable<StaticPrincipalEntry> entries)
    {
        // The parameters most secrets use, so that an unknown name costs what a typical known one does.
        var counts = new Dictionary<(int MemoryKiB, int Iterations, int Parallelism), int>();
        foreach (var entry in entries)
        {
            if (PasswordHash.TryReadParameters(entry.Secret, out var found))
            {
                counts[found] = counts.GetValueOrDefault(found) + 1;
            }
        }

        var parameters = counts.Count == 0
            ? (PasswordHash.DefaultMemoryKiB, PasswordHash.DefaultIterations, PasswordHash.DefaultParallelism)
            : counts.MaxBy(pair => pair.Value).Key;

        return DummySecrets.GetOrAdd(
            parameters,
            key => new Lazy<string>(() => PasswordHash.Hash(
                Convert.ToHexString(RandomNumberGenerator.GetBytes(32)),
                key.MemoryKiB,
                key.Iterations,
                key.Parallelism))).Value;
    }

    private StaticPrincipalEntry? FindLogin(string? username)
    {
        if (string.IsNullOrEmpty(username))
        {
            return null;
        }

        if (byName.TryGetValue(username, out var entry))
        {
            return entry;
        }

        return DirectoryAddress.TryNormalize(username, out var address, out _, out _) && byAddress.TryGetValue(address, out entry) ? entry : null;
    }
}
