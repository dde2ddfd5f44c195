using System.Text.Json.Nodes;

namespace Mail.Host.IntegrationTests.JmapConformance;

/// <summary>RFC 8620 §5.5: /query, on Mailbox and Email.</summary>
[Collection(DeploymentCollection.Name)]
public sealed class Rfc8620StandardQueryTests(DeploymentFixture fixture)
{
    private static List<string> Ids(JsonNode? result) => [.. result!["ids"]!.AsArray().Select(x => x!.GetValue<string>())];

    /// <summary>An account with four plain mailboxes Q0..Q3 (sortOrder 20..23); returns all ids sorted by sortOrder then name.</summary>
    private static async Task<List<string>> SortedMailboxesAsync(JmapClient client)
    {
        for (var i = 0; i < 4; i++)
        {
            var result = await client.OkAsync("Mailbox/set", new JsonObject { ["create"] = new JsonObject { ["m"] = new JsonObject { ["name"] = "Q" + i, ["sortOrder"] = 20 + i } } });
            Assert.NotNull(result["created"]!["m"]);
        }

        return Ids(await client.OkAsync("Mailbox/query", new JsonObject { ["sort"] = Sort() }));
    }

    private static JsonArray Sort() => new(new JsonObject { ["property"] = "sortOrder" }, new JsonObject { ["property"] = "name" });

    [Fact]
    public async Task Rfc8620_5_5_position_skips_and_is_echoed()
    {
        // RFC 8620 §5.5: "position: Int (default: 0) The zero-based index of the first id in the full list of results to return."
        var server = await JmapTestServer.GetAsync(fixture);
        using var client = await server.NewUserAsync();
        var all = await SortedMailboxesAsync(client);
        var page = await client.OkAsync("Mailbox/query", new JsonObject { ["sort"] = Sort(), ["position"] = 2, ["limit"] = 3 });
        Assert.Equal(all.Skip(2).Take(3), Ids(page));
        Assert.Equal(2, page["position"]!.GetValue<int>());
    }

    [Fact]
    public async Task Rfc8620_5_5_a_negative_position_counts_from_the_end()
    {
        // RFC 8620 §5.5: "If a negative value is given, it is an offset from the end of the list"; the response has the actual position.
        var server = await JmapTestServer.GetAsync(fixture);
        using var client = await server.NewUserAsync();
        var all = await SortedMailboxesAsync(client);
        var page = await client.OkAsync("Mailbox/query", new JsonObject { ["sort"] = Sort(), ["position"] = -2 });
        Assert.Equal(all.TakeLast(2), Ids(page));
        Assert.Equal(all.Count - 2, page["position"]!.GetValue<int>());
        var clamped = await client.OkAsync("Mailbox/query", new JsonObject { ["sort"] = Sort(), ["position"] = -1000 });
        Assert.Equal(0, clamped["position"]!.GetValue<int>());
        Assert.Equal(all, Ids(clamped));
    }

    [Fact]
    public async Task Rfc8620_5_5_a_position_past_the_end_returns_no_ids()
    {
        // RFC 8620 §5.5: "If the index is greater than or equal to the total number of objects in the results list, then the ids array in the response will be empty"
        var server = await JmapTestServer.GetAsync(fixture);
        using var client = await server.NewUserAsync();
        var page = await client.OkAsync("Mailbox/query", new JsonObject { ["position"] = 1000 });
        Assert.Empty(Ids(page));
        var emails = await client.OkAsync("Email/query", new JsonObject { ["position"] = 1000 });
        Assert.Empty(Ids(emails));
    }

    [Fact]
    public async Task Rfc8620_5_5_anchor_and_anchorOffset_select_the_page_and_ignore_position()
    {
        // RFC 8620 §5.5: "anchor ... If supplied, the position argument is ignored"; "anchorOffset ... added to the index of the anchor"
        var server = await JmapTestServer.GetAsync(fixture);
        using var client = await server.NewUserAsync();
        var all = await SortedMailboxesAsync(client);
        var anchor = all[4];
        var page = await client.OkAsync("Mailbox/query", new JsonObject { ["sort"] = Sort(), ["anchor"] = anchor, ["anchorOffset"] = -1, ["position"] = 99, ["limit"] = 2 });
        Assert.Equal(all.Skip(3).Take(2), Ids(page));
        Assert.Equal(3, page["position"]!.GetValue<int>());
    }

    [Fact]
    public async Task Rfc8620_5_5_an_anchorOffset_before_the_start_is_clamped_to_zero()
    {
        // RFC 8620 §5.5: "If the index is then negative, it is clamped to 0."
        var server = await JmapTestServer.GetAsync(fixture);
        using var client = await server.NewUserAsync();
        var all = await SortedMailboxesAsync(client);
        var page = await client.OkAsync("Mailbox/query", new JsonObject { ["sort"] = Sort(), ["anchor"] = all[1], ["anchorOffset"] = -5, ["limit"] = 1 });
        Assert.Equal(0, page["position"]!.GetValue<int>());
        Assert.Equal(all[0], Assert.Single(Ids(page)));
    }

    [Fact]
    public async Task Rfc8620_5_5_an_anchor_not_in_the_results_is_anchorNotFound()
    {
        // RFC 8620 §5.5: "anchorNotFound: An anchor argument was supplied, but it cannot be found in the results of the query."
        var server = await JmapTestServer.GetAsync(fixture);
        using var client = await server.NewUserAsync();
        Assert.Equal("anchorNotFound", await client.ErrorAsync("Mailbox/query", new JsonObject { ["anchor"] = "M999999999" }));
        var emailId = await server.DeliverAndFindAsync(client, "Anchored");
        Assert.Equal("anchorNotFound", await client.ErrorAsync("Email/query", new JsonObject { ["anchor"] = "E999999999" }));
        Assert.Equal("anchorNotFound", await client.ErrorAsync("Email/query", new JsonObject { ["anchor"] = emailId, ["filter"] = new JsonObject { ["subject"] = "no such subject" } }));
    }

    [Fact]
    public async Task Rfc8620_5_5_a_negative_limit_is_invalidArguments()
    {
        // RFC 8620 §5.5: "limit: UnsignedInt|null ... If a negative value is given, the call MUST be rejected with an invalidArguments error."
        var server = await JmapTestServer.GetAsync(fixture);
        var client = await server.SharedClientAsync();
        Assert.Equal("invalidArguments", await client.ErrorAsync("Mailbox/query", new JsonObject { ["limit"] = -1 }));
        Assert.Equal("invalidArguments", await client.ErrorAsync("Email/query", new JsonObject { ["limit"] = -1 }));
    }

    [Fact]
    public async Task Rfc8620_5_5_limit_bounds_the_page_and_a_clamped_limit_is_reported()
    {
        // RFC 8620 §5.5: "If the server has a maximum limit ... the server MUST return the limit used in the response"
        var server = await JmapTestServer.GetAsync(fixture);
        using var client = await server.NewUserAsync();
        var all = await SortedMailboxesAsync(client);
        var page = await client.OkAsync("Mailbox/query", new JsonObject { ["sort"] = Sort(), ["limit"] = 2 });
        Assert.Equal(all.Take(2), Ids(page));
        var huge = await client.OkAsync("Email/query", new JsonObject { ["limit"] = 9_007_199_254_740_991 });
        if (huge["limit"] is { } used)
        {
            Assert.True(used.GetValue<long>() < 9_007_199_254_740_991);
        }
    }

    [Fact]
    public async Task Rfc8620_5_5_total_is_returned_only_when_calculateTotal_is_true()
    {
        // RFC 8620 §5.5: "total: UnsignedInt (only if requested)"
        var server = await JmapTestServer.GetAsync(fixture);
        using var client = await server.NewUserAsync();
        var all = await SortedMailboxesAsync(client);
        var without = await client.OkAsync("Mailbox/query", new JsonObject { ["limit"] = 1 });
        Assert.Null(without["total"]);
        var with = await client.OkAsync("Mailbox/query", new JsonObject { ["limit"] = 1, ["calculateTotal"] = true });
        Assert.Equal(all.Count, with["total"]!.GetValue<int>());
        await server.DeliverAsync(client.Address, "Counted");
        var emails = await client.OkAsync("Email/query", new JsonObject { ["limit"] = 0, ["calculateTotal"] = true });
        Assert.Equal(1, emails["total"]!.GetValue<int>());
        Assert.Empty(Ids(emails));
    }

    [Fact]
    public async Task Rfc8620_5_5_queryState_and_canCalculateChanges_are_returned_and_queryState_changes_with_the_results()
    {
        // RFC 8620 §5.5: "queryState: A string encoding the current state of the query on the server. This string MUST change if the results of the query ... have changed."
        var server = await JmapTestServer.GetAsync(fixture);
        using var client = await server.NewUserAsync();
        var first = await client.OkAsync("Email/query", []);
        Assert.Equal(System.Text.Json.JsonValueKind.True, first["canCalculateChanges"]!.GetValueKind());
        await server.DeliverAsync(client.Address, "New result");
        var second = await client.OkAsync("Email/query", []);
        Assert.NotEqual(first["queryState"]!.GetValue<string>(), second["queryState"]!.GetValue<string>());
        var mailboxes = await client.OkAsync("Mailbox/query", []);
        Assert.False(string.IsNullOrEmpty(mailboxes["queryState"]!.GetValue<string>()));
        Assert.NotNull(mailboxes["canCalculateChanges"]);
    }

    [Theory]
    [InlineData("Mailbox/query", "colour")]
    [InlineData("Email/query", "colour")]
    public async Task Rfc8620_5_5_an_unknown_filter_condition_is_unsupportedFilter(string method, string condition)
    {
        // RFC 8620 §5.5: "unsupportedFilter: The filter is syntactically valid, but the server cannot process it."
        var server = await JmapTestServer.GetAsync(fixture);
        var client = await server.SharedClientAsync();
        Assert.Equal("unsupportedFilter", await client.ErrorAsync(method, new JsonObject { ["filter"] = new JsonObject { [condition] = "blue" } }));
    }

    [Fact]
    public async Task Rfc8620_5_5_an_unknown_filter_operator_is_unsupportedFilter()
    {
        // RFC 8620 §5.5: FilterOperator's operator is "AND" | "OR" | "NOT".
        var server = await JmapTestServer.GetAsync(fixture);
        var client = await server.SharedClientAsync();
        var filter = new JsonObject { ["operator"] = "XOR", ["conditions"] = new JsonArray(new JsonObject { ["subject"] = "a" }) };
        Assert.Equal("unsupportedFilter", await client.ErrorAsync("Email/query", new JsonObject { ["filter"] = filter }));
        Assert.Equal("unsupportedFilter", await client.ErrorAsync("Mailbox/query", new JsonObject { ["filter"] = new JsonObject { ["operator"] = "XOR", ["conditions"] = new JsonArray() } }));
    }

    [Theory]
    [InlineData("Mailbox/query")]
    [InlineData("Email/query")]
    public async Task Rfc8620_5_5_an_unknown_sort_property_is_unsupportedSort(string method)
    {
        // RFC 8620 §5.5: "unsupportedSort: The sort is syntactically valid, but includes a property the server does not support sorting on"
        var server = await JmapTestServer.GetAsync(fixture);
        var client = await server.SharedClientAsync();
        Assert.Equal("unsupportedSort", await client.ErrorAsync(method, new JsonObject { ["sort"] = new JsonArray(new JsonObject { ["property"] = "colour" }) }));
    }

    [Fact]
    public async Task Rfc8620_5_5_an_unknown_collation_is_unsupportedSort()
    {
        // RFC 8620 §5.5: "collation ... If the server does not support ... the collation algorithm, it MUST reject with unsupportedSort"
        var server = await JmapTestServer.GetAsync(fixture);
        var client = await server.SharedClientAsync();
        var sort = new JsonArray(new JsonObject { ["property"] = "subject", ["collation"] = "i;klingon" });
        Assert.Equal("unsupportedSort", await client.ErrorAsync("Email/query", new JsonObject { ["sort"] = sort }));
    }

    [Fact]
    public async Task Rfc8620_5_5_isAscending_false_reverses_the_order()
    {
        // RFC 8620 §5.5: "isAscending: Boolean (optional; default: true) If true, sort in ascending order."
        var server = await JmapTestServer.GetAsync(fixture);
        using var client = await server.NewUserAsync();
        await SortedMailboxesAsync(client);
        var up = Ids(await client.OkAsync("Mailbox/query", new JsonObject { ["filter"] = new JsonObject { ["name"] = "Q" }, ["sort"] = new JsonArray(new JsonObject { ["property"] = "name" }) }));
        var down = Ids(await client.OkAsync("Mailbox/query", new JsonObject { ["filter"] = new JsonObject { ["name"] = "Q" }, ["sort"] = new JsonArray(new JsonObject { ["property"] = "name", ["isAscending"] = false }) }));
        Assert.Equal(4, up.Count);
        Assert.Equal(up.AsEnumerable().Reverse(), down);
    }
}
