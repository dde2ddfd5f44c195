using System.Text.Json.Nodes;

namespace Mail.Host.IntegrationTests.JmapConformance;

/// <summary>RFC 8620 §5.6: /queryChanges, on Mailbox and Email.</summary>
[Collection(DeploymentCollection.Name)]
public sealed class Rfc8620StandardQueryChangesTests(DeploymentFixture fixture)
{
    private static JsonArray SubjectSort() => new(new JsonObject { ["property"] = "receivedAt", ["isAscending"] = false });

    /// <summary>Applies a /queryChanges result to a cached id list the way RFC 8620 §5.6 describes.</summary>
    private static List<string> Apply(List<string> cached, JsonObject changes)
    {
        var removed = changes["removed"]!.AsArray().Select(x => x!.GetValue<string>()).ToHashSet();
        var result = cached.Where(id => !removed.Contains(id)).ToList();
        foreach (var added in changes["added"]!.AsArray().OrderBy(a => a!["index"]!.GetValue<int>()))
        {
            var index = added!["index"]!.GetValue<int>();
            result.Insert(Math.Min(index, result.Count), added["id"]!.GetValue<string>());
        }

        return result;
    }

    [Fact]
    public async Task Rfc8620_5_6_applying_removed_and_added_with_indexes_gives_the_new_results()
    {
        // RFC 8620 §5.6: "added: AddedItem[] The id and index in the query results (in the new state) for every Foo that has been added"
        var server = await JmapTestServer.GetAsync(fixture);
        using var client = await server.NewUserAsync();
        var a = await server.DeliverAndFindAsync(client, "QC one");
        var b = await server.DeliverAndFindAsync(client, "QC two");
        var before = await client.OkAsync("Email/query", new JsonObject { ["sort"] = SubjectSort() });
        var cached = before["ids"]!.AsArray().Select(x => x!.GetValue<string>()).ToList();
        await client.OkAsync("Email/set", new JsonObject { ["destroy"] = new JsonArray(a) });
        var c = await server.DeliverAndFindAsync(client, "QC three");
        var changes = await client.OkAsync("Email/queryChanges", new JsonObject { ["sinceQueryState"] = before["queryState"]!.GetValue<string>(), ["sort"] = SubjectSort() });
        var after = await client.OkAsync("Email/query", new JsonObject { ["sort"] = SubjectSort() });
        Assert.Equal(before["queryState"]!.GetValue<string>(), changes["oldQueryState"]!.GetValue<string>());
        Assert.Equal(after["queryState"]!.GetValue<string>(), changes["newQueryState"]!.GetValue<string>());
        Assert.Contains(a, changes["removed"]!.AsArray().Select(x => x!.GetValue<string>()));
        Assert.Contains(c, changes["added"]!.AsArray().Select(x => x!["id"]!.GetValue<string>()));
        Assert.Equal(after["ids"]!.AsArray().Select(x => x!.GetValue<string>()), Apply(cached, changes));
        Assert.Contains(b, Apply(cached, changes));
    }

    [Fact]
    public async Task Rfc8620_5_6_upToId_is_accepted_and_the_result_still_applies()
    {
        // RFC 8620 §5.6: "upToId: Id|null ... The last (highest-index) id the client currently has cached from the query results."
        var server = await JmapTestServer.GetAsync(fixture);
        using var client = await server.NewUserAsync();
        var a = await server.DeliverAndFindAsync(client, "Up to one");
        var before = await client.OkAsync("Email/query", new JsonObject { ["sort"] = SubjectSort() });
        var cached = before["ids"]!.AsArray().Select(x => x!.GetValue<string>()).ToList();
        await server.DeliverAsync(client.Address, "Up to two");
        var changes = await client.OkAsync("Email/queryChanges", new JsonObject { ["sinceQueryState"] = before["queryState"]!.GetValue<string>(), ["sort"] = SubjectSort(), ["upToId"] = a });
        var after = await client.OkAsync("Email/query", new JsonObject { ["sort"] = SubjectSort() });
        Assert.Equal(after["ids"]!.AsArray().Select(x => x!.GetValue<string>()), Apply(cached, changes));
    }

    [Fact]
    public async Task Rfc8620_5_6_more_changes_than_maxChanges_is_tooManyChanges()
    {
        // RFC 8620 §5.6: "tooManyChanges: There are more changes than the client's maxChanges argument."
        var server = await JmapTestServer.GetAsync(fixture);
        using var client = await server.NewUserAsync();
        var before = await client.OkAsync("Email/query", []);
        for (var i = 0; i < 3; i++)
        {
            await server.DeliverAsync(client.Address, "Many " + i);
        }

        Assert.Equal("tooManyChanges", await client.ErrorAsync("Email/queryChanges", new JsonObject { ["sinceQueryState"] = before["queryState"]!.GetValue<string>(), ["maxChanges"] = 1 }));
    }

    [Fact]
    public async Task Rfc8620_5_6_an_unknown_query_state_is_cannotCalculateChanges()
    {
        // RFC 8620 §5.6: "cannotCalculateChanges: The server cannot calculate the changes from the queryState string given by the client."
        var server = await JmapTestServer.GetAsync(fixture);
        using var client = await server.NewUserAsync();
        Assert.Equal("cannotCalculateChanges", await client.ErrorAsync("Email/queryChanges", new JsonObject { ["sinceQueryState"] = "not-a-state" }));
        Assert.Equal("cannotCalculateChanges", await client.ErrorAsync("Mailbox/queryChanges", new JsonObject { ["sinceQueryState"] = "not-a-state" }));
    }

    [Fact]
    public async Task Rfc8620_5_6_maxChanges_zero_or_negative_is_invalidArguments()
    {
        // RFC 8620 §5.6: "maxChanges: UnsignedInt|null" (as for /changes, a positive integer).
        var server = await JmapTestServer.GetAsync(fixture);
        using var client = await server.NewUserAsync();
        var state = (await client.OkAsync("Email/query", []))["queryState"]!.GetValue<string>();
        Assert.Equal("invalidArguments", await client.ErrorAsync("Email/queryChanges", new JsonObject { ["sinceQueryState"] = state, ["maxChanges"] = -1 }));
        Assert.Equal("invalidArguments", await client.ErrorAsync("Email/queryChanges", new JsonObject { ["sinceQueryState"] = state, ["maxChanges"] = 0 }));
    }

    [Fact]
    public async Task Rfc8620_5_6_mailbox_queryChanges_reports_a_new_mailbox_at_its_index()
    {
        // RFC 8620 §5.6: added items carry the index in the new results.
        var server = await JmapTestServer.GetAsync(fixture);
        using var client = await server.NewUserAsync();
        var sort = new JsonArray(new JsonObject { ["property"] = "name" });
        var before = await client.OkAsync("Mailbox/query", new JsonObject { ["sort"] = sort });
        var cached = before["ids"]!.AsArray().Select(x => x!.GetValue<string>()).ToList();
        var id = await client.CreateMailboxAsync("Aardvark");
        var changes = await client.OkAsync("Mailbox/queryChanges", new JsonObject { ["sinceQueryState"] = before["queryState"]!.GetValue<string>(), ["sort"] = sort.DeepClone() });
        var after = await client.OkAsync("Mailbox/query", new JsonObject { ["sort"] = sort.DeepClone() });
        Assert.Contains(id, changes["added"]!.AsArray().Select(x => x!["id"]!.GetValue<string>()));
        Assert.Equal(after["ids"]!.AsArray().Select(x => x!.GetValue<string>()), Apply(cached, changes));
    }

    [Fact]
    public async Task Rfc8620_5_6_total_is_returned_when_calculateTotal_is_true()
    {
        // RFC 8620 §5.6: "total: UnsignedInt (only if requested)"
        var server = await JmapTestServer.GetAsync(fixture);
        using var client = await server.NewUserAsync();
        var before = await client.OkAsync("Email/query", []);
        await server.DeliverAsync(client.Address, "Totalled");
        var changes = await client.OkAsync("Email/queryChanges", new JsonObject { ["sinceQueryState"] = before["queryState"]!.GetValue<string>(), ["calculateTotal"] = true });
        Assert.Equal(1, changes["total"]!.GetValue<int>());
    }
}
