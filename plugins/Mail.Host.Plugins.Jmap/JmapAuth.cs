using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Mail.Host.Directory;
using Mail.Host.Mail;
using Microsoft.AspNetCore.Http;

namespace Mail.Host.Plugins.Jmap;

/// <summary>
/// Authenticates JMAP requests: HTTP Basic through the manifest's authentication directory, or a bearer token the
/// admin API issued (<c>POST /api/admin/jmap/tokens</c>). Verified credentials are remembered for 30 seconds, since
/// password hashes are deliberately slow; a disabled account or a changed password takes effect within that time.
/// </summary>
internal sealed class JmapAuth(JmapServer server)
{
    public const string TokenSubspace = "jmap_token";
    public const string Challenge = "Basic realm=\"mailhost\", Bearer realm=\"mailhost\"";
    private static readonly TimeSpan Remember = TimeSpan.FromSeconds(30);
    private static readonly byte[] ProcessKey = RandomNumberGenerator.GetBytes(32);
    private readonly ConcurrentDictionary<string, (JmapUser User, long Until)> verified = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<ulong, bool> quotaApplied = new();

    /// <summary>The outcome: a user, or an HTTP status and why.</summary>
    public readonly record struct Outcome(JmapUser? User, int Status, string Detail);

    public async Task<Outcome> AuthenticateAsync(HttpContext http)
    {
        var header = http.Request.Headers.Authorization.ToString();
        try
        {
            if (header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
            {
                return await BearerAsync(header["Bearer ".Length..].Trim(), http.RequestAborted).ConfigureAwait(false);
            }

            if (header.StartsWith("Basic ", StringComparison.OrdinalIgnoreCase) && TryDecodeBasic(header["Basic ".Length..].Trim(), out var name, out var password))
            {
                // A password in the clear only over TLS, from a loopback client (a local proxy, tests), or when the
                // manifest allows it (AllowPlaintextAuth).
                if (!http.Request.IsHttps && !server.Options.AllowPlaintextAuth && http.Connection.RemoteIpAddress is { } remote && !System.Net.IPAddress.IsLoopback(remote))
                {
                    return new(null, StatusCodes.Status403Forbidden, "HTTP Basic credentials are accepted only over https (or from a loopback client, or with AllowPlaintextAuth); use https or a bearer token.");
                }

                return await BasicAsync(name, password, http.RequestAborted).ConfigureAwait(false);
            }
        }
        catch (DirectoryUnavailableException ex)
        {
            return new(null, StatusCodes.Status503ServiceUnavailable, "The directory cannot check credentials right now: " + ex.Message);
        }

        return new(null, StatusCodes.Status401Unauthorized, "JMAP needs HTTP Basic credentials or a bearer token.");
    }

    /// <summary>Issues a token for a principal; only its SHA-256 is stored.</summary>
    public async Task<(string Token, DateTimeOffset Expires)> IssueTokenAsync(string principalName, TimeSpan lifetime, CancellationToken cancellationToken)
    {
        var token = "mhj_" + Base64Url(RandomNumberGenerator.GetBytes(32));
        var expires = DateTimeOffset.UtcNow + lifetime;
        var record = new JsonObject { ["name"] = principalName, ["expires"] = expires.ToUnixTimeMilliseconds() };
        var batch = new Storage.WriteBatch().Set(TokenSubspace, SHA256.HashData(Encoding.UTF8.GetBytes(token)), Encoding.UTF8.GetBytes(record.ToJsonString()));
        await server.Stores.Data.CommitAsync(batch, cancellationToken).ConfigureAwait(false);
        return (token, expires);
    }

    /// <summary>Revokes a token; false when it did not exist.</summary>
    public async Task<bool> RevokeTokenAsync(string token, CancellationToken cancellationToken)
    {
        var key = SHA256.HashData(Encoding.UTF8.GetBytes(token));
        if (await server.Stores.Data.GetAsync(TokenSubspace, key, cancellationToken).ConfigureAwait(false) is null)
        {
            return false;
        }

        await server.Stores.Data.CommitAsync(new Storage.WriteBatch().Delete(TokenSubspace, key), cancellationToken).ConfigureAwait(false);
        foreach (var entry in verified.Keys.Where(k => k.StartsWith("t:", StringComparison.Ordinal)))
        {
            verified.TryRemove(entry, out _);
        }

        return true;
    }

    private async Task<Outcome> BearerAsync(string token, CancellationToken cancellationToken)
    {
        var cacheKey = "t:" + Key(token);
        if (verified.TryGetValue(cacheKey, out var hit) && hit.Until > Environment.TickCount64)
        {
            return new(hit.User, 200, string.Empty);
        }

        if (token.Length is 0 or > 200)
        {
            return new(null, StatusCodes.Status401Unauthorized, "The bearer token is not valid.");
        }

        var value = await server.Stores.Data.GetAsync(TokenSubspace, SHA256.HashData(Encoding.UTF8.GetBytes(token)), cancellationToken).ConfigureAwait(false);
        if (value is null || JsonNode.Parse(value) is not JsonObject record
            || record["expires"]?.GetValue<long>() is not { } expires || expires < DateTimeOffset.UtcNow.ToUnixTimeMilliseconds()
            || record["name"]?.GetValue<string>() is not { } name)
        {
            return new(null, StatusCodes.Status401Unauthorized, "The bearer token is not valid or has expired.");
        }

        var principal = await server.Directory.FindPrincipalAsync(name, cancellationToken).ConfigureAwait(false);
        if (principal is null || principal.Disabled || principal.Kind != PrincipalKind.Individual)
        {
            return new(null, StatusCodes.Status401Unauthorized, $"The account '{name}' of this token no longer exists or is disabled.");
        }

        var user = await UserAsync(principal, cancellationToken).ConfigureAwait(false);
        verified[cacheKey] = (user, Environment.TickCount64 + (long)Remember.TotalMilliseconds);
        return new(user, 200, string.Empty);
    }

    private async Task<Outcome> BasicAsync(string name, string password, CancellationToken cancellationToken)
    {
        var cacheKey = "b:" + Key(name + "\0" + password);
        if (verified.TryGetValue(cacheKey, out var hit) && hit.Until > Environment.TickCount64)
        {
            return new(hit.User, 200, string.Empty);
        }

        var result = await server.Directory.AuthenticateAsync(new PasswordCredentials(name, password), cancellationToken).ConfigureAwait(false);
        switch (result)
        {
            case { Status: AuthenticationStatus.Success, Principal: { } principal }:
                var user = await UserAsync(principal, cancellationToken).ConfigureAwait(false);
                if (verified.Count > 4096)
                {
                    verified.Clear();
                }

                verified[cacheKey] = (user, Environment.TickCount64 + (long)Remember.TotalMilliseconds);
                return new(user, 200, string.Empty);
            case { Status: AuthenticationStatus.Disabled }:
                return new(null, StatusCodes.Status403Forbidden, $"The account '{name}' is disabled.");
            default:
                return new(null, StatusCodes.Status401Unauthorized, "Wrong user name or password.");
        }
    }

    private async Task<JmapUser> UserAsync(Principal principal, CancellationToken cancellationToken)
    {
        var accountId = await server.Engine.GetAccountIdAsync(principal.Name, cancellationToken).ConfigureAwait(false);
        if (quotaApplied.TryAdd(accountId, true))
        {
            await server.Engine.OpenAccount(accountId).SetQuotaAsync(new MailQuota(principal.QuotaBytes, principal.QuotaMessages), cancellationToken).ConfigureAwait(false);
        }

        return new JmapUser(principal.Name, accountId, principal);
    }

    private static string Key(string secret) => Convert.ToHexString(HMACSHA256.HashData(ProcessKey, Encoding.UTF8.GetBytes(secret)));

    private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    private static bool TryDecodeBasic(string encoded, out string name, out string password)
    {
        name = password = string.Empty;
        if (encoded.Length > 4096)
        {
            return false;
        }

        var buffer = new byte[(encoded.Length * 3 / 4) + 3];
        if (!Convert.TryFromBase64String(encoded, buffer, out var length))
        {
            return false;
        }

        string decoded;
        try
        {
            decoded = new UTF8Encoding(false, true).GetString(buffer, 0, length);
        }
        catch (DecoderFallbackException)
        {
            return false;
        }

        var colon = decoded.IndexOf(':', StringComparison.Ordinal);
        if (colon <= 0)
        {
            return false;
        }

        name = decoded[..colon];
        password = decoded[(colon + 1)..];
        return true;
    }
}
