using System.Text.Json.Nodes;

namespace Mail.Host.IntegrationTests.JmapConformance;

/// <summary>RFC 8620 §5.2: /changes, on Mailbox and Email.</summary>
[Collection(DeploymentCollection.Name)]
public sealed class Rfc8620StandardChangesTests(DeploymentFixture fixture)
{
    private static List<string> Ids(JsonNode? array) => [.. array!.AsArray().Select(x => x!.GetValue<string>())];

    [Fact]
    public async Task Rfc8620_5_2_maxChanges_is_honoured_and_newState_continues_until_hasMoreChanges_is_false()
    {
        // RFC 8620 §5.2: "maxChanges ... The server MUST NOT return more than this"; "hasMoreChanges ... the client may call again with newState"
        var server = await JmapTestServer.GetAsync(fixture);
        using var client = await server.NewUserAsync();
        var since = await client.MailboxStateAsync();
        var created = new List<string>();
        for (var i = 0; i < 5; i++)
        {
            created.Add(await client.CreateMailboxAsync("Paged " + i));
        }

        var seen = new List<string>();
        var state = since;
        for (var round = 0; round < 10; round++)
        {
            var result = await client.OkAsync("Mailbox/changes", new JsonObject { ["sinceState"] = state, ["maxChanges"] = 2 });
            var count = result["created"]!.AsArray().Count + result["updated"]!.AsArray().Count + result["destroyed"]!.AsArray().Count;
            Assert.True(count <= 2, result.ToJsonString());
            seen.AddRange(Ids(result["created"]));
            Assert.Equal(state, result["oldState"]!.GetValue<string>());
            state = result["newState"]!.GetValue<string>();
            if (!result["hasMoreChanges"]!.GetValue<bool>())
            {
                break;
            }
        }

        Assert.Equal(created.Order(), seen.Distinct().Order());
        Assert.Equal(await client.MailboxStateAsync(), state);
    }

    [Fact]
    public async Task Rfc8620_5_2_created_updated_and_destroyed_are_disjoint()
    {
        // RFC 8620 §5.2: "a record MUST only appear once across the three lists"
        var server = await JmapTestServer.GetAsync(fixture);
        using var client = await server.NewUserAsync();
        var since = await client.MailboxStateAsync();
        var a = await client.CreateMailboxAsync("Disjoint A");
        var b = await client.CreateMailboxAsync("Disjoint B");
        await client.OkAsync("Mailbox/set", new JsonObject { ["update"] = new JsonObject { [a] = new JsonObject { ["name"] = "Disjoint A2" } }, ["destroy"] = new JsonArray(b) });
        var result = await client.OkAsync("Mailbox/changes", new JsonObject { ["sinceState"] = since });
        var created = Ids(result["created"]);
        var updated = Ids(result["updated"]);
        var destroyed = Ids(result["destroyed"]);
        Assert.Empty(created.Intersect(updated));
        Assert.Empty(created.Intersect(destroyed));
        Assert.Empty(updated.Intersect(destroyed));
        Assert.Contains(a, created);
        Assert.DoesNotContain(b, created.Concat(updated));
    }

    [Fact]
    public async Task Rfc8620_5_2_no_changes_gives_empty_lists_and_the_same_state()
    {
        // RFC 8620 §5.2: newState is the state the client is now up to date with.
        var server = await JmapTestServer.GetAsync(fixture);
        using var client = await server.NewUserAsync();
        var state = await client.MailboxStateAsync();
        var result = await client.OkAsync("Mailbox/changes", new JsonObject { ["sinceState"] = state });
        Assert.Empty(result["created"]!.AsArray());
        Assert.Empty(result["updated"]!.AsArray());
        Assert.Empty(result["destroyed"]!.AsArray());
        Assert.False(result["hasMoreChanges"]!.GetValue<bool>());
        Assert.Equal(state, result["newState"]!.GetValue<string>());
    }

    [Fact]
    public async Task Rfc8620_5_2_email_changes_report_a_delivered_and_a_destroyed_email()
    {
        // RFC 8620 §5.2: created/updated/destroyed ids since sinceState.
        var server = await JmapTestServer.GetAsync(fixture);
        using var client = await server.NewUserAsync();
        var since = (await client.OkAsync("Email/get", new JsonObject { ["ids"] = new JsonArray() }))["state"]!.GetValue<string>();
        var id = await server.DeliverAndFindAsync(client, "Changing");
        var result = await client.OkAsync("Email/changes", new JsonObject { ["sinceState"] = since });
        Assert.Contains(id, Ids(result["created"]));
        var mid = result["newState"]!.GetValue<string>();
        await client.OkAsync("Email/set", new JsonObject { ["destroy"] = new JsonArray(id) });
        result = await client.OkAsync("Email/changes", new JsonObject { ["sinceState"] = mid });
        Assert.Contains(id, Ids(result["destroyed"]));
        Assert.DoesNotContain(id, Ids(result["updated"]));
    }

    [Fact]
    public async Task Rfc8620_5_2_email_changes_page_with_maxChanges_and_every_delivery_is_seen_once()
    {
        // RFC 8620 §5.2: "If there are more changes than maxChanges, the server MUST return hasMoreChanges: true"; newState continues.
        var server = await JmapTestServer.GetAsync(fixture);
        using var client = await server.NewUserAsync();
        var state = (await client.OkAsync("Email/get", new JsonObject { ["ids"] = new JsonArray() }))["state"]!.GetValue<string>();
        var delivered = new List<string>();
        for (var i = 0; i < 3; i++)
        {
            delivered.Add(await server.DeliverAndFindAsync(client, "Paging " + i));
        }

        var seen = new List<string>();
        var sawMore = false;
        for (var round = 0; round < 10; round++)
        {
            var result = await client.OkAsync("Email/changes", new JsonObject { ["sinceState"] = state, ["maxChanges"] = 1 });
            var created = Ids(result["created"]);
            Assert.True(created.Count + result["updated"]!.AsArray().Count + result["destroyed"]!.AsArray().Count <= 1, result.ToJsonString());
            seen.AddRange(created);
            state = result["newState"]!.GetValue<string>();
            if (!result["hasMoreChanges"]!.GetValue<bool>())
            {
                break;
            }

            sawMore = true;
        }

        Assert.True(sawMore);
        Assert.Equal(delivered.Order(), seen.Order());
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-3)]
    public async Task Rfc8620_5_2_maxChanges_zero_or_negative_is_invalidArguments(int maxChanges)
    {
        // RFC 8620 §5.2: "maxChanges: UnsignedInt|null ... The value MUST be a positive integer greater than 0."
        var server = await JmapTestServer.GetAsync(fixture);
        using var client = await server.NewUserAsync();
        var state = await client.MailboxStateAsync();
        Assert.Equal("invalidArguments", await client.ErrorAsync("Mailbox/changes", new JsonObject { ["sinceState"] = state, ["maxChanges"] = maxChanges }));
    }

    [Fact]
    public async Task Rfc8620_5_2_a_missing_sinceState_is_invalidArguments()
    {
        // RFC 8620 §5.2: sinceState is a required String.
        var server = await JmapTestServer.GetAsync(fixture);
        using var client = await server.NewUserAsync();
        Assert.Equal("invalidArguments", await client.ErrorAsync("Mailbox/changes", []));
        Assert.Equal("invalidArguments", await client.ErrorAsync("Email/changes", new JsonObject { ["sinceState"] = 12 }));
    }

    [Fact]
    public async Task Rfc8620_5_2_another_accounts_state_or_a_future_one_is_cannotCalculateChanges()
    {
        // RFC 8620 §5.2: "cannotCalculateChanges: The server cannot calculate the changes from the state string given by the client."
        var server = await JmapTestServer.GetAsync(fixture);
        using var client = await server.NewUserAsync();
        var state = await client.MailboxStateAsync();
        var response = await client.CallOneAsync("Mailbox/changes", new JsonObject { ["sinceState"] = state + "999" });
        Assert.Equal("error", response[0]!.GetValue<string>());
        Assert.Equal("cannotCalculateChanges", response[1]!["type"]!.GetValue<string>());
    }
}
