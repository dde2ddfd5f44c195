using System.Net.WebSockets;
using System.Text.Json.Nodes;

namespace Mail.Host.IntegrationTests.JmapConformance;

/// <summary>RFC 8887: JMAP over WebSocket.</summary>
[Collection(DeploymentCollection.Name)]
public sealed class Rfc8887WebSocketTests(DeploymentFixture fixture)
{
    private static JsonObject EchoRequest(string id, JsonObject? arguments = null) => new()
    {
        ["@type"] = "Request",
        ["id"] = id,
        ["using"] = new JsonArray("urn:ietf:params:jmap:core", "urn:ietf:params:jmap:mail"),
        ["methodCalls"] = new JsonArray(new JsonArray("Core/echo", arguments ?? [], "c1")),
    };

    [Fact]
    public async Task Rfc8887_3_the_capability_advertises_the_url_and_push_support()
    {
        // RFC 8887 §3: "urn:ietf:params:jmap:websocket": url (String), supportsPush (Boolean).
        var server = await JmapTestServer.GetAsync(fixture);
        using var client = await server.NewUserAsync();
        var capability = client.Session["capabilities"]!["urn:ietf:params:jmap:websocket"]!;
        Assert.True(Uri.TryCreate(capability["url"]!.GetValue<string>(), UriKind.Absolute, out var url));
        Assert.Contains(url!.Scheme, new[] { "ws", "wss" });
        Assert.Equal(System.Text.Json.JsonValueKind.True, capability["supportsPush"]!.GetValueKind());
    }

    [Fact]
    public async Task Rfc8887_4_2_the_jmap_subprotocol_is_negotiated()
    {
        // RFC 8887 §4.2: the client "MUST" include "jmap" in Sec-WebSocket-Protocol; the server selects it.
        var server = await JmapTestServer.GetAsync(fixture);
        using var client = await server.NewUserAsync();
        using var cancel = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        using var socket = await client.ConnectWebSocketAsync(cancel.Token);
        Assert.Equal("jmap", socket.SubProtocol);
    }

    [Fact]
    public async Task Rfc8887_4_3_a_Response_carries_the_requestId_and_sessionState()
    {
        // RFC 8887 §4.3.3: "requestId: String (optional; MUST be returned if an identifier is included in the request)"
        var server = await JmapTestServer.GetAsync(fixture);
        using var client = await server.NewUserAsync();
        using var cancel = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        using var socket = await client.ConnectWebSocketAsync(cancel.Token);
        await socket.SendJsonAsync(EchoRequest("req-1", new JsonObject { ["v"] = 1 }), cancel.Token);
        var response = await socket.ReceiveJsonAsync(cancel.Token);
        Assert.Equal("Response", response["@type"]!.GetValue<string>());
        Assert.Equal("req-1", response["requestId"]!.GetValue<string>());
        Assert.Equal(client.Session["state"]!.GetValue<string>(), response["sessionState"]!.GetValue<string>());
        Assert.Equal(1, response["methodResponses"]![0]![1]!["v"]!.GetValue<int>());
    }

    [Fact]
    public async Task Rfc8887_4_3_a_request_without_an_id_is_answered_without_a_requestId()
    {
        // RFC 8887 §4.3.2: "id: String (optional)"
        var server = await JmapTestServer.GetAsync(fixture);
        using var client = await server.NewUserAsync();
        using var cancel = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        using var socket = await client.ConnectWebSocketAsync(cancel.Token);
        var request = EchoRequest("x");
        request.Remove("id");
        await socket.SendJsonAsync(request, cancel.Token);
        var response = await socket.ReceiveJsonAsync(cancel.Token);
        Assert.Equal("Response", response["@type"]!.GetValue<string>());
        Assert.Null(response["requestId"]);
    }

    [Fact]
    public async Task Rfc8887_4_3_4_an_unknown_type_is_a_RequestError_and_the_socket_keeps_working()
    {
        // RFC 8887 §4.3.4: a RequestError is a problem details object with "@type": "RequestError" and the requestId.
        var server = await JmapTestServer.GetAsync(fixture);
        using var client = await server.NewUserAsync();
        using var cancel = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        using var socket = await client.ConnectWebSocketAsync(cancel.Token);
        await socket.SendJsonAsync(new JsonObject { ["@type"] = "Frobnicate", ["id"] = "f1" }, cancel.Token);
        var error = await socket.ReceiveJsonAsync(cancel.Token);
        Assert.Equal("RequestError", error["@type"]!.GetValue<string>());
        Assert.Equal("f1", error["requestId"]!.GetValue<string>());
        Assert.Equal("urn:ietf:params:jmap:error:notRequest", error["type"]!.GetValue<string>());
        Assert.Equal(400, error["status"]!.GetValue<int>());
        Assert.False(string.IsNullOrEmpty(error["detail"]!.GetValue<string>()));
        await socket.SendJsonAsync(EchoRequest("after"), cancel.Token);
        Assert.Equal("after", (await socket.ReceiveJsonAsync(cancel.Token))["requestId"]!.GetValue<string>());
    }

    [Theory]
    [InlineData("[1,2,3]")]
    [InlineData("\"text\"")]
    [InlineData("{\"id\":\"n1\",\"using\":[],\"methodCalls\":[]}")]
    public async Task Rfc8887_4_3_a_message_that_is_not_a_typed_object_is_a_RequestError(string message)
    {
        // RFC 8887 §4.3.1: every message is a JSON object with an "@type".
        var server = await JmapTestServer.GetAsync(fixture);
        using var client = await server.NewUserAsync();
        using var cancel = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        using var socket = await client.ConnectWebSocketAsync(cancel.Token);
        await socket.SendTextAsync(message, cancel.Token);
        var error = await socket.ReceiveJsonAsync(cancel.Token);
        Assert.Equal("RequestError", error["@type"]!.GetValue<string>());
        await socket.SendJsonAsync(EchoRequest("ok"), cancel.Token);
        Assert.Equal("Response", (await socket.ReceiveJsonAsync(cancel.Token))["@type"]!.GetValue<string>());
    }

    [Fact]
    public async Task Rfc8887_4_3_a_message_with_a_duplicate_key_is_notJSON_and_the_socket_keeps_working()
    {
        // RFC 8887 §4.3 / RFC 8620 §3.6.1: I-JSON forbids duplicate names: notJSON.
        var server = await JmapTestServer.GetAsync(fixture);
        using var client = await server.NewUserAsync();
        using var cancel = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        using var socket = await client.ConnectWebSocketAsync(cancel.Token);
        await socket.SendTextAsync("{\"@type\":\"Request\",\"@type\":\"Request\",\"id\":\"d\",\"using\":[],\"methodCalls\":[]}", cancel.Token);
        var error = await socket.ReceiveJsonAsync(cancel.Token);
        Assert.Equal("RequestError", error["@type"]!.GetValue<string>());
        Assert.Equal("urn:ietf:params:jmap:error:notJSON", error["type"]!.GetValue<string>());
        await socket.SendJsonAsync(EchoRequest("still"), cancel.Token);
        Assert.Equal("still", (await socket.ReceiveJsonAsync(cancel.Token))["requestId"]!.GetValue<string>());
    }

    [Fact]
    public async Task Rfc8887_4_3_deeply_nested_json_is_a_RequestError_not_a_dropped_socket()
    {
        // RFC 8887 §4.3.4: a message that cannot be processed gets a RequestError.
        var server = await JmapTestServer.GetAsync(fixture);
        using var client = await server.NewUserAsync();
        using var cancel = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        using var socket = await client.ConnectWebSocketAsync(cancel.Token);
        var deep = "{\"@type\":\"Request\",\"id\":\"deep\",\"using\":[\"urn:ietf:params:jmap:core\"],\"methodCalls\":[[\"Core/echo\",{\"x\":" + new string('[', 10_000) + new string(']', 10_000) + "},\"c\"]]}";
        await socket.SendTextAsync(deep, cancel.Token);
        var error = await socket.ReceiveJsonAsync(cancel.Token);
        Assert.Equal("RequestError", error["@type"]!.GetValue<string>());
        Assert.Equal("urn:ietf:params:jmap:error:notJSON", error["type"]!.GetValue<string>());
        await socket.SendJsonAsync(EchoRequest("alive"), cancel.Token);
        Assert.Equal("alive", (await socket.ReceiveJsonAsync(cancel.Token))["requestId"]!.GetValue<string>());
    }

    [Fact]
    public async Task Rfc8887_4_3_5_push_enable_with_dataTypes_sends_only_those_types_with_a_pushState()
    {
        // RFC 8887 §4.3.5.2: "dataTypes: String[]|null A list of data type names the client is interested in"; §4.3.5.1: StateChange has "pushState".
        var server = await JmapTestServer.GetAsync(fixture);
        using var client = await server.NewUserAsync();
        using var cancel = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        using var socket = await client.ConnectWebSocketAsync(cancel.Token);
        await socket.SendJsonAsync(new JsonObject { ["@type"] = "WebSocketPushEnable", ["dataTypes"] = new JsonArray("Mailbox") }, cancel.Token);
        await socket.SendJsonAsync(EchoRequest("sync"), cancel.Token);
        Assert.Equal("sync", (await socket.ReceiveJsonAsync(cancel.Token))["requestId"]!.GetValue<string>());
        await server.DeliverAsync(client.Address, "Socket types");
        var push = await socket.ReceiveJsonAsync(cancel.Token);
        Assert.Equal("StateChange", push["@type"]!.GetValue<string>());
        Assert.Equal(["Mailbox"], push["changed"]![client.AccountId]!.AsObject().Select(p => p.Key));
        Assert.False(string.IsNullOrEmpty(push["pushState"]?.GetValue<string>()), push.ToJsonString());
    }

    [Fact]
    public async Task Rfc8887_4_3_5_push_enable_with_an_old_pushState_sends_the_changes_since()
    {
        // RFC 8887 §4.3.5.2: "pushState ... Upon receipt of a 'pushState' token, the server SHOULD immediately send all changes since that state token."
        var server = await JmapTestServer.GetAsync(fixture);
        using var client = await server.NewUserAsync();
        using var cancel = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        string pushState;
        using (var first = await client.ConnectWebSocketAsync(cancel.Token))
        {
            await first.SendJsonAsync(new JsonObject { ["@type"] = "WebSocketPushEnable", ["dataTypes"] = null }, cancel.Token);
            await first.SendJsonAsync(EchoRequest("sync"), cancel.Token);
            await first.ReceiveJsonAsync(cancel.Token);
            await client.CreateMailboxAsync("Before reconnect");
            var push = await first.ReceiveJsonAsync(cancel.Token);
            pushState = push["pushState"]!.GetValue<string>();
            await first.CloseAsync(WebSocketCloseStatus.NormalClosure, null, cancel.Token);
        }

        await client.CreateMailboxAsync("While away");
        using var second = await client.ConnectWebSocketAsync(cancel.Token);
        await second.SendJsonAsync(new JsonObject { ["@type"] = "WebSocketPushEnable", ["dataTypes"] = null, ["pushState"] = pushState }, cancel.Token);
        var caughtUp = await second.ReceiveJsonAsync(cancel.Token);
        Assert.Equal("StateChange", caughtUp["@type"]!.GetValue<string>());
        Assert.Equal(await client.MailboxStateAsync(), caughtUp["changed"]![client.AccountId]!["Mailbox"]!.GetValue<string>());
        Assert.NotEqual(pushState, caughtUp["pushState"]!.GetValue<string>());
    }

    [Fact]
    public async Task Rfc8887_4_3_5_push_enable_with_the_current_pushState_sends_nothing()
    {
        // RFC 8887 §4.3.5.2: only changes since the pushState are sent; none when there are none.
        var server = await JmapTestServer.GetAsync(fixture);
        using var client = await server.NewUserAsync();
        using var cancel = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        using var socket = await client.ConnectWebSocketAsync(cancel.Token);
        await socket.SendJsonAsync(new JsonObject { ["@type"] = "WebSocketPushEnable", ["dataTypes"] = null }, cancel.Token);
        await socket.SendJsonAsync(EchoRequest("sync"), cancel.Token);
        await socket.ReceiveJsonAsync(cancel.Token);
        await client.CreateMailboxAsync("Current state");
        var push = await socket.ReceiveJsonAsync(cancel.Token);
        var pushState = push["pushState"]!.GetValue<string>();
        await socket.SendJsonAsync(new JsonObject { ["@type"] = "WebSocketPushEnable", ["dataTypes"] = null, ["pushState"] = pushState }, cancel.Token);
        await socket.SendJsonAsync(EchoRequest("next"), cancel.Token);
        var next = await socket.ReceiveJsonAsync(cancel.Token);
        Assert.Equal("Response", next["@type"]!.GetValue<string>());
        Assert.Equal("next", next["requestId"]!.GetValue<string>());
    }

    [Fact]
    public async Task Rfc8887_4_3_5_3_push_disable_stops_pushes()
    {
        // RFC 8887 §4.3.5.3: "WebSocketPushDisable ... the server MUST stop sending push notifications"
        var server = await JmapTestServer.GetAsync(fixture);
        using var client = await server.NewUserAsync();
        using var cancel = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        using var socket = await client.ConnectWebSocketAsync(cancel.Token);
        await socket.SendJsonAsync(new JsonObject { ["@type"] = "WebSocketPushEnable", ["dataTypes"] = new JsonArray("Mailbox") }, cancel.Token);
        await socket.SendJsonAsync(new JsonObject { ["@type"] = "WebSocketPushDisable" }, cancel.Token);
        await socket.SendJsonAsync(EchoRequest("sync"), cancel.Token);
        Assert.Equal("sync", (await socket.ReceiveJsonAsync(cancel.Token))["requestId"]!.GetValue<string>());
        await client.CreateMailboxAsync("Not pushed");
        await Task.Delay(300, cancel.Token);
        await socket.SendJsonAsync(EchoRequest("after"), cancel.Token);
        var next = await socket.ReceiveJsonAsync(cancel.Token);
        Assert.Equal("Response", next["@type"]!.GetValue<string>());
        Assert.Equal("after", next["requestId"]!.GetValue<string>());
    }

    [Fact]
    public async Task Rfc8887_4_3_4_a_message_over_maxSizeRequest_is_the_limit_RequestError()
    {
        // RFC 8887 §4.3.4 with RFC 8620 §3.6.1: "limit ... the 'limit' property MUST name the limit".
        var server = await JmapTestServer.GetAsync(fixture);
        using var client = await server.NewUserAsync();
        using var cancel = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        using var socket = await client.ConnectWebSocketAsync(cancel.Token);
        var max = client.CoreLimit("maxSizeRequest");
        var huge = "{\"@type\":\"Request\",\"id\":\"big\",\"using\":[\"urn:ietf:params:jmap:core\"],\"methodCalls\":[[\"Core/echo\",{\"s\":\"" + new string('x', (int)max) + "\"},\"c\"]]}";
        await socket.SendTextAsync(huge, cancel.Token);
        var error = await socket.ReceiveJsonAsync(cancel.Token);
        Assert.Equal("RequestError", error["@type"]!.GetValue<string>());
        Assert.Equal("urn:ietf:params:jmap:error:limit", error["type"]!.GetValue<string>());
        Assert.Equal("maxSizeRequest", error["limit"]!.GetValue<string>());
        await socket.SendJsonAsync(EchoRequest("small"), cancel.Token);
        Assert.Equal("small", (await socket.ReceiveJsonAsync(cancel.Token))["requestId"]!.GetValue<string>());
    }

    [Fact]
    public async Task Rfc8887_4_3_a_binary_frame_is_a_RequestError()
    {
        // RFC 8887 §4.3: JMAP messages are text frames holding JSON.
        var server = await JmapTestServer.GetAsync(fixture);
        using var client = await server.NewUserAsync();
        using var cancel = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        using var socket = await client.ConnectWebSocketAsync(cancel.Token);
        await socket.SendAsync(new ArraySegment<byte>([1, 2, 3]), WebSocketMessageType.Binary, true, cancel.Token);
        var error = await socket.ReceiveJsonAsync(cancel.Token);
        Assert.Equal("RequestError", error["@type"]!.GetValue<string>());
        await socket.SendJsonAsync(EchoRequest("text"), cancel.Token);
        Assert.Equal("text", (await socket.ReceiveJsonAsync(cancel.Token))["requestId"]!.GetValue<string>());
    }
}
