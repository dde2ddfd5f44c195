using System.Security.Cryptography;
using System.Text;
using Mail.Host.Directory;

namespace Mail.Host.Protocols.Sdk;

/// <summary>
/// The server side of one SCRAM-SHA-256 exchange (RFC 5802, RFC 7677), without channel binding: read the client's
/// first message, answer with the salt and iteration count, then check the client's proof and sign the answer. The
/// protocol carries the messages (AUTH in SMTP, AUTHENTICATE in IMAP); this class only reads and writes them.
/// </summary>
public sealed class ScramSha256Exchange
{
    /// <summary>The mechanism's name as SASL advertises it.</summary>
    public const string MechanismName = "SCRAM-SHA-256";

    private static readonly byte[] UnknownLoginKey = RandomNumberGenerator.GetBytes(32);
    private readonly string serverNonce;
    private string? clientFirstBare;
    private string? channelBinding;
    private string? serverFirst;
    private string? nonce;
    private ScramSecret? secret;

    /// <summary>Starts an exchange with a fresh random server nonce.</summary>
    public ScramSha256Exchange()
        : this(Convert.ToBase64String(RandomNumberGenerator.GetBytes(18)))
    {
    }

    /// <summary>Starts an exchange with a given server nonce (printable ASCII without a comma), for known-answer tests.</summary>
    /// <param name="serverNonce">The server's part of the nonce.</param>
    public ScramSha256Exchange(string serverNonce)
    {
        ArgumentException.ThrowIfNullOrEmpty(serverNonce);
        if (serverNonce.Any(c => c is < '!' or > '~' or ','))
        {
            throw new ArgumentException("A SCRAM nonce is printable ASCII without a comma.", nameof(serverNonce));
        }

        this.serverNonce = serverNonce;
    }

    /// <summary>The login name the client gave, once its first message was read.</summary>
    public string? Username { get; private set; }

    /// <summary>
    /// Reads the client's first message (<c>n,,n=user,r=nonce</c>). Fails, with the reason, for channel binding
    /// (this server offers no -PLUS mechanism), an authorization identity other than the login, extensions the
    /// client marks as mandatory, and anything malformed.
    /// </summary>
    /// <param name="message">The decoded client-first-message.</param>
    /// <param name="problem">Why it was refused.</param>
    /// <returns>Whether the message is acceptable; then <see cref="Username"/> is set.</returns>
    public bool ReadClientFirst(string message, out string? problem)
    {
        ArgumentNullException.ThrowIfNull(message);
        problem = null;
        if (clientFirstBare is not null)
        {
            problem = "the exchange has already started";
            return false;
        }

        // gs2-header: a channel-binding flag, an optional authzid, then the bare message.
        var parts = message.Split(',', 3);
        if (parts.Length < 3 || parts[0] is not ("n" or "y"))
        {
            problem = parts.Length >= 1 && parts[0].StartsWith("p=", StringComparison.Ordinal)
                ? "channel binding is not offered (use SCRAM-SHA-256, not -PLUS)"
                : "the message does not start with a GS2 header such as n,,";
            return false;
        }

        var bare = parts[2];
        var attributes = Attributes(bare);
        if (attributes is null || !attributes.TryGetValue('n', out var name) || !attributes.TryGetValue('r', out var clientNonce) || clientNonce.Length == 0)
        {
            problem = "the message needs n=username and r=nonce";
            return false;
        }

        if (attributes.ContainsKey('m'))
        {
            problem = "mandatory extensions are not supported";
            return false;
        }

        if (clientNonce.Any(c => c is < '!' or > '~' or ','))
        {
            problem = "the nonce must be printable ASCII without a comma";
            return false;
        }

        var username = DecodeName(name);
        if (username is null || username.Length == 0)
        {
            problem = "the username is not a valid SCRAM saslname";
            return false;
        }

        if (parts[1].Length > 0)
        {
            var authorization = parts[1].StartsWith("a=", StringComparison.Ordinal) ? DecodeName(parts[1][2..]) : null;
            if (authorization is null || !string.Equals(authorization, username, StringComparison.OrdinalIgnoreCase))
            {
                problem = "an authorization identity other than the login is not supported";
                return false;
            }
        }

        clientFirstBare = bare;

        // Without channel binding the client echoes its GS2 header, base64-encoded, in c= of its final message.
        channelBinding = Convert.ToBase64String(Encoding.UTF8.GetBytes(parts[0] + "," + parts[1] + ","));
        nonce = clientNonce + serverNonce;
        Username = username;
        return true;
    }

    /// <summary>
    /// Makes the server's first message with the login's secret. For a login that does not exist (or has no
    /// secret), pass null: the answer then carries a salt derived from the name, the same at every attempt, so that
    /// the exchange looks like a real one and fails only at the proof.
    /// </summary>
    /// <param name="loginSecret">The login's SCRAM secret, or null.</param>
    /// <returns>The server-first-message (<c>r=nonce,s=salt,i=iterations</c>).</returns>
    public string ServerFirst(ScramSecret? loginSecret)
    {
        if (clientFirstBare is null || Username is null)
        {
            throw new InvalidOperationException("Read the client's first message first.");
        }

        secret = loginSecret ?? UnknownLogin(Username);
        serverFirst = $"r={nonce},s={Convert.ToBase64String(secret.Salt)},i={secret.Iterations}";
        return serverFirst;
    }

    /// <summary>
    /// Checks the client's final message (<c>c=biws,r=nonce,p=proof</c>) against the secret given to
    /// <see cref="ServerFirst"/>, and makes the server's final message when the proof matches.
    /// </summary>
    /// <param name="message">The decoded client-final-message.</param>
    /// <param name="serverFinal">The server-final-message (<c>v=signature</c>) when the proof matches.</param>
    /// <returns>Whether the client proved that it knows the password.</returns>
    public bool VerifyClientFinal(string message, out string? serverFinal)
    {
        ArgumentNullException.ThrowIfNull(message);
        serverFinal = null;
        if (serverFirst is null || secret is null || clientFirstBare is null)
        {
            return false;
        }

        var proofAt = message.LastIndexOf(",p=", StringComparison.Ordinal);
        if (proofAt < 0)
        {
            return false;
        }

        var withoutProof = message[..proofAt];
        var attributes = Attributes(withoutProof);
        return attributes is not null
            && attributes.TryGetValue('c', out var binding) && string.Equals(binding, channelBinding, StringComparison.Ordinal)
            && attributes.TryGetValue('r', out var echoed) && string.Equals(echoed, nonce, StringComparison.Ordinal)
            && CheckProof(message, withoutProof, out serverFinal);
    }

    private bool CheckProof(string message, string withoutProof, out string? serverFinal)
    {
        serverFinal = null;
        byte[] proof;
        try
        {
            proof = Convert.FromBase64String(message[(withoutProof.Length + 3)..]);
        }
        catch (FormatException)
        {
            return false;
        }

        if (proof.Length != SHA256.HashSizeInBytes)
        {
            return false;
        }

        var authMessage = Encoding.UTF8.GetBytes($"{clientFirstBare},{serverFirst},{withoutProof}");
        var clientSignature = HMACSHA256.HashData(secret!.StoredKey, authMessage);
        var clientKey = new byte[proof.Length];
        for (var i = 0; i < proof.Length; i++)
        {
            clientKey[i] = (byte)(proof[i] ^ clientSignature[i]);
        }

        if (!CryptographicOperations.FixedTimeEquals(SHA256.HashData(clientKey), secret.StoredKey))
        {
            return false;
        }

        serverFinal = "v=" + Convert.ToBase64String(HMACSHA256.HashData(secret.ServerKey, authMessage));
        return true;
    }

    private static ScramSecret UnknownLogin(string username)
    {
        var salt = HMACSHA256.HashData(UnknownLoginKey, Encoding.UTF8.GetBytes(username.ToLowerInvariant()))[..16];
        return new ScramSecret(4096, salt, RandomNumberGenerator.GetBytes(32), RandomNumberGenerator.GetBytes(32));
    }

    private static Dictionary<char, string>? Attributes(string text)
    {
        var attributes = new Dictionary<char, string>();
        foreach (var attribute in text.Split(','))
        {
            if (attribute.Length < 2 || attribute[1] != '=' || !char.IsAsciiLetter(attribute[0]) || !attributes.TryAdd(attribute[0], attribute[2..]))
            {
                return null;
            }
        }

        return attributes;
    }

    /// <summary>Decodes a saslname: "=2C" is a comma, "=3D" an equals sign, and any other "=" is an error.</summary>
    private static string? DecodeName(string name)
    {
        var builder = new StringBuilder(name.Length);
        for (var i = 0; i < name.Length; i++)
        {
            if (name[i] != '=')
            {
                builder.Append(name[i]);
            }
            else if (string.CompareOrdinal(name, i, "=2C", 0, 3) == 0)
            {
                builder.Append(',');
                i += 2;
            }
            else if (string.CompareOrdinal(name, i, "=3D", 0, 3) == 0)
            {
                builder.Append('=');
                i += 2;
            }
            else
            {
                return null;
            }
        }

        return builder.ToString();
    }
}
