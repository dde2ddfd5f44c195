namespace Mail.Host.Plugins.Security;

/// <summary>The password storage schemes <see cref="StoredPassword"/> recognizes.</summary>
public enum StoredPasswordScheme
{
    /// <summary>Not a scheme this server knows; never verifies.</summary>
    Unknown,

    /// <summary>bcrypt: <c>$2a$</c>, <c>$2b$</c>, <c>$2y$</c> (also behind <c>{BLF-CRYPT}</c> or <c>{CRYPT}</c>).</summary>
    Bcrypt,

    /// <summary>Argon2id in the PHC format: <c>$argon2id$v=19$m=…,t=…,p=…$salt$hash</c>.</summary>
    Argon2id,

    /// <summary>Argon2i in the PHC format: <c>$argon2i$v=19$…</c>.</summary>
    Argon2i,

    /// <summary>SHA-512-crypt: <c>$6$</c>.</summary>
    Sha512Crypt,

    /// <summary>SHA-256-crypt: <c>$5$</c>.</summary>
    Sha256Crypt,

    /// <summary>MD5-crypt: <c>$1$</c>.</summary>
    Md5Crypt,

    /// <summary>Salted SHA-1: <c>{SSHA}</c> then base64 of the digest followed by the salt.</summary>
    Ssha,

    /// <summary>Salted SHA-256: <c>{SSHA256}</c>.</summary>
    Ssha256,

    /// <summary>Salted SHA-512: <c>{SSHA512}</c>.</summary>
    Ssha512,

    /// <summary>The password itself (<c>{PLAIN}</c>, <c>{CLEAR}</c>, <c>{CLEARTEXT}</c> or no prefix): verified only when allowed.</summary>
    Plain,

    /// <summary>A SCRAM-SHA-256 secret (RFC 5803, or Dovecot's form): it verifies a plain password and serves SCRAM.</summary>
    ScramSha256,
}
