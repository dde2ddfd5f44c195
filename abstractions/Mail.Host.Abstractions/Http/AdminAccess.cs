using System.Text;
using Mail.Host.Directory;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Net.Http.Headers;

namespace Mail.Host.Http;

/// <summary>
/// HTTP Basic authentication for the admin API, against the manifest's authentication directory (whatever its type),
/// and the admin role: the host's own admin routes and every plugin's use it, so an operator has one way in.
/// </summary>
public static class AdminAccess
{
    /// <summary>The role a principal needs for the admin API.</summary>
    public const string AdminRole = "admin";

    /// <summary>
    /// How long a verified admin login is remembered. Password hashes are deliberately slow (Argon2id takes about half
    /// a second here), and scripts send many requests; a password change or a lost admin role takes effect on the
    /// admin API at most this long after it is made.
    /// </summary>
    public static readonly TimeSpan VerifiedLoginLifetime = TimeSpan.FromSeconds(30);

    private const int MaxRemembered = 1024;

    // Keys are an HMAC of the credentials under a key made at start, so the table never holds a password.
    private static readonly byte[] ProcessKey = System.Security.Cryptography.RandomNumberGenerator.GetBytes(32);
    private static readonly System.Collections.Concurrent.ConcurrentDictionary<string, long> Verified = new(StringComparer.Ordinal);

    /// <summary>The challenge sent with 401.</summary>
    public const string Challenge = "Basic realm=\"mailhost\"";

    /// <summary>
    /// An endpoint filter (<c>group.AddEndpointFilter(AdminAccess.RequireAdminAsync)</c>) that lets a request through
    /// only for an enabled principal with the admin role.
    /// </summary>
    /// <param name="context">The endpoint invocation.</param>
    /// <param name="next">The endpoint.</param>
    /// <returns>The endpoint's result, or a 401, 403 or 503 problem.</returns>
    public static async ValueTask<object?> RequireAdminAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var http = context.HttpContext;
        IDirectory directory;
        try
        {
            directory = http.RequestServices.GetRequiredService<IMailDirectories>().Authentication;
        }
        catch (InvalidOperationException ex)
        {
            return Problem(StatusCodes.Status503ServiceUnavailable, $"The admin API cannot check credentials: {ex.Message}");
        }

        if (!TryReadBasic(http.Request, out var username, out var password))
        {
            return Unauthorized(http, "The admin API needs HTTP Basic credentials of an account with the admin role.");
        }

        var cacheKey = CacheKey(username, password);
        if (Verified.TryGetValue(cacheKey, out var until) && until > Environment.TickCount64)
        {
            return await next(context).ConfigureAwait(false);
        }

        AuthenticationResult result;
        try
        {
            result = await directory.AuthenticateAsync(new PasswordCredentials(username, password), http.RequestAborted).ConfigureAwait(false);
        }
        catch (DirectoryUnavailableException ex)
        {
            return Problem(StatusCodes.Status503ServiceUnavailable, $"The directory cannot check credentials right now: {ex.Message}");
        }

        return result switch
        {
            { Status: AuthenticationStatus.Success, Principal: { } principal } when principal.Roles.Contains(AdminRole, StringComparer.OrdinalIgnoreCase)
                => await RememberAndContinueAsync(cacheKey, context, next).ConfigureAwait(false),
            { Status: AuthenticationStatus.Success, Principal: { } principal }
                => Problem(StatusCodes.Status403Forbidden, $"'{principal.Name}' does not have the admin role, which the admin API requires."),
            { Status: AuthenticationStatus.Disabled, Principal: { } principal }
                => Problem(StatusCodes.Status403Forbidden, $"'{principal.Name}' is disabled."),
            _ => Unauthorized(http, "Wrong user name or password."),
        };
    }

    /// <summary>An RFC 9457 problem response with a title for the status, as every admin route answers errors.</summary>
    /// <param name="status">The HTTP status.</param>
    /// <param name="detail">What went wrong and, where there is one, the fix.</param>
    /// <returns>The response.</returns>
    public static IResult Problem(int status, string detail) => Results.Problem(detail: detail, statusCode: status, title: Title(status));

    private static string Title(int status) => status switch
    {
        StatusCodes.Status400BadRequest => "Invalid request",
        StatusCodes.Status401Unauthorized => "Authentication required",
        StatusCodes.Status403Forbidden => "Forbidden",
        StatusCodes.Status404NotFound => "Not found",
        StatusCodes.Status409Conflict => "Conflict",
        StatusCodes.Status413PayloadTooLarge => "Too large",
        StatusCodes.Status503ServiceUnavailable => "Service unavailable",
        _ => "Error",
    };

    private static string CacheKey(string username, string password)
        => Convert.ToHexString(System.Security.Cryptography.HMACSHA256.HashData(ProcessKey, Encoding.UTF8.GetBytes(username + "\0" + password)));

    private static async ValueTask<object?> RememberAndContinueAsync(string cacheKey, EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        if (Verified.Count >= MaxRemembered)
        {
            Verified.Clear();
        }

        Verified[cacheKey] = Environment.TickCount64 + (long)VerifiedLoginLifetime.TotalMilliseconds;
        return await next(context).ConfigureAwait(false);
    }

    private static IResult Unauthorized(HttpContext http, string detail)
    {
        http.Response.Headers[HeaderNames.WWWAuthenticate] = Challenge;
        return Problem(StatusCodes.Status401Unauthorized, detail);
    }

    private static bool TryReadBasic(HttpRequest request, out string username, out string password)
    {
        username = password = string.Empty;
        var header = request.Headers.Authorization.ToString();
        const string scheme = "Basic ";
        if (!header.StartsWith(scheme, StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }

        var encoded = header[scheme.Length..].Trim();
        var buffer = new byte[(encoded.Length * 3 / 4) + 3];
        if (!Convert.TryFromBase64String(encoded, buffer, out var length))
        {
            return false;
        }

        string decoded;
        try
        {
            decoded = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true).GetString(buffer, 0, length);
        }
        catch (DecoderFallbackException)
        {
            return false;
        }

        var colon = decoded.IndexOf(':', StringComparison.Ordinal);
        if (colon < 0)
        {
            return false;
        }

        username = decoded[..colon];
        password = decoded[(colon + 1)..];
        return true;
    }
}
