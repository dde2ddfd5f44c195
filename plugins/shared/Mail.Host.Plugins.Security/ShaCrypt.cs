using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Mail.Host.Plugins.Security;

/// <summary>
/// SHA-256-crypt (<c>$5$</c>) and SHA-512-crypt (<c>$6$</c>) as Ulrich Drepper's specification "Unix crypt using
/// SHA-256 and SHA-512" defines them (glibc's crypt(3), <c>openssl passwd -5/-6</c>, <c>mkpasswd</c>, Dovecot's
/// SHA256-CRYPT and SHA512-CRYPT): <c>$6$[rounds=N$]salt$hash</c>.
/// </summary>
public static class ShaCrypt
{
    /// <summary>The SHA-256 scheme's prefix.</summary>
    public const string Sha256Prefix = "$5$";

    /// <summary>The SHA-512 scheme's prefix.</summary>
    public const string Sha512Prefix = "$6$";

    /// <summary>Rounds when the setting names none.</summary>
    public const int DefaultRounds = 5000;

    /// <summary>The fewest rounds; fewer are raised to this, as the specification says.</summary>
    public const int MinRounds = 1000;

    /// <summary>The most rounds this class computes (the specification allows 999,999,999; one login must not hold a core for minutes).</summary>
    public const int MaxRounds = 10_000_000;

    private const string RoundsPrefix = "rounds=";
    private const int MaxSaltLength = 16;

    // The order in which the digest's bytes are written, three at a time (the specification's b64_from_24bit calls).
    private static readonly int[] Sha256Order =
    [
        0, 10, 20, 21, 1, 11, 12, 22, 2, 3, 13, 23, 24, 4, 14, 15, 25, 5, 6, 16, 26, 27, 7, 17, 18, 28, 8, 9, 19, 29,
    ];

    private static readonly int[] Sha512Order =
    [
        0, 21, 42, 22, 43, 1, 44, 2, 23, 3, 24, 45, 25, 46, 4, 47, 5, 26, 6, 27, 48, 28, 49, 7, 50, 8, 29, 9, 30, 51,
        31, 52, 10, 53, 11, 32, 12, 33, 54, 34, 55, 13, 56, 14, 35, 15, 36, 57, 37, 58, 16, 59, 17, 38, 18, 39, 60,
        40, 61, 19, 62, 20, 41,
    ];

    /// <summary>Computes the crypt string of a password with the salt and rounds of <paramref name="setting"/>.</summary>
    /// <param name="password">The password, UTF-8 encoded before hashing.</param>
    /// <param name="setting">
    /// A string starting with <c>$5$</c> or <c>$6$</c>, optionally <c>rounds=N$</c>, then the salt (a whole stored hash
    /// will do: the part after the salt is ignored).
    /// </param>
    /// <returns>The crypt string.</returns>
    /// <exception cref="FormatException">The setting is not a SHA-crypt setting, or its rounds are not a number or above <see cref="MaxRounds"/>.</exception>
    public static string Compute(string password, string setting)
    {
        ArgumentNullException.ThrowIfNull(password);
        ArgumentNullException.ThrowIfNull(setting);
        HashAlgorithmName algorithm;
        string prefix;
        if (setting.StartsWith(Sha256Prefix, StringComparison.Ordinal))
        {
            (algorithm, prefix) = (HashAlgorithmName.SHA256, Sha256Prefix);
        }
        else if (setting.StartsWith(Sha512Prefix, StringComparison.Ordinal))
        {
            (algorithm, prefix) = (HashAlgorithmName.SHA512, Sha512Prefix);
        }
        else
        {
            throw new FormatException("A SHA-crypt setting starts with $5$ or $6$.");
        }

        var rest = setting[prefix.Length..];
        var rounds = DefaultRounds;
        var roundsGiven = false;
        if (rest.StartsWith(RoundsPrefix, StringComparison.Ordinal))
        {
            var end = rest.IndexOf('$', StringComparison.Ordinal);
            var digits = end < 0 ? rest[RoundsPrefix.Length..] : rest[RoundsPrefix.Length..end];
            if (digits.Length is 0 or > 10 || !digits.All(char.IsAsciiDigit)
                || !long.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out var asked))
            {
                throw new FormatException("The rounds of a SHA-crypt setting must be a whole number.");
            }

            if (asked > MaxRounds)
            {
                throw new FormatException($"The rounds of a SHA-crypt setting may be at most {MaxRounds}.");
            }

            rounds = (int)Math.Max(asked, MinRounds);
            roundsGiven = true;
            rest = end < 0 ? string.Empty : rest[(end + 1)..];
        }

        var saltEnd = rest.IndexOf('$', StringComparison.Ordinal);
        var saltText = saltEnd < 0 ? rest : rest[..saltEnd];
        if (saltText.Length > MaxSaltLength)
        {
            saltText = saltText[..MaxSaltLength];
        }

        var digest = Digest(Encoding.UTF8.GetBytes(password), Encoding.UTF8.GetBytes(saltText), rounds, algorithm);
        var output = new StringBuilder(prefix.Length + 20 + saltText.Length + 90);
        output.Append(prefix);
        if (roundsGiven)
        {
            output.Append(RoundsPrefix).Append(rounds.ToString(CultureInfo.InvariantCulture)).Append('$');
        }

        output.Append(saltText).Append('$');
        if (algorithm == HashAlgorithmName.SHA256)
        {
            for (var i = 0; i < Sha256Order.Length; i += 3)
            {
                CryptBase64.Append(output, digest[Sha256Order[i]], digest[Sha256Order[i + 1]], digest[Sha256Order[i + 2]], 4);
            }

            CryptBase64.Append(output, 0, digest[31], digest[30], 3);
        }
        else
        {
            for (var i = 0; i < Sha512Order.Length; i += 3)
            {
                CryptBase64.Append(output, digest[Sha512Order[i]], digest[Sha512Order[i + 1]], digest[Sha512Order[i + 2]], 4);
            }

            CryptBase64.Append(output, 0, 0, digest[63], 2);
        }

        return output.ToString();
    }

    private static byte[] Digest(byte[] pw, byte[] salt, int rounds, HashAlgorithmName algorithm)
    {
        try
        {
            using var hash = IncrementalHash.CreateHash(algorithm);
            var size = hash.HashLengthInBytes;

            // Digest B: password, salt, password.
            hash.AppendData(pw);
            hash.AppendData(salt);
            hash.AppendData(pw);
            var b = hash.GetHashAndReset();

            // Digest A: password, salt, B for as many bytes as the password has, then B or the password per bit of its length.
            hash.AppendData(pw);
            hash.AppendData(salt);
            AppendRepeated(hash, b, pw.Length);
            for (var length = pw.Length; length > 0; length >>= 1)
            {
                hash.AppendData((length & 1) != 0 ? b : pw);
            }

            var c = hash.GetHashAndReset();

            // P: the digest of the password repeated once per byte, stretched to the password's length.
            for (var i = 0; i < pw.Length; i++)
            {
                hash.AppendData(pw);
            }

            var p = Stretch(hash.GetHashAndReset(), pw.Length);

            // S: the digest of the salt repeated 16 + A[0] times, stretched to the salt's length.
            for (var i = 0; i < 16 + c[0]; i++)
            {
                hash.AppendData(salt);
            }

            var s = Stretch(hash.GetHashAndReset(), salt.Length);

            for (var round = 0; round < rounds; round++)
            {
                hash.AppendData((round & 1) != 0 ? p : c);
                if (round % 3 != 0)
                {
                    hash.AppendData(s);
                }

                if (round % 7 != 0)
                {
                    hash.AppendData(p);
                }

                hash.AppendData((round & 1) != 0 ? c : p);
                if (!hash.TryGetHashAndReset(c, out var written) || written != size)
                {
                    throw new CryptographicException("The digest has an unexpected size.");
                }
            }

            CryptographicOperations.ZeroMemory(p);
            return c;
        }
        finally
        {
            CryptographicOperations.ZeroMemory(pw);
        }
    }

    private static void AppendRepeated(IncrementalHash hash, byte[] block, int length)
    {
        for (var left = length; left > 0; left -= block.Length)
        {
            hash.AppendData(block, 0, Math.Min(block.Length, left));
        }
    }

    private static byte[] Stretch(byte[] block, int length)
    {
        var result = new byte[length];
        for (var i = 0; i < length; i++)
        {
            result[i] = block[i % block.Length];
        }

        return result;
    }
}
