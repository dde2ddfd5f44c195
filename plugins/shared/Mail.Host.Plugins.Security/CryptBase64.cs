namespace Mail.Host.Plugins.Security;

/// <summary>
/// The base-64 alphabet and bit order of crypt(3) (<c>./0-9A-Za-z</c>, least significant six bits first), used by
/// MD5-crypt and SHA-crypt to write their digests.
/// </summary>
internal static class CryptBase64
{
    /// <summary>The 64 characters, in value order.</summary>
    public const string Alphabet = "./0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

    /// <summary>Writes three bytes as <paramref name="count"/> characters, least significant six bits first.</summary>
    /// <param name="output">Where the characters go.</param>
    /// <param name="high">The most significant byte.</param>
    /// <param name="middle">The middle byte.</param>
    /// <param name="low">The least significant byte.</param>
    /// <param name="count">How many characters to write (2 to 4).</param>
    public static void Append(System.Text.StringBuilder output, byte high, byte middle, byte low, int count)
    {
        var word = (high << 16) | (middle << 8) | low;
        for (var i = 0; i < count; i++)
        {
            output.Append(Alphabet[word & 0x3F]);
            word >>= 6;
        }
    }
}
