namespace Mail.Host.Directory;

/// <summary>
/// A directory that keeps SCRAM-SHA-256 secrets (RFC 5802, RFC 7677) beside its password hashes, so that protocols
/// can offer SCRAM: the client proves it knows the password without sending it, and the server proves it holds the
/// secret. A directory implements this interface beside <see cref="IDirectory"/>; a protocol checks for it and
/// offers SCRAM-SHA-256 only when the authentication directory implements it.
/// </summary>
public interface IScramSecretStore
{
    /// <summary>
    /// Finds the SCRAM-SHA-256 secret of a login name. Null when there is no such login, or when it has no secret yet
    /// (a directory may make the secret the next time the password is used in plain authentication).
    /// </summary>
    /// <param name="username">The login name the client gave.</param>
    /// <param name="cancellationToken">Cancels the lookup.</param>
    /// <returns>The principal with its secret, or null.</returns>
    /// <exception cref="DirectoryUnavailableException">The directory cannot be reached: a temporary failure.</exception>
    ValueTask<ScramLogin?> FindScramSha256Async(string username, CancellationToken cancellationToken = default);
}
