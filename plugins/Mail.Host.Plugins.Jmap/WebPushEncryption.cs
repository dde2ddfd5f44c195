using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;

namespace Mail.Host.Plugins.Jmap;

/// <summary>
/// Message Encryption for Web Push (RFC 8291) with the <c>aes128gcm</c> content coding (RFC 8188), for
/// PushSubscriptions created with <c>keys</c> (RFC 8620 §7.2): an ephemeral P-256 key agreed with the client's
/// <c>p256dh</c> key, combined with its <c>auth</c> secret through HKDF-SHA-256, encrypts the push in one record.
/// </summary>
internal static class WebPushEncryption
{
    /// <summary>The record size written in the header; a push is one record, so it only has to exceed the content.</summary>
    public const int RecordSize = 4096;

    /// <summary>The longest plaintext one record of <see cref="RecordSize"/> carries (delimiter and tag take 17 bytes).</summary>
    public const int MaxPlaintext = RecordSize - 17;

    private const int PublicKeyLength = 65;
    private const int AuthLength = 16;
    private const int SaltLength = 16;
    private const int TagLength = 16;

    /// <summary>
    /// Reads and checks a PushSubscription's <c>keys</c>: <c>p256dh</c> must be an uncompressed P-256 point on the curve
    /// and <c>auth</c> 16 bytes, both base64url.
    /// </summary>
    /// <param name="keys">The <c>keys</c> object.</param>
    /// <param name="publicKey">The client's public key, 65 bytes.</param>
    /// <param name="auth">The authentication secret, 16 bytes.</param>
    /// <param name="error">What is wrong, when the keys are refused.</param>
    /// <returns>Whether the keys can be used.</returns>
    public static bool TryParseKeys(JsonNode? keys, out byte[] publicKey, out byte[] auth, out string error)
    {
        publicKey = [];
        auth = [];
        if (keys is not JsonObject obj || obj.Count != 2
            || obj["p256dh"] is not JsonValue p || !p.TryGetValue<string>(out var p256dh)
            || obj["auth"] is not JsonValue a || !a.TryGetValue<string>(out var authText))
        {
            error = "'keys' must be an object with the strings 'p256dh' and 'auth' (RFC 8291), or null.";
            return false;
        }

        if (!TryDecode(p256dh, out publicKey) || publicKey.Length != PublicKeyLength || publicKey[0] != 0x04 || !IsOnCurve(publicKey))
        {
            error = "'keys/p256dh' must be an uncompressed P-256 public key (65 bytes, base64url).";
            return false;
        }

        if (!TryDecode(authText, out auth) || auth.Length != AuthLength)
        {
            error = "'keys/auth' must be a 16-byte authentication secret (base64url).";
            return false;
        }

        error = string.Empty;
        return true;
    }

    /// <summary>Encrypts a push for a client with a fresh key pair and salt.</summary>
    /// <param name="plaintext">The push, at most <see cref="MaxPlaintext"/> bytes.</param>
    /// <param name="clientPublicKey">The client's <c>p256dh</c> key.</param>
    /// <param name="auth">The client's <c>auth</c> secret.</param>
    /// <returns>The <c>aes128gcm</c> body: header, then the one record.</returns>
    public static byte[] Encrypt(ReadOnlySpan<byte> plaintext, byte[] clientPublicKey, byte[] auth)
    {
        using var ephemeral = ECDiffieHellman.Create(ECCurve.NamedCurves.nistP256);
        return Encrypt(plaintext, clientPublicKey, auth, ephemeral, RandomNumberGenerator.GetBytes(SaltLength));
    }

    /// <summary>Encrypts a push with a given application-server key pair and salt (RFC 8291 §3.4, §5).</summary>
    /// <param name="plaintext">The push, at most <see cref="MaxPlaintext"/> bytes.</param>
    /// <param name="clientPublicKey">The client's <c>p256dh</c> key.</param>
    /// <param name="auth">The client's <c>auth</c> secret.</param>
    /// <param name="serverKey">The application server's key pair; a fresh one for each push.</param>
    /// <param name="salt">16 random bytes; fresh for each push.</param>
    /// <returns>The <c>aes128gcm</c> body.</returns>
    public static byte[] Encrypt(ReadOnlySpan<byte> plaintext, byte[] clientPublicKey, byte[] auth, ECDiffieHellman serverKey, byte[] salt)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThan(plaintext.Length, MaxPlaintext, nameof(plaintext));
        var serverPublicKey = PublicKeyOf(serverKey);
        using var client = ImportPublicKey(clientPublicKey);
        var ecdhSecret = serverKey.DeriveRawSecretAgreement(client.PublicKey);

        // key_info = "WebPush: info" || 0x00 || ua_public || as_public; IKM = HKDF(auth, ecdh_secret, key_info, 32).
        var keyInfo = Concat(Encoding.ASCII.GetBytes("WebPush: info\0"), clientPublicKey, serverPublicKey);
        var ikm = HKDF.DeriveKey(HashAlgorithmName.SHA256, ecdhSecret, 32, auth, keyInfo);
        var cek = HKDF.DeriveKey(HashAlgorithmName.SHA256, ikm, 16, salt, Encoding.ASCII.GetBytes("Content-Encoding: aes128gcm\0"));
        var nonce = HKDF.DeriveKey(HashAlgorithmName.SHA256, ikm, 12, salt, Encoding.ASCII.GetBytes("Content-Encoding: nonce\0"));

        // The header: salt, record size, key id length and the key id, which is the server's public key.
        var headerLength = SaltLength + 4 + 1 + PublicKeyLength;
        var body = new byte[headerLength + plaintext.Length + 1 + TagLength];
        salt.CopyTo(body, 0);
        BinaryPrimitives.WriteUInt32BigEndian(body.AsSpan(SaltLength), RecordSize);
        body[SaltLength + 4] = PublicKeyLength;
        serverPublicKey.CopyTo(body, SaltLength + 5);

        // The one (and so last) record: the plaintext, the 0x02 delimiter, no padding; then the tag.
        var record = new byte[plaintext.Length + 1];
        plaintext.CopyTo(record);
        record[^1] = 0x02;
        using var aes = new AesGcm(cek, TagLength);
        aes.Encrypt(nonce, record, body.AsSpan(headerLength, record.Length), body.AsSpan(headerLength + record.Length, TagLength));
        return body;
    }

    /// <summary>The uncompressed point of a key's public half.</summary>
    public static byte[] PublicKeyOf(ECDiffieHellman key)
    {
        var parameters = key.ExportParameters(false);
        return Concat([0x04], parameters.Q.X!, parameters.Q.Y!);
    }

    /// <summary>Decodes base64url, with or without padding.</summary>
    public static bool TryDecode(string text, out byte[] bytes)
    {
        bytes = [];
        if (text.Length == 0 || text.Length > 1024)
        {
            return false;
        }

        var standard = text.Replace('-', '+').Replace('_', '/').TrimEnd('=');
        standard += (standard.Length % 4) switch { 2 => "==", 3 => "=", 0 => string.Empty, _ => "!" };
        try
        {
            bytes = Convert.FromBase64String(standard);
            return true;
        }
        catch (FormatException)
        {
            return false;
        }
    }

    private static ECDiffieHellman ImportPublicKey(byte[] point)
        => ECDiffieHellman.Create(new ECParameters
        {
            Curve = ECCurve.NamedCurves.nistP256,
            Q = new ECPoint { X = point[1..33], Y = point[33..65] },
        });

    private static bool IsOnCurve(byte[] point)
    {
        try
        {
            using var imported = ImportPublicKey(point);
            using var probe = ECDiffieHellman.Create(ECCurve.NamedCurves.nistP256);
            probe.DeriveRawSecretAgreement(imported.PublicKey);
            return true;
        }
        catch (CryptographicException)
        {
            return false;
        }
    }

    private static byte[] Concat(params byte[][] parts)
    {
        var result = new byte[parts.Sum(p => p.Length)];
        var offset = 0;
        foreach (var part in parts)
        {
            part.CopyTo(result, offset);
            offset += part.Length;
        }

        return result;
    }
}
