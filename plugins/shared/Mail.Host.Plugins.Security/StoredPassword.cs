using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Konscious.Security.Cryptography;

namespace Mail.Host.Plugins.Security;

/// <summary>
/// Verifies a password against a hash found in an existing user table or directory entry, whatever scheme wrote it:
/// bcrypt (<c>$2a$</c>, <c>$2b$</c>, <c>$2y$</c>), Argon2id and Argon2i (PHC strings), SHA-512-crypt (<c>$6$</c>),
/// SHA-256-crypt (<c>$5$</c>), MD5-crypt (<c>$1$</c>), <c>{SSHA}</c>, <c>{SSHA256}</c>, <c>{SSHA512}</c>, and the
/// SCRAM-SHA-256 secrets (RFC 5803's <c>SCRAM-SHA-256$</c> and Dovecot's <c>{SCRAM-SHA-256}</c>), and the
/// password in clear only when the caller allows it. Scheme prefixes in braces as Dovecot and OpenLDAP write them
/// (<c>{CRYPT}</c>, <c>{BLF-CRYPT}</c>, <c>{SHA512-CRYPT}</c>, <c>{SHA256-CRYPT}</c>, <c>{MD5-CRYPT}</c>,
/// <c>{ARGON2ID}</c>, <c>{ARGON2I}</c>, <c>{PLAIN}</c>, <c>{CLEARTEXT}</c>) are understood too.
/// </summary>
public static class StoredPassword
{
    private static readonly string[] CryptPrefixes = ["{CRYPT}", "{BLF-CRYPT}", "{SHA512-CRYPT}", "{SHA256-CRYPT}", "{MD5-CRYPT}", "{ARGON2ID}", "{ARGON2I}"];
    private static readonly string[] PlainPrefixes = ["{PLAIN}", "{CLEARTEXT}", "{CLEAR}"];

    /// <summary>Tells which scheme a stored value uses.</summary>
    /// <param name="stored">The stored value.</param>
    /// <returns>The scheme; <see cref="StoredPasswordScheme.Plain"/> for a value that has no known prefix.</returns>
    public static StoredPasswordScheme SchemeOf(string? stored)
    {
        if (string.IsNullOrEmpty(stored))
        {
            return StoredPasswordScheme.Unknown;
        }

        var value = StripCryptPrefix(stored);
        if (value.StartsWith("$2a$", StringComparison.Ordinal) || value.StartsWith("$2b$", StringComparison.Ordinal) || value.StartsWith("$2y$", StringComparison.Ordinal))
        {
            return StoredPasswordScheme.Bcrypt;
        }

        if (value.StartsWith("$argon2id$", StringComparison.Ordinal))
        {
            return StoredPasswordScheme.Argon2id;
        }

        if (value.StartsWith("$argon2i$", StringComparison.Ordinal))
        {
            return StoredPasswordScheme.Argon2i;
        }

        if (value.StartsWith(ShaCrypt.Sha512Prefix, StringComparison.Ordinal))
        {
            return StoredPasswordScheme.Sha512Crypt;
        }

        if (value.StartsWith(ShaCrypt.Sha256Prefix, StringComparison.Ordinal))
        {
            return StoredPasswordScheme.Sha256Crypt;
        }

        if (value.StartsWith(Md5Crypt.Prefix, StringComparison.Ordinal))
        {
            return StoredPasswordScheme.Md5Crypt;
        }

        if (value.StartsWith("SCRAM-SHA-256$", StringComparison.Ordinal) || value.StartsWith("{SCRAM-SHA-256}", StringComparison.OrdinalIgnoreCase))
        {
            return StoredPasswordScheme.ScramSha256;
        }

        if (value.StartsWith("{SSHA512}", StringComparison.OrdinalIgnoreCase))
        {
            return StoredPasswordScheme.Ssha512;
        }

        if (value.StartsWith("{SSHA256}", StringComparison.OrdinalIgnoreCase))
        {
            return StoredPasswordScheme.Ssha256;
        }

        if (value.StartsWith("{SSHA}", StringComparison.OrdinalIgnoreCase))
        {
            return StoredPasswordScheme.Ssha;
        }

        if (PlainPrefixes.Any(p => value.StartsWith(p, StringComparison.OrdinalIgnoreCase)))
        {
            return StoredPasswordScheme.Plain;
        }

        // Any other scheme in braces, or a crypt string of another algorithm, is one this server does not know.
        return value.StartsWith('{') || value.StartsWith('$') ? StoredPasswordScheme.Unknown : StoredPasswordScheme.Plain;
    }

    /// <summary>
    /// Checks a password against a stored value. Comparisons take the same time wherever the values differ; an
    /// empty password never verifies.
    /// </summary>
    /// <param name="password">The password the client sent.</param>
    /// <param name="stored">The stored value.</param>
    /// <param name="allowPlain">Whether a value stored in clear may be compared (only when the operator says so).</param>
    /// <returns>Whether the password matches.</returns>
    public static bool Verify(string password, string? stored, bool allowPlain)
    {
        ArgumentNullException.ThrowIfNull(password);
        if (password.Length == 0 || string.IsNullOrEmpty(stored))
        {
            return false;
        }

        var value = StripCryptPrefix(stored);
        try
        {
            return SchemeOf(stored) switch
            {
                StoredPasswordScheme.Bcrypt => BCrypt.Net.BCrypt.Verify(password, value),
                StoredPasswordScheme.Argon2id => VerifyArgon2(password, value, "argon2id"),
                StoredPasswordScheme.Argon2i => VerifyArgon2(password, value, "argon2i"),
                StoredPasswordScheme.Sha512Crypt or StoredPasswordScheme.Sha256Crypt => FixedTimeEquals(ShaCrypt.Compute(password, value), value),
                StoredPasswordScheme.Md5Crypt => FixedTimeEquals(Md5Crypt.Compute(password, value), value),
                StoredPasswordScheme.Ssha => VerifySalted(password, value, "{SSHA}".Length, HashAlgorithmName.SHA1),
                StoredPasswordScheme.Ssha256 => VerifySalted(password, value, "{SSHA256}".Length, HashAlgorithmName.SHA256),
                StoredPasswordScheme.Ssha512 => VerifySalted(password, value, "{SSHA512}".Length, HashAlgorithmName.SHA512),
                StoredPasswordScheme.ScramSha256 => ScramSecrets.Verify(password, value),
                StoredPasswordScheme.Plain => allowPlain && FixedTimeEquals(password, StripPlainPrefix(value)),
                _ => false,
            };
        }
        catch (Exception ex) when (ex is FormatException or ArgumentException or IndexOutOfRangeException or OverflowException or BCrypt.Net.SaltParseException or BCrypt.Net.BcryptAuthenticationException)
        {
            // A malformed stored value never verifies.
            return false;
        }
    }

    /// <summary>Makes a <c>{SSHA512}</c> value with a random 16-byte salt (for test tables and migrations).</summary>
    /// <param name="password">The password.</param>
    /// <returns>The value.</returns>
    public static string HashSsha512(string password) => HashSalted(password, "{SSHA512}", HashAlgorithmName.SHA512);

    /// <summary>Makes a salted SHA value (<c>{SSHA}</c>, <c>{SSHA256}</c> or <c>{SSHA512}</c>) with a random 8-byte salt.</summary>
    /// <param name="password">The password.</param>
    /// <param name="prefix">The scheme prefix.</param>
    /// <param name="algorithm">SHA-1, SHA-256 or SHA-512, matching the prefix.</param>
    /// <returns>The value.</returns>
    public static string HashSalted(string password, string prefix, HashAlgorithmName algorithm)
    {
        ArgumentNullException.ThrowIfNull(password);
        var salt = RandomNumberGenerator.GetBytes(8);
        var digest = SaltedDigest(Encoding.UTF8.GetBytes(password), salt, algorithm);
        return prefix + Convert.ToBase64String([.. digest, .. salt]);
    }

    private static string StripCryptPrefix(string stored)
    {
        foreach (var prefix in CryptPrefixes)
        {
            if (stored.StartsWith(prefix, StringComparison.OrdinalIgnoreCase))
            {
                return stored[prefix.Length..];
            }
        }

        return stored;
    }

    private static string StripPlainPrefix(string stored)
    {
        foreach (var prefix in PlainPrefixes)
        {
            if (stored.StartsWith(prefix, StringComparison.OrdinalIgnoreCase))
            {
                return stored[prefix.Length..];
            }
        }

        return stored;
    }

    private static bool FixedTimeEquals(string actual, string expected)
        => CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(actual), Encoding.UTF8.GetBytes(expected));

    private static bool VerifySalted(string password, string value, int prefixLength, HashAlgorithmName algorithm)
    {
        var size = algorithm == HashAlgorithmName.SHA1 ? 20 : algorithm == HashAlgorithmName.SHA256 ? 32 : 64;
        var decoded = Convert.FromBase64String(value[prefixLength..]);
        if (decoded.Length <= size)
        {
            return false;
        }

        var actual = SaltedDigest(Encoding.UTF8.GetBytes(password), decoded.AsSpan(size).ToArray(), algorithm);
        return CryptographicOperations.FixedTimeEquals(actual, decoded.AsSpan(0, size));
    }

    private static byte[] SaltedDigest(byte[] password, byte[] salt, HashAlgorithmName algorithm)
    {
        using var hash = IncrementalHash.CreateHash(algorithm);
        hash.AppendData(password);
        hash.AppendData(salt);
        CryptographicOperations.ZeroMemory(password);
        return hash.GetHashAndReset();
    }

    private static bool VerifyArgon2(string password, string value, string variant)
    {
        // $variant$v=19$m=..,t=..,p=..$salt$hash
        var parts = value.Split('$');
        if (parts.Length != 6 || parts[1] != variant || parts[2] != "v=19")
        {
            return false;
        }

        int memory = -1, iterations = -1, lanes = -1;
        foreach (var pair in parts[3].Split(','))
        {
            var equals = pair.IndexOf('=', StringComparison.Ordinal);
            if (equals < 1 || !int.TryParse(pair.AsSpan(equals + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var number))
            {
                return false;
            }

            switch (pair[..equals])
            {
                case "m": memory = number; break;
                case "t": iterations = number; break;
                case "p": lanes = number; break;
                default: return false;
            }
        }

        if (lanes is < 1 or > PasswordHash.MaxParallelism || iterations is < 1 or > PasswordHash.MaxIterations
            || memory < 8 * lanes || memory > PasswordHash.MaxMemoryKiB)
        {
            return false;
        }

        var salt = FromUnpaddedBase64(parts[4]);
        var expected = FromUnpaddedBase64(parts[5]);
        if (salt.Length < 8 || expected.Length is < 4 or > 1024)
        {
            return false;
        }

        var passwordBytes = Encoding.UTF8.GetBytes(password);
        try
        {
            using Argon2 argon2 = variant == "argon2id" ? new Argon2id(passwordBytes) : new Argon2i(passwordBytes);
            argon2.Salt = salt;
            argon2.MemorySize = memory;
            argon2.Iterations = iterations;
            argon2.DegreeOfParallelism = lanes;
            return CryptographicOperations.FixedTimeEquals(argon2.GetBytes(expected.Length), expected);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(passwordBytes);
        }
    }

    private static byte[] FromUnpaddedBase64(string text)
        => Convert.FromBase64String(text.PadRight(text.Length + ((4 - (text.Length % 4)) % 4), '='));
}
