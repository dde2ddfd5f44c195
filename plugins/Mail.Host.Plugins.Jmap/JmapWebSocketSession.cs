using System.Net.WebSockets;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;

namespace Mail.Host.Plugins.Jmap;

/// <summary>
/// One JMAP-over-WebSocket connection (RFC 8887): Request messages answered with Response (or RequestError)
/// messages carrying the request's id as <c>requestId</c>; WebSocketPushEnable and WebSocketPushDisable turn
/// StateChange pushes on and off.
/// </summary>
internal sealed class JmapWebSocketSession(JmapServer server, JmapApi api, JmapPush push, JmapUser user, WebSocket socket, ILogger logger)
{
    private readonly SemaphoreSlim sendLock = new(1, 1);
    private JmapPush.Channel? channel;

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        var buffer = new byte[64 * 1024];
        try
        {
            while (socket.State == WebSocketState.Open)
            {
                using var message = new MemoryStream();
                WebSocketReceiveResult result;
                var tooLarge = false;
                do
                {
                    result = await socket.ReceiveAsync(buffer, cancellationToken).ConfigureAwait(false);
                    if (result.MessageType == WebSocketMessageType.Close)
                    {
                        await socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, cancellationToken).ConfigureAwait(false);
                        return;
                    }

                    if (message.Length + result.Count > server.Options.MaxSizeRequest)
                    {
                        tooLarge = true;
                    }
                    else
                    {
                        message.Write(buffer, 0, result.Count);
                    }
                }
                while (!result.EndOfMessage);

                if (tooLarge)
                {
                    await SendErrorAsync(null, JmapProblem.Limit, $"The message is larger than maxSizeRequest ({server.Options.MaxSizeRequest} bytes).", "maxSizeRequest", cancellationToken).ConfigureAwait(false);
                    continue;
                }

                if (result.MessageType != WebSocketMessageType.Text)
                {
                    await SendErrorAsync(null, JmapProblem.NotJson, "JMAP messages are sent as text frames.", null, cancellationToken).ConfigureAwait(false);
                    continue;
                }

                await HandleAsync(message.ToArray(), cancellationToken).ConfigureAwait(false);
            }
        }
        catch (Exception ex) when (ex is WebSocketException or OperationCanceledException or IOException)
        {
            logger.LogDebug(ex, "JMAP WebSocket of {User} ended", user.Name);
        }
        finally
        {
            if (channel is not null)
            {
                await channel.DisposeAsync().ConfigureAwait(false);
            }
        }
    }

    private async Task HandleAsync(byte[] message, CancellationToken cancellationToken)
    {
        JsonObject? obj;
        try
        {
            obj = JsonNode.Parse(message, documentOptions: new JsonDocumentOptions { MaxDepth = 128 }) as JsonObject;

            // Reading the members finds a duplicate name (not I-JSON) here rather than later.
            _ = obj?.Count;
        }
        catch (Exception ex) when (ex is JsonException or ArgumentException or InvalidOperationException)
        {
            await SendErrorAsync(null, JmapProblem.NotJson, "The message is not valid I-JSON: " + ex.Message, null, cancellationToken).ConfigureAwait(false);
            return;
        }

        var requestId = obj?["id"] is JsonValue idValue && idValue.TryGetValue<string>(out var id) ? id : null;
        var type = obj?["@type"] is JsonValue typeValue && typeValue.TryGetValue<string>(out var t) ? t : null;
        switch (type)
        {
            case "Request":
                if (!api.TryEnter(user))
                {
                    await SendErrorAsync(requestId, JmapProblem.Limit, $"maxConcurrentRequests ({server.Options.MaxConcurrentRequests}) reached.", "maxConcurrentRequests", cancellationToken).ConfigureAwait(false);
                    return;
                }

                try
                {
                    var (response, problem) = await api.ProcessAsync(user, message, cancellationToken, webSocket: true).ConfigureAwait(false);
                    if (problem is not null)
                    {
                        await SendErrorAsync(requestId, problem.Type, problem.Detail, problem.Limit, cancellationToken).ConfigureAwait(false);
                    }
                    else
                    {
                        await SendAsync(response!, cancellationToken).ConfigureAwait(false);
                    }
                }
                finally
                {
                    api.Leave(user);
                }

                break;
            case "WebSocketPushEnable":
                HashSet<string>? types = null;
                if (obj!["dataTypes"] is JsonArray dataTypes)
                {
                    types = [.. dataTypes.Select(d => d?.GetValueKind() == JsonValueKind.String ? d.GetValue<string>() : string.Empty)];
                }

                if (channel is null)
                {
                    channel = await JmapPush.Channel.OpenAsync(push, server, user, types, change => SendAsync(change, CancellationToken.None), cancellationToken, withPushState: true).ConfigureAwait(false);
                }
                else
                {
                    channel.Types = types;
                }

                if (obj["pushState"] is JsonValue pushStateValue && pushStateValue.TryGetValue<string>(out var pushState))
                {
                    await channel.SendSinceAsync(pushState).ConfigureAwait(false);
                }

                break;
            case "WebSocketPushDisable":
                if (channel is not null)
                {
                    await channel.DisposeAsync().ConfigureAwait(false);
                    channel = null;
                }

                break;
            default:
                await SendErrorAsync(requestId, JmapProblem.NotRequest, "The message's @type must be Request, WebSocketPushEnable or WebSocketPushDisable.", null, cancellationToken).ConfigureAwait(false);
                break;
        }
    }

    private Task SendErrorAsync(string? requestId, string type, string detail, string? limit, CancellationToken cancellationToken)
    {
        var error = new JsonObject { ["@type"] = "RequestError" };
        if (requestId is not null)
        {
            error["requestId"] = requestId;
        }

        error["type"] = type;
        error["status"] = 400;
        error["detail"] = detail;
        if (limit is not null)
        {
            error["limit"] = limit;
        }

        return SendAsync(error, cancellationToken);
    }

    private async Task SendAsync(JsonObject message, CancellationToken cancellationToken)
    {
        var bytes = JsonSerializer.SerializeToUtf8Bytes(message);
        await sendLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (socket.State == WebSocketState.Open)
            {
                await socket.SendAsync(bytes, WebSocketMessageType.Text, true, cancellationToken).ConfigureAwait(false);
            }
        }
        finally
        {
            sendLock.Release();
        }
    }
}
