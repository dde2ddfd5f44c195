using System.Globalization;
using System.Net;
using System.Text.Json.Nodes;
using static Mail.Host.IntegrationTests.JmapConformance.PartAHelpers;

namespace Mail.Host.IntegrationTests.JmapConformance;

/// <summary>RFC 8620 §7: StateChange, PushSubscription and EventSource.</summary>
[Collection(DeploymentCollection.Name)]
public sealed class Rfc8620PushTests(DeploymentFixture fixture)
{
    private const string Endpoint = "https://push.example.com/endpoint";

    private static async Task<string> SubscribeAsync(JmapClient client, JsonObject? extra = null)
    {
        var create = new JsonObject { ["deviceClientId"] = "device-" + Guid.NewGuid().ToString("N"), ["url"] = Endpoint };
        foreach (var (key, value) in extra ?? [])
        {
            create[key] = value?.DeepClone();
        }

        var result = await client.OkAsync("PushSubscription/set", new JsonObject { ["create"] = new JsonObject { ["p"] = create } });
        Assert.True(result["created"]?["p"] is not null, result.ToJsonString());
        return result["created"]!["p"]!["id"]!.GetValue<string>();
    }

    private static async Task<HttpResponseMessage> OpenEventSourceAsync(JmapClient client, string query, CancellationToken cancellationToken)
        => await client.Http.SendAsync(new HttpRequestMessage(HttpMethod.Get, "/jmap/eventsource/?" + query), HttpCompletionOption.ResponseHeadersRead, cancellationToken);

    [Fact]
    public async Task Rfc8620_7_1_a_StateChange_has_type_and_a_state_per_changed_type_per_account()
    {
        // RFC 8620 §7.1: StateChange: "@type: 'StateChange'"; "changed: Id[TypeState]"
        var server = await JmapTestServer.GetAsync(fixture);
        using var client = await server.NewUserAsync();
        using var cancel = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        using var response = await OpenEventSourceAsync(client, "types=Mailbox&closeafter=no&ping=0", cancel.Token);
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(cancel.Token));
        var first = await ReadEventAsync(reader, cancel.Token);
        Assert.Equal("state", first.Event);
        Assert.Equal("StateChange", first.Data!["@type"]!.GetValue<string>());
        await client.CreateMailboxAsync("Pushed mailbox");
        var change = await ReadEventAsync(reader, cancel.Token);
        Assert.Equal("state", change.Event);
        Assert.Equal("StateChange", change.Data!["@type"]!.GetValue<string>());
        var changed = change.Data["changed"]![client.AccountId]!.AsObject();
        Assert.Equal(await client.MailboxStateAsync(), changed["Mailbox"]!.GetValue<string>());
    }

    [Fact]
    public async Task Rfc8620_7_3_the_types_parameter_limits_the_types_reported()
    {
        // RFC 8620 §7.3: "types: ... a comma-separated list of type names ... the client is interested in"
        var server = await JmapTestServer.GetAsync(fixture);
        using var client = await server.NewUserAsync();
        using var cancel = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        using var response = await OpenEventSourceAsync(client, "types=Mailbox&closeafter=no&ping=0", cancel.Token);
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(cancel.Token));
        await ReadEventAsync(reader, cancel.Token);
        await server.DeliverAsync(client.Address, "Types filtered");
        var change = await ReadEventAsync(reader, cancel.Token);
        Assert.Equal(["Mailbox"], change.Data!["changed"]![client.AccountId]!.AsObject().Select(p => p.Key));
    }

    [Fact]
    public async Task Rfc8620_7_3_a_ping_above_the_server_maximum_is_clamped_not_refused()
    {
        // RFC 8620 §7.3: "The server MAY modify the interval given as a query parameter to be subject to a minimum and/or maximum value."
        var server = await JmapTestServer.GetAsync(fixture);
        using var client = await server.NewUserAsync();
        using var cancel = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        using var response = await OpenEventSourceAsync(client, "types=*&closeafter=no&ping=99999", cancel.Token);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(cancel.Token));
        Assert.Equal("state", (await ReadEventAsync(reader, cancel.Token)).Event);
    }

    [Fact]
    public async Task Rfc8620_7_3_the_event_source_needs_credentials()
    {
        // RFC 8620 §7.3: the EventSource endpoint is authenticated like the API.
        var server = await JmapTestServer.GetAsync(fixture);
        using var http = new HttpClient { BaseAddress = new Uri(server.BaseUrl) };
        using var response = await http.GetAsync("/jmap/eventsource/?types=*&closeafter=no&ping=0");
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    [Fact]
    public async Task Rfc8620_7_2_PushSubscription_get_never_returns_url_or_keys()
    {
        // RFC 8620 §7.2.1: "The url and keys properties ... MUST NOT be returned" by PushSubscription/get.
        var server = await JmapTestServer.GetAsync(fixture);
        using var client = await server.NewUserAsync();
        var id = await SubscribeAsync(client);
        var all = await client.OkAsync("PushSubscription/get", new JsonObject { ["ids"] = null });
        var asked = await client.OkAsync("PushSubscription/get", new JsonObject { ["ids"] = new JsonArray(id), ["properties"] = new JsonArray("url", "keys", "deviceClientId") });
        foreach (var list in new[] { all, asked })
        {
            var item = list["list"]!.AsArray().Single(s => s!["id"]!.GetValue<string>() == id)!.AsObject();
            Assert.False(item.ContainsKey("url"));
            Assert.False(item.ContainsKey("keys"));
        }

        Assert.Null(all["accountId"]);
    }

    [Fact]
    public async Task Rfc8620_7_2_a_push_subscription_is_seen_only_with_the_credentials_that_made_it()
    {
        // RFC 8620 §7.2: "A push subscription ... is tied to the credentials used to authenticate the API request that created it."
        var server = await JmapTestServer.GetAsync(fixture);
        using var client = await server.NewUserAsync();
        using var other = await server.NewUserAsync();
        var id = await SubscribeAsync(client);
        var theirs = await other.OkAsync("PushSubscription/get", new JsonObject { ["ids"] = new JsonArray(id) });
        Assert.Empty(theirs["list"]!.AsArray());
        Assert.Single(theirs["notFound"]!.AsArray());
        var destroy = await other.OkAsync("PushSubscription/set", new JsonObject { ["destroy"] = new JsonArray(id) });
        Assert.Equal("notFound", destroy["notDestroyed"]![id]!["type"]!.GetValue<string>());
        var update = await other.OkAsync("PushSubscription/set", new JsonObject { ["update"] = new JsonObject { [id] = new JsonObject { ["types"] = null } } });
        Assert.Equal("notFound", update["notUpdated"]![id]!["type"]!.GetValue<string>());
    }

    [Fact]
    public async Task Rfc8620_7_2_a_wrong_verificationCode_is_refused_and_the_subscription_stays_unverified()
    {
        // RFC 8620 §7.2.2: the client "MUST" set verificationCode to the value sent; a different value is invalidProperties.
        var server = await JmapTestServer.GetAsync(fixture);
        using var client = await server.NewUserAsync();
        var id = await SubscribeAsync(client);
        var result = await client.OkAsync("PushSubscription/set", new JsonObject { ["update"] = new JsonObject { [id] = new JsonObject { ["verificationCode"] = "guess" } } });
        Assert.Equal("invalidProperties", result["notUpdated"]![id]!["type"]!.GetValue<string>());
        var get = await client.OkAsync("PushSubscription/get", new JsonObject { ["ids"] = new JsonArray(id) });
        Assert.Null(get["list"]![0]!["verificationCode"]);
    }

    [Fact]
    public async Task Rfc8620_7_2_an_expiry_too_far_ahead_is_clamped_and_returned_in_created()
    {
        // RFC 8620 §7.2: "If the client does not set expires, or sets it beyond the maximum the server allows, the server MUST set it ... and return it in the created response"
        var server = await JmapTestServer.GetAsync(fixture);
        using var client = await server.NewUserAsync();
        var result = await client.OkAsync("PushSubscription/set", new JsonObject
        {
            ["create"] = new JsonObject { ["p"] = new JsonObject { ["deviceClientId"] = "d", ["url"] = Endpoint, ["expires"] = "2999-01-01T00:00:00Z" } },
        });
        var expires = DateTimeOffset.Parse(result["created"]!["p"]!["expires"]!.GetValue<string>(), CultureInfo.InvariantCulture);
        Assert.True(expires < new DateTimeOffset(2999, 1, 1, 0, 0, 0, TimeSpan.Zero));
        Assert.True(expires > DateTimeOffset.UtcNow);
        var id = result["created"]!["p"]!["id"]!.GetValue<string>();
        var updated = await client.OkAsync("PushSubscription/set", new JsonObject { ["update"] = new JsonObject { [id] = new JsonObject { ["expires"] = "2999-01-01T00:00:00Z" } } });
        var newExpiry = DateTimeOffset.Parse(updated["updated"]![id]!["expires"]!.GetValue<string>(), CultureInfo.InvariantCulture);
        Assert.True(newExpiry < new DateTimeOffset(2999, 1, 1, 0, 0, 0, TimeSpan.Zero));
    }

    [Fact]
    public async Task Rfc8620_7_2_types_can_be_updated_and_the_subscription_destroyed()
    {
        // RFC 8620 §7.2: "types: String[]|null ... If null, changes will be pushed for all types"; PushSubscription/set destroys.
        var server = await JmapTestServer.GetAsync(fixture);
        using var client = await server.NewUserAsync();
        var id = await SubscribeAsync(client, new JsonObject { ["types"] = new JsonArray("Email") });
        var update = await client.OkAsync("PushSubscription/set", new JsonObject { ["update"] = new JsonObject { [id] = new JsonObject { ["types"] = new JsonArray("Mailbox", "Email") } } });
        Assert.True(update["updated"]!.AsObject().ContainsKey(id));
        var get = await client.OkAsync("PushSubscription/get", new JsonObject { ["ids"] = new JsonArray(id), ["properties"] = new JsonArray("types") });
        Assert.Equal(["Mailbox", "Email"], get["list"]![0]!["types"]!.AsArray().Select(t => t!.GetValue<string>()));
        var destroy = await client.OkAsync("PushSubscription/set", new JsonObject { ["destroy"] = new JsonArray(id) });
        Assert.Equal(id, destroy["destroyed"]![0]!.GetValue<string>());
        var after = await client.OkAsync("PushSubscription/get", new JsonObject { ["ids"] = new JsonArray(id) });
        Assert.Single(after["notFound"]!.AsArray());
    }

    [Fact]
    public async Task Rfc8620_7_2_changing_url_or_deviceClientId_is_refused()
    {
        // RFC 8620 §7.2: url and deviceClientId are immutable: invalidProperties.
        var server = await JmapTestServer.GetAsync(fixture);
        using var client = await server.NewUserAsync();
        var id = await SubscribeAsync(client);
        var result = await client.OkAsync("PushSubscription/set", new JsonObject { ["update"] = new JsonObject { [id] = new JsonObject { ["url"] = "https://elsewhere.example/x" } } });
        Assert.Equal("invalidProperties", result["notUpdated"]![id]!["type"]!.GetValue<string>());
        result = await client.OkAsync("PushSubscription/set", new JsonObject { ["update"] = new JsonObject { [id] = new JsonObject { ["deviceClientId"] = "other" } } });
        Assert.Equal("invalidProperties", result["notUpdated"]![id]!["type"]!.GetValue<string>());
    }

    [Fact]
    public async Task Rfc8620_7_2_PushSubscription_methods_take_no_accountId()
    {
        // RFC 8620 §7.2.1: "The accountId argument MUST NOT be given" — a server may refuse it, but never answer with a 500.
        var server = await JmapTestServer.GetAsync(fixture);
        using var client = await server.NewUserAsync();
        var response = await client.CallOneAsync("PushSubscription/get", new JsonObject { ["accountId"] = client.AccountId, ["ids"] = null });
        Assert.Contains(response[0]!.GetValue<string>(), new[] { "PushSubscription/get", "error" });
        if (response[0]!.GetValue<string>() == "error")
        {
            Assert.Equal("invalidArguments", response[1]!["type"]!.GetValue<string>());
        }
    }

    [Fact]
    public async Task Rfc8620_7_3_the_event_stream_is_not_buffered_or_cached()
    {
        // RFC 8620 §7.3 (server-sent events): the response is text/event-stream and not cached.
        var server = await JmapTestServer.GetAsync(fixture);
        using var client = await server.NewUserAsync();
        using var cancel = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        using var response = await OpenEventSourceAsync(client, "types=*&closeafter=no&ping=0", cancel.Token);
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        Assert.True(response.Headers.CacheControl is { NoCache: true } or { NoStore: true }, response.Headers.CacheControl?.ToString());
    }
}
