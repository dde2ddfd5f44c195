using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json.Nodes;
using System.Threading.Channels;

namespace Mail.Host.IntegrationTests;

/// <summary>
/// PushSubscription (RFC 8620 §7.2) against a real HTTP listener in the test: the PushVerification arrives on create,
/// the client verifies with PushSubscription/set, then SMTP delivery leads to a StateChange POST for the subscribed
/// types; a destroyed subscription gets nothing more. The test server allows http to loopback
/// (<c>AllowHttpPushToLoopback</c>); anything else but https is refused.
/// </summary>
[Collection(DeploymentCollection.Name)]
public sealed class JmapPushSubscriptionTests(DeploymentFixture fixture)
{
    [Fact]
    public async Task Verification_then_a_StateChange_post_after_smtp_delivery_and_none_after_destroy()
    {
        var server = await JmapTestServer.GetAsync(fixture);
        using var client = await server.NewUserAsync("push");
        using var receiver = new PushReceiver();

        var created = await client.OkAsync("PushSubscription/set", new JsonObject
        {
            ["create"] = new JsonObject
            {
                ["p"] = new JsonObject { ["deviceClientId"] = "device-1", ["url"] = receiver.Url, ["types"] = new JsonArray("Email", "EmailDelivery") },
            },
        });
        var id = created["created"]!["p"]!["id"]!.GetValue<string>();
        Assert.NotNull(created["created"]!["p"]!["expires"]);

        var verification = await receiver.NextAsync(TimeSpan.FromSeconds(10));
        Assert.Equal("application/json", verification.ContentType);
        Assert.NotNull(verification.Ttl);
        Assert.Equal("PushVerification", verification.Body["@type"]!.GetValue<string>());
        Assert.Equal(id, verification.Body["pushSubscriptionId"]!.GetValue<string>());
        var code = verification.Body["verificationCode"]!.GetValue<string>();

        // Before verification the code is not shown, and a wrong code is refused.
        var get = await client.OkAsync("PushSubscription/get", new JsonObject());
        Assert.Null(get["list"]![0]!["verificationCode"]);
        Assert.False(get["list"]![0]!.AsObject().ContainsKey("url"));
        var wrong = await client.OkAsync("PushSubscription/set", new JsonObject { ["update"] = new JsonObject { [id] = new JsonObject { ["verificationCode"] = "nope" } } });
        Assert.Equal("invalidProperties", wrong["notUpdated"]![id]!["type"]!.GetValue<string>());

        // Unverified, a delivery sends nothing.
        await JmapVacationTests.SendAsync(server, "pusher@elsewhere.test", client.Address, "Before verification");
        await Task.Delay(1500);
        Assert.False(receiver.TryNext(out _));

        var verified = await client.OkAsync("PushSubscription/set", new JsonObject { ["update"] = new JsonObject { [id] = new JsonObject { ["verificationCode"] = code } } });
        Assert.True(verified["updated"]!.AsObject().ContainsKey(id), verified.ToJsonString());
        get = await client.OkAsync("PushSubscription/get", new JsonObject { ["ids"] = new JsonArray(id) });
        Assert.Equal(code, get["list"]![0]!["verificationCode"]!.GetValue<string>());

        var state = (await client.OkAsync("Email/get", new JsonObject { ["ids"] = new JsonArray() }))["state"]!.GetValue<string>();
        await JmapVacationTests.SendAsync(server, "pusher@elsewhere.test", client.Address, "After verification");
        var push = await receiver.NextAsync(TimeSpan.FromSeconds(5));
        Assert.Equal("StateChange", push.Body["@type"]!.GetValue<string>());
        var changed = push.Body["changed"]![client.AccountId]!.AsObject();
        Assert.NotEqual(state, changed["Email"]!.GetValue<string>());
        Assert.True(changed.ContainsKey("EmailDelivery"));
        Assert.All(changed, p => Assert.Contains(p.Key, new[] { "Email", "EmailDelivery" }));

        // A keyword change moves Email but not EmailDelivery.
        var inbox = await client.OkAsync("Email/query", new JsonObject());
        var emailId = inbox["ids"]![0]!.GetValue<string>();
        await client.OkAsync("Email/set", new JsonObject { ["update"] = new JsonObject { [emailId] = new JsonObject { ["keywords/$seen"] = true } } });
        push = await receiver.NextAsync(TimeSpan.FromSeconds(5));
        changed = push.Body["changed"]![client.AccountId]!.AsObject();
        Assert.Equal(["Email"], changed.Select(p => p.Key));

        var destroyed = await client.OkAsync("PushSubscription/set", new JsonObject { ["destroy"] = new JsonArray(id) });
        Assert.Equal(id, destroyed["destroyed"]![0]!.GetValue<string>());
        await JmapVacationTests.SendAsync(server, "pusher@elsewhere.test", client.Address, "After destroy");
        await Task.Delay(1500);
        Assert.False(receiver.TryNext(out var late), late?.Body.ToJsonString());
    }

    [Fact]
    public async Task Create_refuses_plain_http_off_loopback_encryption_keys_unknown_types_and_a_past_expiry()
    {
        var server = await JmapTestServer.GetAsync(fixture);
        using var client = await server.NewUserAsync("push");
        var result = await client.OkAsync("PushSubscription/set", new JsonObject
        {
            ["create"] = new JsonObject
            {
                ["http"] = new JsonObject { ["deviceClientId"] = "d", ["url"] = "http://push.example.com/endpoint" },
                ["keys"] = new JsonObject { ["deviceClientId"] = "d", ["url"] = "https://push.example.com/endpoint", ["keys"] = new JsonObject { ["p256dh"] = "x", ["auth"] = "y" } },
                ["types"] = new JsonObject { ["deviceClientId"] = "d", ["url"] = "https://push.example.com/endpoint", ["types"] = new JsonArray("Nonsense") },
                ["past"] = new JsonObject { ["deviceClientId"] = "d", ["url"] = "https://push.example.com/endpoint", ["expires"] = "2001-01-01T00:00:00Z" },
                ["ok"] = new JsonObject { ["deviceClientId"] = "d", ["url"] = "https://push.example.com/endpoint", ["expires"] = DateTimeOffset.UtcNow.AddHours(1).UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", System.Globalization.CultureInfo.InvariantCulture) },
            },
        });
        foreach (var (name, property) in new[] { ("http", "url"), ("keys", "keys"), ("types", "types"), ("past", "expires") })
        {
            Assert.Equal("invalidProperties", result["notCreated"]![name]!["type"]!.GetValue<string>());
            Assert.Equal(property, result["notCreated"]![name]!["properties"]![0]!.GetValue<string>());
        }

        var expires = DateTimeOffset.Parse(result["created"]!["ok"]!["expires"]!.GetValue<string>(), System.Globalization.CultureInfo.InvariantCulture);
        Assert.True(expires < DateTimeOffset.UtcNow.AddHours(2), "the expiry the client asked for is kept when it is sooner than the server's limit");
    }

    /// <summary>An HTTP endpoint on a free loopback port that records every POST it receives.</summary>
    private sealed class PushReceiver : IDisposable
    {
        private readonly HttpListener listener = new();
        private readonly Channel<Received> received = Channel.CreateUnbounded<Received>();

        public PushReceiver()
        {
            var probe = new TcpListener(IPAddress.Loopback, 0);
            probe.Start();
            var port = ((IPEndPoint)probe.LocalEndpoint).Port;
            probe.Stop();
            Url = $"http://127.0.0.1:{port}/push/";
            listener.Prefixes.Add(Url);
            listener.Start();
            _ = Task.Run(LoopAsync);
        }

        public string Url { get; }

        public async Task<Received> NextAsync(TimeSpan timeout)
        {
            using var cancel = new CancellationTokenSource(timeout);
            try
            {
                return await received.Reader.ReadAsync(cancel.Token);
            }
            catch (OperationCanceledException)
            {
                Assert.Fail($"No push arrived at {Url} within {timeout.TotalSeconds} s.");
                throw;
            }
        }

        public bool TryNext(out Received? item) => received.Reader.TryRead(out item);

        public void Dispose() => listener.Close();

        private async Task LoopAsync()
        {
            while (listener.IsListening)
            {
                HttpListenerContext context;
                try
                {
                    context = await listener.GetContextAsync();
                }
                catch (Exception ex) when (ex is HttpListenerException or ObjectDisposedException or InvalidOperationException)
                {
                    return;
                }

                using var reader = new StreamReader(context.Request.InputStream, Encoding.UTF8);
                var text = await reader.ReadToEndAsync();
                received.Writer.TryWrite(new Received(
                    context.Request.ContentType?.Split(';')[0].Trim() ?? string.Empty,
                    context.Request.Headers["TTL"],
                    JsonNode.Parse(text)!.AsObject()));
                context.Response.StatusCode = 201;
                context.Response.Close();
            }
        }
    }

    private sealed record Received(string ContentType, string? Ttl, JsonObject Body);
}
