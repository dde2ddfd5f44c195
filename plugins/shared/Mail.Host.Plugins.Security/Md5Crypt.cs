using System.Security.Cryptography;
using System.Text;

namespace Mail.Host.Plugins.Security;

/// <summary>
/// MD5-crypt (<c>$1$salt$hash</c>), the FreeBSD scheme of Poul-Henning Kamp that glibc's crypt(3), OpenSSL
/// (<c>openssl passwd -1</c>) and many existing user tables use. Weak by today's standards; verified only, so that
/// existing accounts keep working.
/// </summary>
public static class Md5Crypt
{
    /// <summary>The scheme's prefix.</summary>
    public const string Prefix = "$1$";

    private const int MaxSaltLength = 8;

    /// <summary>Computes the crypt string of a password with the salt of <paramref name="setting"/>.</summary>
    /// <param name="password">The password, UTF-8 encoded before hashing.</param>
    /// <param name="setting">A string starting with <c>$1$</c> and the salt (a whole stored hash will do: the part after the salt is ignored).</param>
    /// <returns>The crypt string, <c>$1$salt$hash</c>.</returns>
    /// <exception cref="FormatException"><paramref name="setting"/> does not start with <c>$1$</c>.</exception>
    public static string Compute(string password, string setting)
    {
        ArgumentNullException.ThrowIfNull(password);
        ArgumentNullException.ThrowIfNull(setting);
        if (!setting.StartsWith(Prefix, StringComparison.Ordinal))
        {
            throw new FormatException("An MD5-crypt setting starts with $1$.");
        }

        var rest = setting.AsSpan(Prefix.Length);
        var end = rest.IndexOf('$');
        var saltText = (end < 0 ? rest : rest[..end]).ToString();
        if (saltText.Length > MaxSaltLength)
        {
            saltText = saltText[..MaxSaltLength];
        }

        var pw = Encoding.UTF8.GetBytes(password);
        var salt = Encoding.UTF8.GetBytes(saltText);
        var magic = Encoding.ASCII.GetBytes(Prefix);
        try
        {
            byte[] alternate;
            using (var md5 = IncrementalHash.CreateHash(HashAlgorithmName.MD5))
            {
                md5.AppendData(pw);
                md5.AppendData(salt);
                md5.AppendData(pw);
                alternate = md5.GetHashAndReset();
            }

            byte[] final;
            using (var md5 = IncrementalHash.CreateHash(HashAlgorithmName.MD5))
            {
                md5.AppendData(pw);
                md5.AppendData(magic);
                md5.AppendData(salt);
                for (var left = pw.Length; left > 0; left -= 16)
                {
                    md5.AppendData(alternate, 0, Math.Min(16, left));
                }

                for (var i = pw.Length; i != 0; i >>= 1)
                {
                    if ((i & 1) != 0)
                    {
                        md5.AppendData([0]);
                    }
                    else
                    {
                        md5.AppendData(pw, 0, Math.Min(1, pw.Length));
                    }
                }

                final = md5.GetHashAndReset();
            }

            using (var md5 = IncrementalHash.CreateHash(HashAlgorithmName.MD5))
            {
                for (var i = 0; i < 1000; i++)
                {
                    md5.AppendData((i & 1) != 0 ? pw : final);
                    if (i % 3 != 0)
                    {
                        md5.AppendData(salt);
                    }

                    if (i % 7 != 0)
                    {
                        md5.AppendData(pw);
                    }

                    md5.AppendData((i & 1) != 0 ? final : pw);
                    final = md5.GetHashAndReset();
                }
            }

            var output = new StringBuilder(Prefix.Length + saltText.Length + 1 + 22);
            output.Append(Prefix).Append(saltText).Append('$');
            CryptBase64.Append(output, final[0], final[6], final[12], 4);
            CryptBase64.Append(output, final[1], final[7], final[13], 4);
            CryptBase64.Append(output, final[2], final[8], final[14], 4);
            CryptBase64.Append(output, final[3], final[9], final[15], 4);
            CryptBase64.Append(output, final[4], final[10], final[5], 4);
            CryptBase64.Append(output, 0, 0, final[11], 2);
            return output.ToString();
        }
        finally
        {
            CryptographicOperations.ZeroMemory(pw);
        }
    }
}
