using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Acme.Directory;

/// <summary>
/// Password hashes as <c>$pbkdf2-sha256$i=ITERATIONS$SALT$HASH</c> (salt and hash in base64): PBKDF2 with
/// HMAC-SHA-256, from the base class library, so the plugin carries no dependency.
/// </summary>
public static class PasswordHash
{
    /// <summary>The iteration count new hashes get.</summary>
    public const int DefaultIterations = 600_000;

    private const string Prefix = "$pbkdf2-sha256$i=";

    /// <summary>Hashes a password with a new random salt.</summary>
    /// <param name="password">The password.</param>
    /// <param name="iterations">The iteration count; fewer are faster and weaker.</param>
    /// <returns>The hash string.</returns>
    public static string Hash(string password, int iterations = DefaultIterations)
    {
        ArgumentNullException.ThrowIfNull(password);
        ArgumentOutOfRangeException.ThrowIfLessThan(iterations, 1);
        var salt = RandomNumberGenerator.GetBytes(16);
        var hash = Rfc2898DeriveBytes.Pbkdf2(Encoding.UTF8.GetBytes(password), salt, iterations, HashAlgorithmName.SHA256, 32);
        return $"{Prefix}{iterations.ToString(CultureInfo.InvariantCulture)}${Convert.ToBase64String(salt)}${Convert.ToBase64String(hash)}";
    }

    /// <summary>Checks a password against a hash, in time that does not depend on where they differ.</summary>
    /// <param name="password">The password presented.</param>
    /// <param name="secret">The stored hash.</param>
    /// <returns><see langword="true"/> when they match; <see langword="false"/> also for a malformed hash.</returns>
    public static bool Verify(string password, string secret)
    {
        ArgumentNullException.ThrowIfNull(password);
        if (!TryParse(secret, out var iterations, out var salt, out var expected))
        {
            return false;
        }

        var actual = Rfc2898DeriveBytes.Pbkdf2(Encoding.UTF8.GetBytes(password), salt, iterations, HashAlgorithmName.SHA256, expected.Length);
        return CryptographicOperations.FixedTimeEquals(actual, expected);
    }

    /// <summary>The iteration count of a hash, or <see langword="null"/> when it is not one of these hashes.</summary>
    /// <param name="secret">The stored hash.</param>
    /// <returns>The iteration count.</returns>
    public static int? IterationsOf(string? secret) => TryParse(secret, out var iterations, out _, out _) ? iterations : null;

    private static bool TryParse(string? secret, out int iterations, out byte[] salt, out byte[] hash)
    {
        iterations = 0;
        salt = hash = [];
        var parts = secret is not null && secret.StartsWith(Prefix, StringComparison.Ordinal) ? secret[Prefix.Length..].Split('$') : [];
        if (parts.Length != 3 || !int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out iterations) || iterations < 1)
        {
            return false;
        }

        try
        {
            salt = Convert.FromBase64String(parts[1]);
            hash = Convert.FromBase64String(parts[2]);
            return hash.Length > 0;
        }
        catch (FormatException)
        {
            return false;
        }
    }
}
