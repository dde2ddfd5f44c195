using System.Diagnostics;
using System.Net;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json.Nodes;
using MailKit.Net.Smtp;
using MimeKit;

using Mail.Host.IntegrationTests.JmapConformance;

namespace Mail.Host.IntegrationTests;

/// <summary>
/// Push (RFC 8620 §7.3 EventSource, RFC 8887 WebSocket) against the real server: a StateChange arrives within one
/// second of an SMTP delivery; closeafter, ping, push enable/disable and WebSocket request/response.
/// </summary>
[Collection(DeploymentCollection.Name)]
public sealed class JmapPushTests(DeploymentFixture fixture)
{
    [Fact]
    public async Task EventSource_sends_a_StateChange_within_one_second_of_an_smtp_delivery()
    {
        var server = await JmapTestServer.GetAsync(fixture);
        using var client = await server.NewUserAsync();
        using var cancel = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        using var response = await client.Http.SendAsync(new HttpRequestMessage(HttpMethod.Get, "/jmap/eventsource/?types=Email,Mailbox&closeafter=no&ping=0"), HttpCompletionOption.ResponseHeadersRead, cancel.Token);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(cancel.Token));

        // The stream opens with the current states.
        var first = await PartAHelpers.ReadEventAsync(reader, cancel.Token);
        Assert.Equal("state", first.Event);
        var initial = first.Data!["changed"]![client.AccountId]!["Email"]!.GetValue<string>();

        var watch = Stopwatch.StartNew();
        await SendSmtpAsync(server.SmtpPort, client.Address, "Push me");
        var sent = watch.Elapsed;
        var next = await PartAHelpers.ReadEventAsync(reader, cancel.Token);
        var latency = watch.Elapsed - sent;
        Assert.Equal("state", next.Event);
        Assert.Equal("StateChange", next.Data!["@type"]!.GetValue<string>());
        var changed = next.Data["changed"]![client.AccountId]!.AsObject();
        Assert.NotEqual(initial, changed["Email"]!.GetValue<string>());
        Assert.All(changed, p => Assert.Contains(p.Key, new[] { "Email", "Mailbox" }));
        Assert.True(latency < TimeSpan.FromSeconds(1), $"StateChange came {latency.TotalMilliseconds:F0} ms after the SMTP transaction");
    }

    [Fact]
    public async Task EventSource_closeafter_state_ends_the_response_and_ping_sends_pings()
    {
        var server = await JmapTestServer.GetAsync(fixture);
        using var client = await server.NewUserAsync();
        using var cancel = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        using (var pinged = await client.Http.SendAsync(new HttpRequestMessage(HttpMethod.Get, "/jmap/eventsource/?types=*&closeafter=no&ping=1"), HttpCompletionOption.ResponseHeadersRead, cancel.Token))
        {
            using var reader = new StreamReader(await pinged.Content.ReadAsStreamAsync(cancel.Token));
            Assert.Equal("state", (await PartAHelpers.ReadEventAsync(reader, cancel.Token)).Event);
            var ping = await PartAHelpers.ReadEventAsync(reader, cancel.Token);
            Assert.Equal("ping", ping.Event);
            Assert.Equal(1, ping.Data!["interval"]!.GetValue<int>());
        }

        using var response = await client.Http.SendAsync(new HttpRequestMessage(HttpMethod.Get, "/jmap/eventsource/?types=*&closeafter=state&ping=0"), HttpCompletionOption.ResponseHeadersRead, cancel.Token);
        using var stream = new StreamReader(await response.Content.ReadAsStreamAsync(cancel.Token));
        Assert.StartsWith(":", await stream.ReadLineAsync(cancel.Token));
        await server.DeliverAsync(client.Address, "Close after");
        var change = await PartAHelpers.ReadEventAsync(stream, cancel.Token);
        Assert.Equal("state", change.Event);
        var rest = await stream.ReadToEndAsync(cancel.Token);
        Assert.DoesNotContain("event:", rest);

        using var bad = await client.Http.GetAsync("/jmap/eventsource/?types=Nope&closeafter=no&ping=0");
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        using var badClose = await client.Http.GetAsync("/jmap/eventsource/?types=*&closeafter=maybe&ping=0");
        Assert.Equal(HttpStatusCode.BadRequest, badClose.StatusCode);
    }

    [Fact]
    public async Task WebSocket_answers_requests_with_requestId_and_pushes_StateChange_when_enabled()
    {
        var server = await JmapTestServer.GetAsync(fixture);
        using var client = await server.NewUserAsync();
        using var socket = new ClientWebSocket();
        socket.Options.AddSubProtocol("jmap");
        socket.Options.SetRequestHeader("Authorization", client.Authorization!);
        using var cancel = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var url = client.Session["capabilities"]!["urn:ietf:params:jmap:websocket"]!["url"]!.GetValue<string>();
        await socket.ConnectAsync(new Uri(url), cancel.Token);
        Assert.Equal("jmap", socket.SubProtocol);

        await socket.SendJsonAsync(new JsonObject
        {
            ["@type"] = "Request",
            ["id"] = "r1",
            ["using"] = new JsonArray("urn:ietf:params:jmap:core"),
            ["methodCalls"] = new JsonArray(new JsonArray("Core/echo", new JsonObject { ["ping"] = "pong" }, "c1")),
        }, cancel.Token);
        var response = await socket.ReceiveJsonAsync(cancel.Token);
        Assert.Equal("Response", response["@type"]!.GetValue<string>());
        Assert.Equal("r1", response["requestId"]!.GetValue<string>());
        Assert.Equal("pong", response["methodResponses"]![0]![1]!["ping"]!.GetValue<string>());

        await socket.SendJsonAsync(new JsonObject { ["@type"] = "Request", ["id"] = "r2", ["using"] = new JsonArray("urn:example:unknown"), ["methodCalls"] = new JsonArray() }, cancel.Token);
        var error = await socket.ReceiveJsonAsync(cancel.Token);
        Assert.Equal("RequestError", error["@type"]!.GetValue<string>());
        Assert.Equal("r2", error["requestId"]!.GetValue<string>());
        Assert.Equal("urn:ietf:params:jmap:error:unknownCapability", error["type"]!.GetValue<string>());

        await socket.SendAsync(Encoding.UTF8.GetBytes("{not json"), WebSocketMessageType.Text, true, cancel.Token);
        Assert.Equal("urn:ietf:params:jmap:error:notJSON", (await socket.ReceiveJsonAsync(cancel.Token))["type"]!.GetValue<string>());

        await socket.SendJsonAsync(new JsonObject { ["@type"] = "WebSocketPushEnable", ["dataTypes"] = null }, cancel.Token);

        // The push is set up once the enable message is read; a request round trip after it makes sure of that.
        await socket.SendJsonAsync(new JsonObject { ["@type"] = "Request", ["id"] = "r3", ["using"] = new JsonArray("urn:ietf:params:jmap:core"), ["methodCalls"] = new JsonArray() }, cancel.Token);
        Assert.Equal("r3", (await socket.ReceiveJsonAsync(cancel.Token))["requestId"]!.GetValue<string>());
        var watch = Stopwatch.StartNew();
        await SendSmtpAsync(server.SmtpPort, client.Address, "Over the socket");
        var sent = watch.Elapsed;
        var push = await socket.ReceiveJsonAsync(cancel.Token);
        var latency = watch.Elapsed - sent;
        Assert.Equal("StateChange", push["@type"]!.GetValue<string>());
        Assert.NotNull(push["changed"]![client.AccountId]!["Email"]);
        Assert.NotNull(push["changed"]![client.AccountId]!["EmailDelivery"]);
        Assert.True(latency < TimeSpan.FromSeconds(1), $"StateChange came {latency.TotalMilliseconds:F0} ms after the SMTP transaction");

        await socket.SendJsonAsync(new JsonObject { ["@type"] = "WebSocketPushDisable" }, cancel.Token);
        await socket.SendJsonAsync(new JsonObject { ["@type"] = "Request", ["id"] = "r4", ["using"] = new JsonArray("urn:ietf:params:jmap:core"), ["methodCalls"] = new JsonArray() }, cancel.Token);
        Assert.Equal("r4", (await socket.ReceiveJsonAsync(cancel.Token))["requestId"]!.GetValue<string>());
        await server.DeliverAsync(client.Address, "Not pushed");
        await socket.SendJsonAsync(new JsonObject { ["@type"] = "Request", ["id"] = "r5", ["using"] = new JsonArray("urn:ietf:params:jmap:core"), ["methodCalls"] = new JsonArray() }, cancel.Token);
        var afterDisable = await socket.ReceiveJsonAsync(cancel.Token);
        Assert.Equal("Response", afterDisable["@type"]!.GetValue<string>());
        Assert.Equal("r5", afterDisable["requestId"]!.GetValue<string>());
        await socket.CloseAsync(WebSocketCloseStatus.NormalClosure, null, cancel.Token);
    }

    [Fact]
    public async Task WebSocket_without_the_jmap_subprotocol_or_credentials_is_refused()
    {
        var server = await JmapTestServer.GetAsync(fixture);
        using var client = await server.NewUserAsync();
        var url = new Uri(client.Session["capabilities"]!["urn:ietf:params:jmap:websocket"]!["url"]!.GetValue<string>());
        using (var noProtocol = new ClientWebSocket())
        {
            noProtocol.Options.SetRequestHeader("Authorization", client.Authorization!);
            await Assert.ThrowsAsync<WebSocketException>(() => noProtocol.ConnectAsync(url, CancellationToken.None));
        }

        using var anonymous = new ClientWebSocket();
        anonymous.Options.AddSubProtocol("jmap");
        await Assert.ThrowsAsync<WebSocketException>(() => anonymous.ConnectAsync(url, CancellationToken.None));
    }

    private static async Task SendSmtpAsync(int port, string to, string subject)
    {
        var message = new MimeMessage();
        message.From.Add(MailboxAddress.Parse("pusher@elsewhere.test"));
        message.To.Add(MailboxAddress.Parse(to));
        message.Subject = subject;
        message.Body = new TextPart("plain") { Text = "push test" };
        using var smtp = new SmtpClient();
        await smtp.ConnectAsync("127.0.0.1", port, MailKit.Security.SecureSocketOptions.None);
        await smtp.SendAsync(message);
        await smtp.DisconnectAsync(true);
    }
}
