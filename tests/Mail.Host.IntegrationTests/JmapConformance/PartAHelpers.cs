using System.Net;
using System.Net.Http.Headers;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json.Nodes;

namespace Mail.Host.IntegrationTests.JmapConformance;

/// <summary>Small helpers for the RFC 8620 / RFC 8887 conformance tests: requests, calls, mailboxes, blobs, sockets.</summary>
public static class PartAHelpers
{
    public const string Core = "urn:ietf:params:jmap:core";
    public const string MailCapability = "urn:ietf:params:jmap:mail";
    public const string BlobCapability = "urn:ietf:params:jmap:blob";

    private static readonly SemaphoreSlim SharedGate = new(1, 1);
    private static (JmapTestServer Server, JmapClient Client)? shared;

    /// <summary>
    /// One account shared by the tests that only send bad input and read errors (they change nothing a test could
    /// see), so a long list of cases does not create an account each.
    /// </summary>
    public static async Task<JmapClient> SharedClientAsync(this JmapTestServer server)
    {
        await SharedGate.WaitAsync();
        try
        {
            if (shared is not { } current || current.Server != server)
            {
                shared = (server, await server.NewUserAsync("shared"));
            }

            return shared.Value.Client;
        }
        finally
        {
            SharedGate.Release();
        }
    }

    /// <summary>A method call triple.</summary>
    public static JsonArray Call(string name, JsonObject arguments, string id) => new(name, arguments, id);

    /// <summary>A Request object using core and mail.</summary>
    public static JsonObject Request(params JsonArray[] calls) => new()
    {
        ["using"] = new JsonArray(Core, MailCapability),
        ["methodCalls"] = new JsonArray([.. calls.Cast<JsonNode>()]),
    };

    /// <summary>Posts a request that must succeed at the request level; returns the whole Response object.</summary>
    public static async Task<JsonObject> SendAsync(this JmapClient client, JsonObject request)
    {
        var (status, _, body) = await client.PostAsync(request);
        Assert.True(status == HttpStatusCode.OK, $"{(int)status}: {body?.ToJsonString()}");
        return body!.AsObject();
    }

    /// <summary>Sends calls with core+mail; returns the method responses.</summary>
    public static Task<JsonArray> CallsAsync(this JmapClient client, params JsonArray[] calls)
        => client.CallAsync(JmapClient.MailUsing, calls);

    /// <summary>The error type of a method response, or fails when it is not an error.</summary>
    public static string ErrorType(JsonNode? response)
    {
        Assert.True(response![0]!.GetValue<string>() == "error", response.ToJsonString());
        return response[1]!["type"]!.GetValue<string>();
    }

    /// <summary>Creates a mailbox; returns its id.</summary>
    public static async Task<string> CreateMailboxAsync(this JmapClient client, string name, string? parentId = null)
    {
        var result = await client.OkAsync("Mailbox/set", new JsonObject { ["create"] = new JsonObject { ["m"] = new JsonObject { ["name"] = name, ["parentId"] = parentId } } });
        Assert.True(result["created"]?["m"] is not null, result.ToJsonString());
        return result["created"]!["m"]!["id"]!.GetValue<string>();
    }

    public static async Task<string> MailboxStateAsync(this JmapClient client)
        => (await client.OkAsync("Mailbox/get", new JsonObject { ["ids"] = new JsonArray() }))["state"]!.GetValue<string>();

    public static long CoreLimit(this JmapClient client, string name)
        => client.Session["capabilities"]![Core]![name]!.GetValue<long>();

    /// <summary>Uploads bytes; returns the status and the parsed body.</summary>
    public static async Task<(HttpStatusCode Status, JsonNode? Body)> UploadAsync(this JmapClient client, byte[] data, string contentType = "application/octet-stream", string? accountId = null)
    {
        using var content = new ByteArrayContent(data);
        content.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType);
        using var response = await client.Http.PostAsync($"/jmap/upload/{accountId ?? client.AccountId}/", content);
        var text = await response.Content.ReadAsStringAsync();
        JsonNode? body = null;
        try
        {
            body = text.Length > 0 ? JsonNode.Parse(text) : null;
        }
        catch (System.Text.Json.JsonException)
        {
        }

        return (response.StatusCode, body);
    }

    /// <summary>Delivers a message and returns the new email's id.</summary>
    public static async Task<string> DeliverAndFindAsync(this JmapTestServer server, JmapClient client, string subject)
    {
        await server.DeliverAsync(client.Address, subject);
        var query = await client.OkAsync("Email/query", new JsonObject { ["filter"] = new JsonObject { ["subject"] = subject } });
        return query["ids"]![0]!.GetValue<string>();
    }

    /// <summary>A WebSocket connected with the jmap subprotocol and the client's credentials.</summary>
    public static async Task<ClientWebSocket> ConnectWebSocketAsync(this JmapClient client, CancellationToken cancellationToken)
    {
        var socket = new ClientWebSocket();
        socket.Options.AddSubProtocol("jmap");
        socket.Options.SetRequestHeader("Authorization", client.Authorization!);
        var url = client.Session["capabilities"]!["urn:ietf:params:jmap:websocket"]!["url"]!.GetValue<string>();
        await socket.ConnectAsync(new Uri(url), cancellationToken);
        return socket;
    }

    public static Task SendTextAsync(this ClientWebSocket socket, string text, CancellationToken cancellationToken)
        => socket.SendAsync(new ArraySegment<byte>(Encoding.UTF8.GetBytes(text)), WebSocketMessageType.Text, true, cancellationToken);

    public static Task SendJsonAsync(this ClientWebSocket socket, JsonObject message, CancellationToken cancellationToken)
        => socket.SendTextAsync(message.ToJsonString(), cancellationToken);

    public static async Task<JsonObject> ReceiveJsonAsync(this ClientWebSocket socket, CancellationToken cancellationToken)
    {
        var buffer = new byte[64 * 1024];
        using var message = new MemoryStream();
        WebSocketReceiveResult result;
        do
        {
            result = await socket.ReceiveAsync(new ArraySegment<byte>(buffer), cancellationToken);
            Assert.NotEqual(WebSocketMessageType.Close, result.MessageType);
            message.Write(buffer, 0, result.Count);
        }
        while (!result.EndOfMessage);

        return JsonNode.Parse(message.ToArray())!.AsObject();
    }

    /// <summary>Reads one server-sent event (name and JSON data).</summary>
    public static async Task<(string? Event, JsonNode? Data)> ReadEventAsync(StreamReader reader, CancellationToken cancellationToken)
    {
        string? name = null;
        var data = new StringBuilder();
        while (true)
        {
            var line = await reader.ReadLineAsync(cancellationToken) ?? throw new EndOfStreamException("The event stream ended.");
            if (line.Length == 0)
            {
                if (name is null && data.Length == 0)
                {
                    continue;
                }

                return (name, data.Length > 0 ? JsonNode.Parse(data.ToString()) : null);
            }

            if (line.StartsWith("event:", StringComparison.Ordinal))
            {
                name = line[6..].Trim();
            }
            else if (line.StartsWith("data:", StringComparison.Ordinal))
            {
                data.Append(line[5..].Trim());
            }
        }
    }
}
