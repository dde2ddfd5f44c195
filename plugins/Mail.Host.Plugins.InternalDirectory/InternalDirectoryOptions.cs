using Mail.Host.Plugins.Security;

namespace Mail.Host.Plugins.InternalDirectory;

/// <summary>How an internal directory hashes passwords and sets up its first administrator.</summary>
public sealed record InternalDirectoryOptions
{
    /// <summary>Argon2id memory cost of new hashes, in KiB.</summary>
    public int HashMemoryKiB { get; init; } = PasswordHash.DefaultMemoryKiB;

    /// <summary>Argon2id iterations of new hashes.</summary>
    public int HashIterations { get; init; } = PasswordHash.DefaultIterations;

    /// <summary>Argon2id lanes of new hashes.</summary>
    public int HashParallelism { get; init; } = PasswordHash.DefaultParallelism;

    /// <summary>
    /// How long a password that matched is remembered (<see cref="VerifiedLogins"/>) so that the next logins with it
    /// skip the Argon2id hash; zero to hash at every login.
    /// </summary>
    public TimeSpan VerifiedLoginLifetime { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>
    /// The password of the <c>admin</c> account created when no principal has the admin role; when null, a random one
    /// is generated and logged once at Warning level.
    /// </summary>
    public string? InitialAdminPassword { get; init; }

    /// <summary>Hashes a password with these parameters.</summary>
    /// <param name="password">The password.</param>
    /// <returns>The PHC string.</returns>
    internal string Hash(string password) => PasswordHash.Hash(password, HashMemoryKiB, HashIterations, HashParallelism);

    /// <summary>Makes the SCRAM-SHA-256 secret stored beside the hash, so that SCRAM logins need no plain password.</summary>
    /// <param name="password">The password.</param>
    /// <returns>The stored form of the secret.</returns>
    internal static string Scram(string password) => ScramSecrets.Create(password);
}
