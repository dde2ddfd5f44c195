using System.Collections.Concurrent;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Mail.Host.Mail;
using Mail.Host.Storage;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Mail.Host.Plugins.Jmap;

/// <summary>
/// The API endpoint (RFC 8620 §3): request validation and limits, method dispatch, result references and creation
/// ids. Shared by the HTTP endpoint and the WebSocket transport (RFC 8887).
/// </summary>
internal sealed class JmapApi(JmapServer server)
{
    private static readonly JsonDocumentOptions DocumentOptions = new() { MaxDepth = 128 };
    private readonly ConcurrentDictionary<ulong, int> inFlight = new();
    private readonly ILogger logger = server.LoggerFactory.CreateLogger("Mail.Host.Plugins.Jmap");

    /// <summary>A request-level failure: the problem type, the detail and, for <c>limit</c>, which limit.</summary>
    public sealed record Problem(string Type, string Detail, string? Limit = null);

    public async Task HandleHttpAsync(HttpContext http)
    {
        var auth = await server.Auth.AuthenticateAsync(http).ConfigureAwait(false);
        if (auth.User is not { } user)
        {
            await JmapRoutes.WriteAuthFailureAsync(http, auth).ConfigureAwait(false);
            return;
        }

        var contentType = http.Request.ContentType;
        if (contentType is null || !contentType.Split(';')[0].Trim().Equals("application/json", StringComparison.OrdinalIgnoreCase))
        {
            await JmapProblem.WriteAsync(http, 400, JmapProblem.NotJson, $"The request's content type must be application/json, not '{contentType}'.").ConfigureAwait(false);
            return;
        }

        if (http.Request.ContentLength > server.Options.MaxSizeRequest)
        {
            await JmapProblem.WriteAsync(http, 400, JmapProblem.Limit, $"The request is larger than maxSizeRequest ({server.Options.MaxSizeRequest} bytes).", "maxSizeRequest").ConfigureAwait(false);
            return;
        }

        var body = await ReadLimitedAsync(http.Request.Body, server.Options.MaxSizeRequest, http.RequestAborted).ConfigureAwait(false);
        if (body is null)
        {
            await JmapProblem.WriteAsync(http, 400, JmapProblem.Limit, $"The request is larger than maxSizeRequest ({server.Options.MaxSizeRequest} bytes).", "maxSizeRequest").ConfigureAwait(false);
            return;
        }

        if (!TryEnter(user))
        {
            await JmapProblem.WriteAsync(http, 400, JmapProblem.Limit, $"This user already has maxConcurrentRequests ({server.Options.MaxConcurrentRequests}) requests in progress.", "maxConcurrentRequests").ConfigureAwait(false);
            return;
        }

        try
        {
            var (response, problem) = await ProcessAsync(user, body, http.RequestAborted).ConfigureAwait(false);
            if (problem is not null)
            {
                await JmapProblem.WriteAsync(http, 400, problem.Type, problem.Detail, problem.Limit).ConfigureAwait(false);
                return;
            }

            http.Response.ContentType = "application/json; charset=utf-8";
            http.Response.Headers.CacheControl = "no-cache, no-store, must-revalidate";
            await using var writer = new Utf8JsonWriter(http.Response.Body);
            response!.WriteTo(writer);
            await writer.FlushAsync(http.RequestAborted).ConfigureAwait(false);
        }
        finally
        {
            Leave(user);
        }
    }

    public bool TryEnter(JmapUser user)
    {
        var count = inFlight.AddOrUpdate(user.AccountId, 1, (_, n) => n + 1);
        if (count > server.Options.MaxConcurrentRequests)
        {
            Leave(user);
            return false;
        }

        return true;
    }

    public void Leave(JmapUser user) => inFlight.AddOrUpdate(user.AccountId, 0, (_, n) => n - 1);

    /// <summary>Parses, checks and runs one request.</summary>
    /// <param name="user">Who sends it.</param>
    /// <param name="body">The UTF-8 JSON.</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    /// <param name="webSocket">Whether it came over WebSocket: the response gets @type and requestId.</param>
    /// <returns>The Response object, or the request-level problem.</returns>
    public async Task<(JsonObject? Response, Problem? Problem)> ProcessAsync(JmapUser user, ReadOnlyMemory<byte> body, CancellationToken cancellationToken, bool webSocket = false)
    {
        if (!System.Text.Unicode.Utf8.IsValid(body.Span))
        {
            return (null, new Problem(JmapProblem.NotJson, "The request is not valid UTF-8."));
        }

        JsonNode? root;
        try
        {
            root = JsonNode.Parse(body.Span, documentOptions: DocumentOptions);
            Materialize(root);
        }
        catch (Exception ex) when (ex is JsonException or ArgumentException or InvalidOperationException)
        {
            return (null, new Problem(JmapProblem.NotJson, "The request is not valid I-JSON: " + ex.Message));
        }

        if (root is not JsonObject request || request["using"] is not JsonArray usingArray || request["methodCalls"] is not JsonArray calls)
        {
            return (null, new Problem(JmapProblem.NotRequest, "The request must be an object with 'using' (an array of capability URIs) and 'methodCalls' (an array of method calls)."));
        }

        if (webSocket && request["@type"]?.GetValueKind() == JsonValueKind.String && request["@type"]!.GetValue<string>() != "Request")
        {
            return (null, new Problem(JmapProblem.NotRequest, "The message's @type must be 'Request'."));
        }

        var state = new RequestState();
        foreach (var item in usingArray)
        {
            if (item is not JsonValue v || !v.TryGetValue<string>(out var capability))
            {
                return (null, new Problem(JmapProblem.NotRequest, "'using' must hold only capability URIs (strings)."));
            }

            if (!JmapCapabilities.All.Contains(capability))
            {
                return (null, new Problem(JmapProblem.UnknownCapability, $"The server does not support the capability '{capability}'."));
            }

            state.Using.Add(capability);
        }

        if (calls.Count > server.Options.MaxCallsInRequest)
        {
            return (null, new Problem(JmapProblem.Limit, $"The request has {calls.Count} method calls; maxCallsInRequest is {server.Options.MaxCallsInRequest}.", "maxCallsInRequest"));
        }

        var parsedCalls = new List<(string Name, JsonObject Arguments, string CallId)>(calls.Count);
        foreach (var call in calls)
        {
            if (call is not JsonArray { Count: 3 } triple
                || triple[0] is not JsonValue nameValue || !nameValue.TryGetValue<string>(out var name)
                || triple[1] is not JsonObject arguments
                || triple[2] is not JsonValue idValue || !idValue.TryGetValue<string>(out var callId))
            {
                return (null, new Problem(JmapProblem.NotRequest, "Each method call must be [name (string), arguments (object), method call id (string)]."));
            }

            parsedCalls.Add((name, arguments, callId));
        }

        var hadCreatedIds = false;
        if (request["createdIds"] is { } createdNode)
        {
            if (createdNode is not JsonObject created)
            {
                return (null, new Problem(JmapProblem.NotRequest, "'createdIds' must be an object mapping creation ids to ids."));
            }

            foreach (var (key, value) in created)
            {
                if (value is not JsonValue v || !v.TryGetValue<string>(out var id))
                {
                    return (null, new Problem(JmapProblem.NotRequest, "'createdIds' values must be ids (strings)."));
                }

                state.CreatedIds[key] = id;
            }

            hadCreatedIds = true;
        }

        foreach (var (name, arguments, callId) in parsedCalls)
        {
            await RunCallAsync(user, state, name, arguments, callId, cancellationToken).ConfigureAwait(false);
        }

        var response = new JsonObject
        {
            ["methodResponses"] = new JsonArray([.. state.Responses]),
            ["sessionState"] = JmapSession.SessionState(user),
        };
        if (hadCreatedIds)
        {
            response["createdIds"] = new JsonObject(state.CreatedIds.Select(p => KeyValuePair.Create(p.Key, (JsonNode?)p.Value)));
        }

        if (webSocket)
        {
            response.Insert(0, "@type", "Response");
            if (request["id"] is JsonValue requestId && requestId.TryGetValue<string>(out var rid))
            {
                response["requestId"] = rid;
            }
        }

        return (response, null);
    }

    private async Task RunCallAsync(JmapUser user, RequestState state, string name, JsonObject arguments, string callId, CancellationToken cancellationToken)
    {
        JsonObject result;
        var responseName = name;
        MethodCall? call = null;
        try
        {
            if (!server.Methods.TryGet(name, out var capability, out var handler))
            {
                throw new MethodErrorException("unknownMethod", $"There is no method '{name}'.");
            }

            if (!state.Using.Contains(capability))
            {
                throw new MethodErrorException("unknownMethod", $"'{name}' needs the capability '{capability}' in 'using'.");
            }

            var resolved = ResolveReferences(arguments, state);
            call = new MethodCall(server, user, name, resolved, callId, state, cancellationToken);
            result = await handler(call).ConfigureAwait(false);
        }
        catch (MethodErrorException ex)
        {
            responseName = "error";
            result = ex.ToJson();
        }
        catch (MailException ex) when (ex.Code == MailErrorCode.UnsupportedFilter)
        {
            responseName = "error";
            result = new MethodErrorException("unsupportedFilter", ex.Message).ToJson();
        }
        catch (MailException ex) when (ex.Code == MailErrorCode.Conflict)
        {
            responseName = "error";
            result = new MethodErrorException("serverUnavailable", ex.Message).ToJson();
        }
        catch (StoreUnavailableException ex)
        {
            responseName = "error";
            result = new MethodErrorException("serverUnavailable", "A store is unavailable: " + ex.Message).ToJson();
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw;
        }
        catch (Exception ex)
        {
            logger.LogError(ex, "JMAP method {Method} failed for {User}", name, user.Name);
            responseName = "error";
            result = new MethodErrorException("serverFail", $"{ex.GetType().Name}: {ex.Message}").ToJson();
        }

        state.Responses.Add(new JsonArray(responseName, result, callId));
        if (responseName != "error" && call is not null)
        {
            foreach (var (extraName, extraArguments) in call.Extra)
            {
                state.Responses.Add(new JsonArray(extraName, extraArguments, callId));
            }
        }
    }

    /// <summary>Replaces every <c>#name</c> argument by the value its ResultReference points at (RFC 8620 §3.7).</summary>
    private static JsonObject ResolveReferences(JsonObject arguments, RequestState state)
    {
        var resolved = new JsonObject();
        foreach (var (key, value) in arguments)
        {
            if (!key.StartsWith('#'))
            {
                resolved[key] = value?.DeepClone();
                continue;
            }

            var plain = key[1..];
            if (arguments.ContainsKey(plain))
            {
                throw MethodErrorException.InvalidArguments($"Both '{plain}' and '{key}' are given.");
            }

            if (value is not JsonObject reference
                || reference["resultOf"] is not JsonValue r || !r.TryGetValue<string>(out var resultOf)
                || reference["name"] is not JsonValue n || !n.TryGetValue<string>(out var name)
                || reference["path"] is not JsonValue p || !p.TryGetValue<string>(out var path))
            {
                throw new MethodErrorException("invalidResultReference", $"'{key}' must be a ResultReference: {{resultOf, name, path}}.");
            }

            var response = state.Responses.FirstOrDefault(x => x[2]!.GetValue<string>() == resultOf && x[0]!.GetValue<string>() == name)
                ?? throw new MethodErrorException("invalidResultReference", $"No earlier call '{resultOf}' answered with '{name}'.");
            if (!JsonPointer.TryEvaluate(response[1], path, out var target))
            {
                throw new MethodErrorException("invalidResultReference", $"The path '{path}' does not resolve in the result of '{resultOf}'.");
            }

            resolved[plain] = target;
        }

        return resolved;
    }

    private static void Materialize(JsonNode? node)
    {
        switch (node)
        {
            case JsonObject obj:
                foreach (var (_, value) in obj)
                {
                    Materialize(value);
                }

                break;
            case JsonArray array:
                foreach (var item in array)
                {
                    Materialize(item);
                }

                break;
            case JsonValue value when value.GetValueKind() == JsonValueKind.String:
                // Decodes the string once: an escaped lone surrogate is not I-JSON and fails here, not in a method.
                _ = value.GetValue<string>();
                break;
        }
    }

    /// <summary>Reads a body up to a limit; null when it is longer.</summary>
    public static async Task<byte[]?> ReadLimitedAsync(Stream body, long limit, CancellationToken cancellationToken)
    {
        using var buffer = new MemoryStream();
        var chunk = new byte[64 * 1024];
        try
        {
            int read;
            while ((read = await body.ReadAsync(chunk, cancellationToken).ConfigureAwait(false)) > 0)
            {
                if (buffer.Length + read > limit)
                {
                    return null;
                }

                buffer.Write(chunk, 0, read);
            }
        }
        catch (BadHttpRequestException)
        {
            // Kestrel's own body limit.
            return null;
        }

        return buffer.ToArray();
    }

    /// <summary>Encodes a string for a log line or detail without its full length.</summary>
    public static string Shorten(string text) => text.Length <= 64 ? text : text[..64] + "…";

    /// <summary>UTF-8 bytes of a string.</summary>
    public static byte[] Utf8(string text) => Encoding.UTF8.GetBytes(text);
}
