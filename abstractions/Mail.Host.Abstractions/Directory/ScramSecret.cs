namespace Mail.Host.Directory;

/// <summary>
/// What a server keeps of a password for SCRAM (RFC 5802 §3): the salt and iteration count of the salted password,
/// and the two keys derived from it. The password itself cannot be recovered from these.
/// </summary>
/// <param name="Iterations">The PBKDF2 iteration count (RFC 7677 asks for at least 4096).</param>
/// <param name="Salt">The salt.</param>
/// <param name="StoredKey">H(HMAC(SaltedPassword, "Client Key")): checks the client's proof.</param>
/// <param name="ServerKey">HMAC(SaltedPassword, "Server Key"): signs the server's answer.</param>
public sealed record ScramSecret(int Iterations, byte[] Salt, byte[] StoredKey, byte[] ServerKey);
