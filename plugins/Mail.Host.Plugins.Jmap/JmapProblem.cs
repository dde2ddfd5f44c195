using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;

namespace Mail.Host.Plugins.Jmap;

/// <summary>Request-level errors (RFC 8620 §3.6.1) as RFC 7807 problem details.</summary>
internal static class JmapProblem
{
    public const string UnknownCapability = "urn:ietf:params:jmap:error:unknownCapability";
    public const string NotJson = "urn:ietf:params:jmap:error:notJSON";
    public const string NotRequest = "urn:ietf:params:jmap:error:notRequest";
    public const string Limit = "urn:ietf:params:jmap:error:limit";

    public static async Task WriteAsync(HttpContext http, int status, string type, string detail, string? limit = null)
    {
        var problem = new JsonObject
        {
            ["type"] = type,
            ["status"] = status,
            ["detail"] = detail,
        };
        if (limit is not null)
        {
            problem["limit"] = limit;
        }

        http.Response.StatusCode = status;
        http.Response.ContentType = "application/problem+json";
        await http.Response.WriteAsync(problem.ToJsonString(), http.RequestAborted).ConfigureAwait(false);
    }

    /// <summary>A plain HTTP error that is not one of the JMAP request errors (401, 404...), still as problem details.</summary>
    public static Task WriteHttpAsync(HttpContext http, int status, string detail)
        => WriteAsync(http, status, "about:blank", detail);
}
