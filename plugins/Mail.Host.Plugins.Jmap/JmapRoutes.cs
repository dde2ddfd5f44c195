using System.Text.Json.Nodes;
using Mail.Host.Directory;
using Mail.Host.Http;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace Mail.Host.Plugins.Jmap;

/// <summary>
/// The HTTP routes: <c>/.well-known/jmap</c> (redirect), <c>/jmap/session</c>, <c>/jmap/api/</c>,
/// <c>/jmap/upload/{accountId}/</c>, <c>/jmap/download/{accountId}/{blobId}/{name}</c>, <c>/jmap/eventsource/</c>,
/// <c>/jmap/ws</c>, and the admin route that issues bearer tokens (<c>/api/admin/jmap/tokens</c>).
/// </summary>
internal static class JmapRoutes
{
    public static void Map(IEndpointRouteBuilder endpoints)
    {
        endpoints.MapMethods("/.well-known/jmap", ["GET", "HEAD"], (HttpContext http) =>
        {
            var server = Server(http);
            return Results.Redirect(JmapSession.BaseUrl(server, http.Request) + "/jmap/session", permanent: false, preserveMethod: true);
        });
        endpoints.MapGet("/jmap/session", async (HttpContext http) =>
        {
            var server = Server(http);
            var auth = await server.Auth.AuthenticateAsync(http).ConfigureAwait(false);
            if (auth.User is not { } user)
            {
                await WriteAuthFailureAsync(http, auth).ConfigureAwait(false);
                return;
            }

            http.Response.ContentType = "application/json; charset=utf-8";
            http.Response.Headers.CacheControl = "no-cache, no-store, must-revalidate";
            await http.Response.WriteAsync(JmapSession.Build(server, user, http.Request).ToJsonString(), http.RequestAborted).ConfigureAwait(false);
        });
        RequestDelegate api = http => Api(http).HandleHttpAsync(http);
        endpoints.MapPost("/jmap/api/", api);
        endpoints.MapMethods("/jmap/api/", ["GET", "PUT", "DELETE", "PATCH"], (HttpContext http) =>
            JmapProblem.WriteHttpAsync(http, StatusCodes.Status405MethodNotAllowed, "The API endpoint takes POST requests."));
        endpoints.MapPost("/jmap/upload/{accountId}/", (HttpContext http, string accountId) => Server(http).Blobs.UploadAsync(http, accountId));
        endpoints.MapGet("/jmap/download/{accountId}/{blobId}/{name}", (HttpContext http, string accountId, string blobId, string name) => Server(http).Blobs.DownloadAsync(http, accountId, blobId, name));
        endpoints.MapGet("/jmap/eventsource/", (HttpContext http) => Server(http).Push.EventSourceAsync(http));
        endpoints.MapGet("/jmap/ws", (HttpContext http) => Server(http).Push.WebSocketAsync(http));

        var admin = endpoints.MapGroup("/api/admin/jmap").AddEndpointFilter(AdminAccess.RequireAdminAsync);
        admin.MapPost("/tokens", (Delegate)IssueTokenAsync);
        admin.MapDelete("/tokens", (Delegate)RevokeTokenAsync);
    }

    public static JmapServer Server(HttpContext http) => http.RequestServices.GetRequiredService<JmapServer>();

    public static JmapApi Api(HttpContext http) => http.RequestServices.GetRequiredService<JmapApi>();

    public static Task WriteAuthFailureAsync(HttpContext http, JmapAuth.Outcome outcome)
    {
        if (outcome.Status == StatusCodes.Status401Unauthorized)
        {
            http.Response.Headers.WWWAuthenticate = JmapAuth.Challenge;
        }

        return JmapProblem.WriteHttpAsync(http, outcome.Status, outcome.Detail);
    }

    private static async Task<IResult> IssueTokenAsync(HttpContext http)
    {
        var server = Server(http);
        var body = await JmapApi.ReadLimitedAsync(http.Request.Body, 64 * 1024, http.RequestAborted).ConfigureAwait(false);
        JsonObject? request = null;
        try
        {
            request = body is null ? null : JsonNode.Parse(body) as JsonObject;
        }
        catch (System.Text.Json.JsonException)
        {
        }

        if (request?["account"] is not JsonValue nameValue || !nameValue.TryGetValue<string>(out var name) || name.Length == 0)
        {
            return AdminAccess.Problem(StatusCodes.Status400BadRequest, "Send {\"account\": \"NAME\", \"lifetimeSeconds\": N (optional)}.");
        }

        var lifetime = server.Options.TokenLifetimeSeconds;
        if (request["lifetimeSeconds"] is JsonValue l)
        {
            if (!l.TryGetValue<int>(out lifetime) || lifetime < 60 || lifetime > 366 * 24 * 3600)
            {
                return AdminAccess.Problem(StatusCodes.Status400BadRequest, "lifetimeSeconds must be a whole number from 60 to 31622400.");
            }
        }

        Principal? principal;
        try
        {
            principal = await server.Directory.FindPrincipalAsync(name, http.RequestAborted).ConfigureAwait(false);
        }
        catch (DirectoryUnavailableException ex)
        {
            return AdminAccess.Problem(StatusCodes.Status503ServiceUnavailable, "The directory is unavailable: " + ex.Message);
        }

        if (principal is null || principal.Kind != PrincipalKind.Individual)
        {
            return AdminAccess.Problem(StatusCodes.Status404NotFound, $"There is no account '{name}'.");
        }

        var (token, expires) = await server.Auth.IssueTokenAsync(principal.Name, TimeSpan.FromSeconds(lifetime), http.RequestAborted).ConfigureAwait(false);
        return Results.Json(new JsonObject { ["account"] = principal.Name, ["token"] = token, ["expires"] = expires.ToString("O") }, statusCode: StatusCodes.Status201Created);
    }

    private static async Task<IResult> RevokeTokenAsync(HttpContext http)
    {
        var server = Server(http);
        var body = await JmapApi.ReadLimitedAsync(http.Request.Body, 64 * 1024, http.RequestAborted).ConfigureAwait(false);
        JsonObject? request = null;
        try
        {
            request = body is null ? null : JsonNode.Parse(body) as JsonObject;
        }
        catch (System.Text.Json.JsonException)
        {
        }

        if (request?["token"] is not JsonValue tokenValue || !tokenValue.TryGetValue<string>(out var token))
        {
            return AdminAccess.Problem(StatusCodes.Status400BadRequest, "Send {\"token\": \"...\"}.");
        }

        return await server.Auth.RevokeTokenAsync(token, http.RequestAborted).ConfigureAwait(false)
            ? Results.NoContent()
            : AdminAccess.Problem(StatusCodes.Status404NotFound, "No such token.");
    }
}
