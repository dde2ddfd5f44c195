using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Mail.Host.Plugins.Security;

/// <summary>
/// Makes and stores SCRAM-SHA-256 secrets (RFC 5802 §3, RFC 7677): SaltedPassword = PBKDF2-HMAC-SHA-256 of the
/// prepared password, then StoredKey = H(HMAC(SaltedPassword, "Client Key")) and ServerKey = HMAC(SaltedPassword,
/// "Server Key"). Stored as <c>SCRAM-SHA-256$iterations:salt$storedKey:serverKey</c> (base64), the form RFC 5803
/// gives for LDAP's authPassword; Dovecot's <c>{SCRAM-SHA-256}iterations,salt,storedKey,serverKey</c> is read too,
/// so user tables written for Dovecot serve as they are.
/// </summary>
public static class ScramSecrets
{
    /// <summary>The iteration count for new secrets: above RFC 7677's minimum of 4096.</summary>
    public const int DefaultIterations = 10_000;

    private const string Prefix = "SCRAM-SHA-256$";
    private const string DovecotPrefix = "{SCRAM-SHA-256}";

    /// <summary>Derives a secret with a fresh random salt, in its stored form.</summary>
    /// <param name="password">The password.</param>
    /// <param name="iterations">The PBKDF2 iteration count.</param>
    /// <returns>The text to store.</returns>
    public static string Create(string password, int iterations = DefaultIterations)
        => Create(password, RandomNumberGenerator.GetBytes(16), iterations);

    /// <summary>Derives the secret for a given salt (for known answers, e.g. RFC 7677 §3), in its stored form.</summary>
    /// <param name="password">The password.</param>
    /// <param name="salt">The salt.</param>
    /// <param name="iterations">The PBKDF2 iteration count.</param>
    /// <returns>The text to store.</returns>
    public static string Create(string password, byte[] salt, int iterations)
    {
        ArgumentNullException.ThrowIfNull(password);
        ArgumentNullException.ThrowIfNull(salt);
        ArgumentOutOfRangeException.ThrowIfLessThan(iterations, 1);
        var salted = Rfc2898DeriveBytes.Pbkdf2(Encoding.UTF8.GetBytes(Prepare(password)), salt, iterations, HashAlgorithmName.SHA256, SHA256.HashSizeInBytes);
        var clientKey = HMACSHA256.HashData(salted, "Client Key"u8);
        var storedKey = SHA256.HashData(clientKey);
        var serverKey = HMACSHA256.HashData(salted, "Server Key"u8);
        CryptographicOperations.ZeroMemory(salted);
        return string.Create(CultureInfo.InvariantCulture, $"{Prefix}{iterations}:{Convert.ToBase64String(salt)}${Convert.ToBase64String(storedKey)}:{Convert.ToBase64String(serverKey)}");
    }

    /// <summary>Reads a stored secret; false for anything not in the stored form.</summary>
    /// <param name="stored">The stored text.</param>
    /// <param name="iterations">The PBKDF2 iteration count.</param>
    /// <param name="salt">The salt.</param>
    /// <param name="storedKey">The StoredKey.</param>
    /// <param name="serverKey">The ServerKey.</param>
    /// <returns>Whether the text is a stored secret.</returns>
    public static bool TryParse(string? stored, out int iterations, out byte[] salt, out byte[] storedKey, out byte[] serverKey)
    {
        iterations = 0;
        salt = storedKey = serverKey = [];
        string[] first, second;
        if (stored is not null && stored.StartsWith(Prefix, StringComparison.Ordinal))
        {
            var halves = stored[Prefix.Length..].Split('$');
            first = halves[0].Split(':');
            second = halves.Length == 2 ? halves[1].Split(':') : [];
        }
        else if (stored is not null && stored.StartsWith(DovecotPrefix, StringComparison.OrdinalIgnoreCase))
        {
            var parts = stored[DovecotPrefix.Length..].Split(',');
            first = parts.Length == 4 ? parts[..2] : [];
            second = parts.Length == 4 ? parts[2..] : [];
        }
        else
        {
            return false;
        }

        if (first.Length != 2 || second.Length != 2
            || !int.TryParse(first[0], NumberStyles.None, CultureInfo.InvariantCulture, out iterations) || iterations < 1)
        {
            return false;
        }

        try
        {
            salt = Convert.FromBase64String(first[1]);
            storedKey = Convert.FromBase64String(second[0]);
            serverKey = Convert.FromBase64String(second[1]);
        }
        catch (FormatException)
        {
            return false;
        }

        return salt.Length > 0 && storedKey.Length == SHA256.HashSizeInBytes && serverKey.Length == SHA256.HashSizeInBytes;
    }

    /// <summary>
    /// The password as SCRAM hashes it (RFC 5802 §2.2 asks for SASLprep, RFC 4013): spaces other than U+0020 become
    /// U+0020, characters mapped to nothing (soft hyphen, zero-width joiners and the like) go, and the result is in
    /// Unicode normalization form KC. Plain ASCII passwords are unchanged.
    /// </summary>
    /// <param name="password">The password.</param>
    /// <returns>The prepared password.</returns>
    public static string Prepare(string password)
    {
        ArgumentNullException.ThrowIfNull(password);
        if (Ascii.IsValid(password))
        {
            return password;
        }

        var builder = new StringBuilder(password.Length);
        foreach (var c in password)
        {
            if (c is '\u00AD' or '\u034F' or '\u1806' or '\u180B' or '\u180C' or '\u180D' or '\u200B' or '\u200C' or '\u200D' or '\u2060' or '\uFEFF'
                || c is >= '\uFE00' and <= '\uFE0F')
            {
                continue;
            }

            builder.Append(c != ' ' && CharUnicodeInfo.GetUnicodeCategory(c) == UnicodeCategory.SpaceSeparator ? ' ' : c);
        }

        return builder.ToString().Normalize(NormalizationForm.FormKC);
    }

    /// <summary>
    /// Checks a password against a stored secret, as a plain login must when SCRAM secrets are all a directory keeps:
    /// the StoredKey is derived from the password with the secret's salt and iteration count and compared in fixed time.
    /// </summary>
    /// <param name="password">The password the client sent.</param>
    /// <param name="stored">The stored secret.</param>
    /// <returns>Whether the password matches; false for anything not in a stored form.</returns>
    public static bool Verify(string password, string? stored)
    {
        ArgumentNullException.ThrowIfNull(password);
        if (!TryParse(stored, out var iterations, out var salt, out var storedKey, out _))
        {
            return false;
        }

        var salted = Rfc2898DeriveBytes.Pbkdf2(Encoding.UTF8.GetBytes(Prepare(password)), salt, iterations, HashAlgorithmName.SHA256, SHA256.HashSizeInBytes);
        var clientKey = HMACSHA256.HashData(salted, "Client Key"u8);
        CryptographicOperations.ZeroMemory(salted);
        return CryptographicOperations.FixedTimeEquals(SHA256.HashData(clientKey), storedKey);
    }
}
