using MimeKit;
using MimeKit.Cryptography;
using Org.BouncyCastle.Crypto;
using Org.BouncyCastle.Crypto.Parameters;
using Org.BouncyCastle.OpenSsl;

namespace Mail.Host.Outbound;

/// <summary>
/// Signs outbound mail with the key of its From domain (RFC 6376; RSA-SHA256 or Ed25519-SHA256, RFC 8463), relaxed
/// canonicalization for header and body. Keys are read once, at start.
/// </summary>
internal sealed class DkimSigning
{
    private static readonly HeaderId[] SignedHeaders =
    [
        HeaderId.From, HeaderId.To, HeaderId.Cc, HeaderId.Subject, HeaderId.Date, HeaderId.MessageId, HeaderId.InReplyTo,
        HeaderId.References, HeaderId.MimeVersion, HeaderId.ContentType, HeaderId.ContentTransferEncoding, HeaderId.ReplyTo,
    ];

    private readonly Dictionary<string, DkimSigner> signers = new(StringComparer.OrdinalIgnoreCase);

    public DkimSigning(IEnumerable<DkimKeyOptions> keys)
    {
        foreach (var key in keys)
        {
            var (privateKey, algorithm) = LoadKey(key.KeyPath);
            signers[key.Domain] = new DkimSigner(privateKey, key.Domain, key.Selector, algorithm)
            {
                HeaderCanonicalizationAlgorithm = DkimCanonicalizationAlgorithm.Relaxed,
                BodyCanonicalizationAlgorithm = DkimCanonicalizationAlgorithm.Relaxed,
                AgentOrUserIdentifier = "@" + key.Domain,
            };
        }
    }

    public bool IsEmpty => signers.Count == 0;

    /// <summary>Reads a PEM private key, RSA (PKCS#1 or PKCS#8) or Ed25519 (PKCS#8), and says which algorithm it signs with.</summary>
    public static (AsymmetricKeyParameter Key, DkimSignatureAlgorithm Algorithm) LoadKey(string path)
    {
        using var reader = new StreamReader(path);
        var pem = new PemReader(reader).ReadObject();
        var key = pem switch
        {
            AsymmetricCipherKeyPair pair => pair.Private,
            AsymmetricKeyParameter { IsPrivate: true } single => single,
            _ => throw new InvalidDataException($"{path} holds no PEM private key (RSA or Ed25519)"),
        };
        return key switch
        {
            Ed25519PrivateKeyParameters => (key, DkimSignatureAlgorithm.Ed25519Sha256),
            RsaKeyParameters => (key, DkimSignatureAlgorithm.RsaSha256),
            _ => throw new InvalidDataException($"{path} holds a {key.GetType().Name}; DKIM keys are RSA or Ed25519"),
        };
    }

    /// <summary>Adds a DKIM-Signature when the message's From domain has a key; true when it did.</summary>
    public bool TrySign(MimeMessage message)
    {
        var from = message.From.Mailboxes.FirstOrDefault()?.Address;
        var at = from?.LastIndexOf('@') ?? -1;
        if (at < 0 || !signers.TryGetValue(from![(at + 1)..], out var signer))
        {
            return false;
        }

        // Sign what will be sent: MailKit would re-encode 8-bit parts for a server without 8BITMIME after signing.
        message.Prepare(EncodingConstraint.SevenBit);
        var present = SignedHeaders.Where(h => message.Headers.Contains(h)).ToList();
        signer.Sign(FormatOptions.Default, message, present);
        return true;
    }
}
