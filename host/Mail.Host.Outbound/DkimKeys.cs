using System.Security.Cryptography;
using System.Text;
using Org.BouncyCastle.Crypto.Generators;
using Org.BouncyCastle.Crypto.Parameters;
using Org.BouncyCastle.OpenSsl;
using Org.BouncyCastle.Pkcs;
using Org.BouncyCastle.Security;

namespace Mail.Host.Outbound;

/// <summary>Makes DKIM keys: the private key as PEM (PKCS#8) and the <c>v=DKIM1</c> TXT record for its public half.</summary>
public static class DkimKeys
{
    /// <summary>Generates a key pair.</summary>
    /// <param name="ed25519">Ed25519 (RFC 8463) when true; RSA 2048 otherwise.</param>
    /// <returns>The private key PEM and the TXT record's text.</returns>
    public static (string PrivateKeyPem, string TxtRecord) Generate(bool ed25519)
    {
        if (!ed25519)
        {
            using var rsa = RSA.Create(2048);
            return (rsa.ExportPkcs8PrivateKeyPem() + "\n", "v=DKIM1; k=rsa; p=" + Convert.ToBase64String(rsa.ExportSubjectPublicKeyInfo()));
        }

        var generator = new Ed25519KeyPairGenerator();
        generator.Init(new Ed25519KeyGenerationParameters(new SecureRandom()));
        var pair = generator.GenerateKeyPair();
        var info = PrivateKeyInfoFactory.CreatePrivateKeyInfo(pair.Private);
        var pem = new StringBuilder();
        using (var writer = new StringWriter(pem))
        {
            var pemWriter = new PemWriter(writer);
            pemWriter.WriteObject(new Org.BouncyCastle.Utilities.IO.Pem.PemObject("PRIVATE KEY", info.GetEncoded()));
        }

        var publicKey = ((Ed25519PublicKeyParameters)pair.Public).GetEncoded();
        return (pem.ToString(), "v=DKIM1; k=ed25519; p=" + Convert.ToBase64String(publicKey));
    }

    /// <summary>A TXT record's text as DNS zone strings: quoted, split into strings of at most 255 characters.</summary>
    /// <param name="text">The record's text.</param>
    /// <returns>The quoted strings, space separated.</returns>
    public static string Quote(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        return string.Join(' ', text.Chunk(255).Select(c => "\"" + new string(c) + "\""));
    }
}
