using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Konscious.Security.Cryptography;

namespace Mail.Host.Plugins.Security;

/// <summary>
/// Argon2id password hashes in the PHC string format
/// (<c>$argon2id$v=19$m=&lt;KiB&gt;,t=&lt;iterations&gt;,p=&lt;lanes&gt;$&lt;salt&gt;$&lt;hash&gt;</c>, salt and hash in
/// base64 without padding), the format the reference <c>argon2</c> tool, libsodium and most libraries write.
/// </summary>
public static class PasswordHash
{
    /// <summary>Memory cost of new hashes in KiB: 19 MiB, the OWASP recommendation for Argon2id.</summary>
    public const int DefaultMemoryKiB = 19_456;

    /// <summary>Iterations of new hashes, the OWASP recommendation for 19 MiB.</summary>
    public const int DefaultIterations = 2;

    /// <summary>Lanes of new hashes. One keeps a login on one core, so many logins at once do not starve the server.</summary>
    public const int DefaultParallelism = 1;

    /// <summary>The most memory a hash may ask for, in KiB (1 GiB); a larger value would let one login exhaust the server.</summary>
    public const int MaxMemoryKiB = 1_048_576;

    /// <summary>The most iterations a hash may ask for.</summary>
    public const int MaxIterations = 100;

    /// <summary>The most lanes a hash may ask for.</summary>
    public const int MaxParallelism = 64;

    private const int SaltLength = 16;
    private const int HashLength = 32;
    private const int MinSaltLength = 8;
    private const int MaxSaltLength = 64;
    private const int MinHashLength = 16;
    private const int MaxHashLength = 64;
    private const string Prefix = "$argon2id$";

    /// <summary>Hashes a password with a random 16-byte salt and the default parameters.</summary>
    /// <param name="password">The password.</param>
    /// <returns>The PHC string.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="password"/> is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="password"/> is empty: it is no password, and never verifies.</exception>
    public static string Hash(string password) => Hash(password, DefaultMemoryKiB, DefaultIterations, DefaultParallelism);

    /// <summary>Hashes a password with a random 16-byte salt and the given parameters.</summary>
    /// <param name="password">The password.</param>
    /// <param name="memoryKiB">Memory cost in KiB; at least 8 × <paramref name="parallelism"/>, at most <see cref="MaxMemoryKiB"/>.</param>
    /// <param name="iterations">Iterations; 1 to <see cref="MaxIterations"/>.</param>
    /// <param name="parallelism">Lanes; 1 to <see cref="MaxParallelism"/>.</param>
    /// <returns>The PHC string.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="password"/> is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="password"/> is empty.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A parameter is out of range.</exception>
    public static string Hash(string password, int memoryKiB, int iterations, int parallelism)
    {
        ArgumentException.ThrowIfNullOrEmpty(password);
        ArgumentOutOfRangeException.ThrowIfLessThan(parallelism, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(parallelism, MaxParallelism);
        ArgumentOutOfRangeException.ThrowIfLessThan(iterations, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(iterations, MaxIterations);
        ArgumentOutOfRangeException.ThrowIfLessThan(memoryKiB, 8 * parallelism);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(memoryKiB, MaxMemoryKiB);

        var salt = RandomNumberGenerator.GetBytes(SaltLength);
        var hash = Compute(password, salt, memoryKiB, iterations, parallelism, HashLength);
        return string.Create(
            CultureInfo.InvariantCulture,
            $"{Prefix}v=19$m={memoryKiB},t={iterations},p={parallelism}${ToPhcBase64(salt)}${ToPhcBase64(hash)}");
    }

    /// <summary>
    /// Checks a password against a PHC string. The comparison takes the same time wherever the hashes differ.
    /// </summary>
    /// <param name="password">The password to check.</param>
    /// <param name="phc">The stored hash.</param>
    /// <returns>
    /// Whether the password matches; <see langword="false"/> for an empty password, and when <paramref name="phc"/> is
    /// not a well-formed Argon2id hash (see <see cref="IsWellFormed"/>).
    /// </returns>
    /// <exception cref="ArgumentNullException"><paramref name="password"/> is null.</exception>
    public static bool Verify(string password, string? phc)
    {
        ArgumentNullException.ThrowIfNull(password);
        if (!TryParse(phc, out var parsed, out _))
        {
            return false;
        }

        // An empty password is refused, but only after the full computation (on a stand-in, since the library takes no
        // empty input) so that it costs what any other wrong password costs.
        var actual = Compute(password.Length == 0 ? "\0" : password, parsed.Salt, parsed.MemoryKiB, parsed.Iterations, parsed.Parallelism, parsed.Hash.Length);
        return CryptographicOperations.FixedTimeEquals(actual, parsed.Hash) && password.Length > 0;
    }

    /// <summary>Checks that a string is an Argon2id PHC hash this class can verify, and says what is wrong if not.</summary>
    /// <param name="phc">The string.</param>
    /// <param name="problem">What is wrong, as a phrase to put in parentheses after the setting's name; null when well formed.</param>
    /// <returns>Whether the string is well formed.</returns>
    public static bool IsWellFormed(string? phc, [NotNullWhen(false)] out string? problem) => TryParse(phc, out _, out problem);

    /// <summary>
    /// Reads the cost parameters of a well-formed hash, so that a directory can make its stand-in hash for unknown
    /// names cost what its real ones cost.
    /// </summary>
    /// <param name="phc">The hash.</param>
    /// <param name="parameters">Its memory in KiB, iterations and lanes.</param>
    /// <returns>Whether the hash is well formed.</returns>
    public static bool TryReadParameters(string? phc, out (int MemoryKiB, int Iterations, int Parallelism) parameters)
    {
        parameters = default;
        if (!TryParse(phc, out var parsed, out _))
        {
            return false;
        }

        parameters = (parsed.MemoryKiB, parsed.Iterations, parsed.Parallelism);
        return true;
    }

    private static bool TryParse(string? phc, [NotNullWhen(true)] out ParsedHash? parsed, [NotNullWhen(false)] out string? problem)
    {
        parsed = null;
        if (string.IsNullOrEmpty(phc))
        {
            problem = "it is empty";
            return false;
        }

        if (!phc.StartsWith(Prefix, StringComparison.Ordinal))
        {
            problem = phc.StartsWith("$argon2", StringComparison.Ordinal)
                ? "only Argon2id is accepted, not Argon2i or Argon2d"
                : "it does not start with $argon2id$";
            return false;
        }

        var parts = phc.Split('$');

        // "", "argon2id", "v=19", "m=...,t=...,p=...", salt, hash
        if (parts.Length != 6)
        {
            problem = "expected $argon2id$v=19$m=<KiB>,t=<iterations>,p=<lanes>$<salt>$<hash>";
            return false;
        }

        if (parts[2] != "v=19")
        {
            problem = "only version 19 (v=19, Argon2 1.3) is accepted";
            return false;
        }

        if (!TryParseParameters(parts[3], out var memory, out var iterations, out var parallelism, out problem))
        {
            return false;
        }

        if (!TryFromPhcBase64(parts[4], out var salt) || salt.Length < MinSaltLength || salt.Length > MaxSaltLength)
        {
            problem = $"the salt must be {MinSaltLength} to {MaxSaltLength} bytes in base64";
            return false;
        }

        if (!TryFromPhcBase64(parts[5], out var hash) || hash.Length < MinHashLength || hash.Length > MaxHashLength)
        {
            problem = $"the hash must be {MinHashLength} to {MaxHashLength} bytes in base64";
            return false;
        }

        parsed = new ParsedHash(memory, iterations, parallelism, salt, hash);
        problem = null;
        return true;
    }

    private static bool TryParseParameters(string text, out int memory, out int iterations, out int parallelism, [NotNullWhen(false)] out string? problem)
    {
        memory = iterations = parallelism = -1;
        foreach (var pair in text.Split(','))
        {
            var equals = pair.IndexOf('=', StringComparison.Ordinal);
            var name = equals < 0 ? pair : pair[..equals];
            var valueText = equals < 0 ? string.Empty : pair[(equals + 1)..];
            var valid = valueText.Length is > 0 and <= 10
                && valueText.All(char.IsAsciiDigit)
                && int.TryParse(valueText, NumberStyles.None, CultureInfo.InvariantCulture, out _);
            var value = valid ? int.Parse(valueText, NumberStyles.None, CultureInfo.InvariantCulture) : -1;
            ref var target = ref memory;
            switch (name)
            {
                case "m":
                    break;
                case "t":
                    target = ref iterations;
                    break;
                case "p":
                    target = ref parallelism;
                    break;
                default:
                    problem = $"unexpected parameter '{name}'; only m, t and p are accepted";
                    return false;
            }

            if (!valid || target != -1)
            {
                problem = $"parameter {name} must appear once, as a whole number";
                return false;
            }

            target = value;
        }

        if (memory < 0 || iterations < 0 || parallelism < 0)
        {
            problem = "the parameters m, t and p are all required";
            return false;
        }

        if (parallelism is < 1 or > MaxParallelism)
        {
            problem = $"p must be between 1 and {MaxParallelism}";
            return false;
        }

        if (iterations is < 1 or > MaxIterations)
        {
            problem = $"t must be between 1 and {MaxIterations}";
            return false;
        }

        if (memory < 8 * parallelism || memory > MaxMemoryKiB)
        {
            problem = $"m must be between 8 × p and {MaxMemoryKiB} KiB";
            return false;
        }

        problem = null;
        return true;
    }

    private static byte[] Compute(string password, byte[] salt, int memoryKiB, int iterations, int parallelism, int length)
    {
        var passwordBytes = Encoding.UTF8.GetBytes(password);
        try
        {
            using var argon2 = new Argon2id(passwordBytes)
            {
                Salt = salt,
                MemorySize = memoryKiB,
                Iterations = iterations,
                DegreeOfParallelism = parallelism,
            };
            return argon2.GetBytes(length);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(passwordBytes);
        }
    }

    private static string ToPhcBase64(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=');

    private static bool TryFromPhcBase64(string text, [NotNullWhen(true)] out byte[]? bytes)
    {
        bytes = null;

        // Convert skips white space, which has no place in a PHC string.
        if (text.Length == 0 || !text.All(c => char.IsAsciiLetterOrDigit(c) || c is '+' or '/'))
        {
            return false;
        }

        // PHC leaves the padding out; a length of 1 mod 4 cannot come from any byte string.
        if (text.Length % 4 == 1)
        {
            return false;
        }

        var padded = text.PadRight(text.Length + ((4 - (text.Length % 4)) % 4), '=');
        var buffer = new byte[padded.Length / 4 * 3];
        if (!Convert.TryFromBase64String(padded, buffer, out var written))
        {
            return false;
        }

        bytes = buffer[..written];
        return true;
    }

    private sealed record ParsedHash(int MemoryKiB, int Iterations, int Parallelism, byte[] Salt, byte[] Hash);
}
