using System.Text.Json.Nodes;
using static Mail.Host.IntegrationTests.JmapConformance.PartBHelpers;

namespace Mail.Host.IntegrationTests.JmapConformance;

/// <summary>RFC 8621 §2.3 Mailbox/query and §2.4 Mailbox/queryChanges: each filter, each sort, sortAsTree and filterAsTree.</summary>
[Collection(DeploymentCollection.Name)]
public sealed class Rfc8621MailboxQueryTests(DeploymentFixture fixture)
{
    private static async Task<List<string>> QueryMailboxesAsync(JmapClient client, JsonObject arguments)
        => Ids((await client.OkAsync("Mailbox/query", arguments))["ids"]);

    [Fact]
    public async Task S2_3_filter_parentId_null_is_top_level_and_an_id_its_children()
    {
        var server = await JmapTestServer.GetAsync(fixture);
        using var client = await server.NewUserAsync();
        var parent = await CreateMailboxAsync(client, "Parent");
        var kid = await CreateMailboxAsync(client, "Kid", parent);
        var top = await QueryMailboxesAsync(client, new JsonObject { ["filter"] = new JsonObject { ["parentId"] = null } });
        Assert.Contains(parent, top);
        Assert.DoesNotContain(kid, top);
        Assert.Equal(7, top.Count);
        Assert.Equal([kid], await QueryMailboxesAsync(client, new JsonObject { ["filter"] = new JsonObject { ["parentId"] = parent } }));
    }

    [Fact]
    public async Task S2_3_filter_name_contains_without_case()
    {
        // RFC 8621 §2.3: name: "The Mailbox name contains the given string."
        var server = await JmapTestServer.GetAsync(fixture);
        using var client = await server.NewUserAsync();
        var box = await CreateMailboxAsync(client, "Receipts 2026");
        Assert.Equal([box], await QueryMailboxesAsync(client, new JsonObject { ["filter"] = new JsonObject { ["name"] = "eipts" } }));
        Assert.Equal([box], await QueryMailboxesAsync(client, new JsonObject { ["filter"] = new JsonObject { ["name"] = "RECEIPTS" } }));
    }

    [Fact]
    public async Task S2_3_filter_role_hasAnyRole_and_isSubscribed()
    {
        var server = await JmapTestServer.GetAsync(fixture);
        using var client = await server.NewUserAsync();
        var plain = await CreateMailboxAsync(client, "Plain", more: new JsonObject { ["isSubscribed"] = false });
        var subscribed = await CreateMailboxAsync(client, "Subscribed", more: new JsonObject { ["isSubscribed"] = true });
        Assert.Equal([await client.MailboxIdAsync("junk")], await QueryMailboxesAsync(client, new JsonObject { ["filter"] = new JsonObject { ["role"] = "junk" } }));
        var noRole = await QueryMailboxesAsync(client, new JsonObject { ["filter"] = new JsonObject { ["hasAnyRole"] = false } });
        Assert.Equal([plain, subscribed], noRole.Order().ToList());
        Assert.Equal(noRole.Order().ToList(), (await QueryMailboxesAsync(client, new JsonObject { ["filter"] = new JsonObject { ["role"] = null } })).Order().ToList());
        var subscribedOnly = await QueryMailboxesAsync(client, new JsonObject { ["filter"] = new JsonObject { ["isSubscribed"] = true, ["hasAnyRole"] = false } });
        Assert.Equal([subscribed], subscribedOnly);
        var unsubscribed = await QueryMailboxesAsync(client, new JsonObject { ["filter"] = new JsonObject { ["isSubscribed"] = false } });
        Assert.Contains(plain, unsubscribed);
        Assert.DoesNotContain(subscribed, unsubscribed);
    }

    [Fact]
    public async Task S2_3_filter_operators_combine_conditions()
    {
        var server = await JmapTestServer.GetAsync(fixture);
        using var client = await server.NewUserAsync();
        var box = await CreateMailboxAsync(client, "Operators");
        var inbox = await client.MailboxIdAsync("inbox");
        var or = await QueryMailboxesAsync(client, new JsonObject
        {
            ["filter"] = new JsonObject { ["operator"] = "OR", ["conditions"] = new JsonArray(new JsonObject { ["role"] = "inbox" }, new JsonObject { ["name"] = "Operators" }) },
        });
        Assert.Equal(new[] { inbox, box }.Order(), or.Order());
        var not = await QueryMailboxesAsync(client, new JsonObject
        {
            ["filter"] = new JsonObject { ["operator"] = "NOT", ["conditions"] = new JsonArray(new JsonObject { ["hasAnyRole"] = true }) },
        });
        Assert.Equal([box], not);
    }

    [Fact]
    public async Task S2_3_sort_by_name_ascending_and_descending()
    {
        var server = await JmapTestServer.GetAsync(fixture);
        using var client = await server.NewUserAsync();
        var b = await CreateMailboxAsync(client, "bravo");
        var a = await CreateMailboxAsync(client, "Alpha");
        var c = await CreateMailboxAsync(client, "charlie");
        var filter = new JsonObject { ["hasAnyRole"] = false };
        Assert.Equal([a, b, c], await QueryMailboxesAsync(client, new JsonObject { ["filter"] = filter.DeepClone(), ["sort"] = Sort("name") }));
        Assert.Equal([c, b, a], await QueryMailboxesAsync(client, new JsonObject { ["filter"] = filter.DeepClone(), ["sort"] = Sort("name", false) }));
    }

    [Fact]
    public async Task S2_3_sort_by_sortOrder_then_name()
    {
        var server = await JmapTestServer.GetAsync(fixture);
        using var client = await server.NewUserAsync();
        var late = await CreateMailboxAsync(client, "Aardvark", more: new JsonObject { ["sortOrder"] = 90 });
        var early = await CreateMailboxAsync(client, "Zebra", more: new JsonObject { ["sortOrder"] = 20 });
        var ids = await QueryMailboxesAsync(client, new JsonObject
        {
            ["filter"] = new JsonObject { ["hasAnyRole"] = false },
            ["sort"] = new JsonArray(new JsonObject { ["property"] = "sortOrder" }, new JsonObject { ["property"] = "name" }),
        });
        Assert.Equal([early, late], ids);
    }

    [Fact]
    public async Task S2_3_sortAsTree_puts_each_child_right_after_its_parent()
    {
        // RFC 8621 §2.3: sortAsTree: "a Mailbox must be sorted immediately after its parent ... in the order given by the sort argument".
        var server = await JmapTestServer.GetAsync(fixture);
        using var client = await server.NewUserAsync();
        var a = await CreateMailboxAsync(client, "A");
        var b = await CreateMailboxAsync(client, "B");
        var bChild = await CreateMailboxAsync(client, "AA under B", b);
        var aChild = await CreateMailboxAsync(client, "Z under A", a);
        var ids = await QueryMailboxesAsync(client, new JsonObject
        {
            ["filter"] = new JsonObject { ["hasAnyRole"] = false },
            ["sort"] = Sort("name"),
            ["sortAsTree"] = true,
        });
        Assert.Equal([a, aChild, b, bChild], ids);
    }

    [Fact]
    public async Task S2_3_filterAsTree_drops_mailboxes_whose_parent_does_not_match()
    {
        // RFC 8621 §2.3: filterAsTree: "a Mailbox is only included in the query if all of its ancestors are also included".
        var server = await JmapTestServer.GetAsync(fixture);
        using var client = await server.NewUserAsync();
        var folder = await CreateMailboxAsync(client, "Folder", more: new JsonObject { ["isSubscribed"] = false });
        var child = await CreateMailboxAsync(client, "Child", folder, new JsonObject { ["isSubscribed"] = true });
        var top = await CreateMailboxAsync(client, "Top", more: new JsonObject { ["isSubscribed"] = true });
        var filter = new JsonObject { ["isSubscribed"] = true, ["hasAnyRole"] = false };
        var flat = await QueryMailboxesAsync(client, new JsonObject { ["filter"] = filter.DeepClone() });
        Assert.Equal(new[] { child, top }.Order(), flat.Order());
        var tree = await QueryMailboxesAsync(client, new JsonObject { ["filter"] = filter.DeepClone(), ["filterAsTree"] = true });
        Assert.Equal([top], tree);
    }

    [Fact]
    public async Task S2_4_queryChanges_reports_a_destroyed_mailbox_as_removed()
    {
        var server = await JmapTestServer.GetAsync(fixture);
        using var client = await server.NewUserAsync();
        var box = await CreateMailboxAsync(client, "Going");
        var query = await client.OkAsync("Mailbox/query", new JsonObject { ["sort"] = Sort("name") });
        Assert.Contains(box, Ids(query["ids"]));
        await client.OkAsync("Mailbox/set", new JsonObject { ["destroy"] = new JsonArray(box) });
        var changes = await client.OkAsync("Mailbox/queryChanges", new JsonObject { ["sinceQueryState"] = query["queryState"]!.DeepClone(), ["sort"] = Sort("name") });
        Assert.Contains(box, Ids(changes["removed"]));
        Assert.Empty(changes["added"]!.AsArray());
        Assert.Equal(query["queryState"]!.GetValue<string>(), changes["oldQueryState"]!.GetValue<string>());
    }
}
