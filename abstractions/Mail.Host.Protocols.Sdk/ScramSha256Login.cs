using System.Text;
using Mail.Host.Directory;

namespace Mail.Host.Protocols.Sdk;

/// <summary>
/// Runs a SCRAM-SHA-256 login over a protocol's SASL challenges (SMTP's 334 lines, IMAP's continuation requests):
/// the same three round trips for every protocol, so that each only maps the outcome to its replies.
/// </summary>
public static class ScramSha256Login
{
    /// <summary>
    /// Runs the exchange. The server's last message (its signature) is sent as a challenge too, and the client
    /// answers it with an empty response (RFC 4954 §4, RFC 9051 §6.2.2), so that the client checks the server before
    /// the protocol says the login succeeded.
    /// </summary>
    /// <param name="store">The directory's SCRAM secrets.</param>
    /// <param name="initialResponse">The initial response sent with the command (SASL-IR), or null.</param>
    /// <param name="challenge">
    /// Sends a base64 challenge and returns the client's base64 answer, or null when the client cancelled or the
    /// line failed (the protocol has answered that already).
    /// </param>
    /// <param name="cancellationToken">Cancels the directory lookup.</param>
    /// <returns>What came of it.</returns>
    public static async ValueTask<ScramOutcome> RunAsync(
        IScramSecretStore store,
        string? initialResponse,
        Func<string, ValueTask<string?>> challenge,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(challenge);
        var first = initialResponse ?? await challenge(string.Empty).ConfigureAwait(false);
        if (first is null)
        {
            return ScramOutcome.Cancelled;
        }

        var exchange = new ScramSha256Exchange();
        var clientFirst = SaslText.DecodeUtf8(first == "=" ? string.Empty : first);
        if (clientFirst is null)
        {
            return ScramOutcome.Malformed("the response is not base64-encoded UTF-8");
        }

        if (!exchange.ReadClientFirst(clientFirst, out var problem))
        {
            return ScramOutcome.Malformed(problem!);
        }

        ScramLogin? login;
        try
        {
            login = await store.FindScramSha256Async(exchange.Username!, cancellationToken).ConfigureAwait(false);
        }
        catch (DirectoryUnavailableException)
        {
            return ScramOutcome.Unavailable(exchange.Username!);
        }

        var final = await challenge(Base64(exchange.ServerFirst(login?.Secret))).ConfigureAwait(false);
        if (final is null)
        {
            return ScramOutcome.Cancelled;
        }

        var clientFinal = SaslText.DecodeUtf8(final);
        if (clientFinal is null || login is null || !exchange.VerifyClientFinal(clientFinal, out var serverFinal))
        {
            return ScramOutcome.Done(exchange.Username!, AuthenticationResult.Invalid);
        }

        if (await challenge(Base64(serverFinal!)).ConfigureAwait(false) is null)
        {
            return ScramOutcome.Cancelled;
        }

        var principal = login.Principal;
        return ScramOutcome.Done(exchange.Username!, principal.Disabled ? AuthenticationResult.DisabledPrincipal(principal) : AuthenticationResult.Succeeded(principal));
    }

    private static string Base64(string text) => Convert.ToBase64String(Encoding.UTF8.GetBytes(text));
}
