using System.Text.Json.Nodes;
using static Mail.Host.IntegrationTests.JmapConformance.PartBHelpers;

namespace Mail.Host.IntegrationTests.JmapConformance;

/// <summary>RFC 8621 §2.5 Mailbox/set: hierarchy, names, destroy rules, server-set properties.</summary>
[Collection(DeploymentCollection.Name)]
public sealed class Rfc8621MailboxSetTests(DeploymentFixture fixture)
{
    [Fact]
    public async Task S2_5_created_mailbox_returns_its_server_set_properties()
    {
        var server = await JmapTestServer.GetAsync(fixture);
        using var client = await server.NewUserAsync();
        var result = await client.OkAsync("Mailbox/set", new JsonObject { ["create"] = new JsonObject { ["n"] = new JsonObject { ["name"] = "Fresh" } } });
        var created = result["created"]!["n"]!.AsObject();
        foreach (var property in new[] { "id", "totalEmails", "unreadEmails", "totalThreads", "unreadThreads", "myRights" })
        {
            Assert.True(created.ContainsKey(property), property);
        }
    }

    [Fact]
    public async Task S2_5_a_mailbox_is_moved_by_changing_parentId_and_back_to_the_top_with_null()
    {
        var server = await JmapTestServer.GetAsync(fixture);
        using var client = await server.NewUserAsync();
        var a = await CreateMailboxAsync(client, "A");
        var b = await CreateMailboxAsync(client, "B");
        var child = await CreateMailboxAsync(client, "Child", a);
        var grandchild = await CreateMailboxAsync(client, "Grandchild", child);
        var result = await client.OkAsync("Mailbox/set", new JsonObject { ["update"] = new JsonObject { [child] = new JsonObject { ["parentId"] = b } } });
        Assert.True(result["updated"]!.AsObject().ContainsKey(child), result.ToJsonString());
        Assert.Equal(b, (await MailboxAsync(client, child))["parentId"]!.GetValue<string>());
        Assert.Equal(child, (await MailboxAsync(client, grandchild))["parentId"]!.GetValue<string>());
        result = await client.OkAsync("Mailbox/set", new JsonObject { ["update"] = new JsonObject { [child] = new JsonObject { ["parentId"] = null } } });
        Assert.True(result["updated"]!.AsObject().ContainsKey(child), result.ToJsonString());
        Assert.Null((await MailboxAsync(client, child))["parentId"]);
    }

    [Fact]
    public async Task S2_5_moving_a_mailbox_under_its_own_descendant_is_refused()
    {
        // RFC 8621 §2: parentId: "The Mailbox tree MUST NOT contain cycles."
        var server = await JmapTestServer.GetAsync(fixture);
        using var client = await server.NewUserAsync();
        var top = await CreateMailboxAsync(client, "Top");
        var mid = await CreateMailboxAsync(client, "Mid", top);
        var result = await client.OkAsync("Mailbox/set", new JsonObject
        {
            ["update"] = new JsonObject { [top] = new JsonObject { ["parentId"] = mid }, [mid] = new JsonObject { ["parentId"] = mid } },
        });
        Assert.Equal("invalidProperties", result["notUpdated"]![top]!["type"]!.GetValue<string>());
        Assert.Equal("invalidProperties", result["notUpdated"]![mid]!["type"]!.GetValue<string>());
        Assert.Null((await MailboxAsync(client, top))["parentId"]);
    }

    [Theory]
    [InlineData("")]
    [InlineData("NAME_TOO_LONG")]
    [InlineData("tab\there")]
    public async Task S2_names_that_break_the_rules_are_invalidProperties(string name)
    {
        // RFC 8621 §2: name "MUST be at least 1 character in length, MUST NOT include any Control characters, and MUST NOT exceed maxSizeMailboxName".
        var server = await JmapTestServer.GetAsync(fixture);
        using var client = await server.NewUserAsync();
        if (name == "NAME_TOO_LONG")
        {
            var max = client.Session["accounts"]![client.AccountId]!["accountCapabilities"]!["urn:ietf:params:jmap:mail"]!["maxSizeMailboxName"]!.GetValue<int>();
            name = new string('n', max + 1);
        }

        var result = await client.OkAsync("Mailbox/set", new JsonObject { ["create"] = new JsonObject { ["n"] = new JsonObject { ["name"] = name } } });
        Assert.Equal("invalidProperties", result["notCreated"]!["n"]!["type"]!.GetValue<string>());
        Assert.Contains("name", Ids(result["notCreated"]!["n"]!["properties"]));
    }

    [Fact]
    public async Task S2_sibling_names_must_be_unique_but_the_same_name_under_another_parent_is_fine()
    {
        // RFC 8621 §2: "A Mailbox MUST NOT have the same name as any of its siblings."
        var server = await JmapTestServer.GetAsync(fixture);
        using var client = await server.NewUserAsync();
        var one = await CreateMailboxAsync(client, "One");
        var two = await CreateMailboxAsync(client, "Two");
        await CreateMailboxAsync(client, "Notes", one);
        var result = await client.OkAsync("Mailbox/set", new JsonObject
        {
            ["create"] = new JsonObject
            {
                ["dup"] = new JsonObject { ["name"] = "Notes", ["parentId"] = one },
                ["ok"] = new JsonObject { ["name"] = "Notes", ["parentId"] = two },
            },
        });
        Assert.Equal("invalidProperties", result["notCreated"]!["dup"]!["type"]!.GetValue<string>());
        Assert.NotNull(result["created"]!["ok"]);

        // A rename onto a sibling's name is refused the same way.
        result = await client.OkAsync("Mailbox/set", new JsonObject { ["update"] = new JsonObject { [two] = new JsonObject { ["name"] = "One" } } });
        Assert.Equal("invalidProperties", result["notUpdated"]![two]!["type"]!.GetValue<string>());
    }

    [Fact]
    public async Task S2_5_a_parentId_naming_no_mailbox_is_invalidProperties()
    {
        var server = await JmapTestServer.GetAsync(fixture);
        using var client = await server.NewUserAsync();
        var result = await client.OkAsync("Mailbox/set", new JsonObject { ["create"] = new JsonObject { ["n"] = new JsonObject { ["name"] = "Orphan", ["parentId"] = "M999999" } } });
        Assert.Equal("invalidProperties", result["notCreated"]!["n"]!["type"]!.GetValue<string>());
        Assert.Contains("parentId", Ids(result["notCreated"]!["n"]!["properties"]));
    }

    [Fact]
    public async Task S2_5_server_set_properties_cannot_be_set_by_the_client()
    {
        var server = await JmapTestServer.GetAsync(fixture);
        using var client = await server.NewUserAsync();
        var result = await client.OkAsync("Mailbox/set", new JsonObject { ["create"] = new JsonObject { ["n"] = new JsonObject { ["name"] = "X", ["totalEmails"] = 5 } } });
        Assert.Equal("invalidProperties", result["notCreated"]!["n"]!["type"]!.GetValue<string>());
        var id = await CreateMailboxAsync(client, "Y");
        result = await client.OkAsync("Mailbox/set", new JsonObject { ["update"] = new JsonObject { [id] = new JsonObject { ["unreadEmails"] = 3 } } });
        Assert.NotNull(result["notUpdated"]?[id]);
    }

    [Fact]
    public async Task S2_isSubscribed_and_sortOrder_can_be_updated()
    {
        var server = await JmapTestServer.GetAsync(fixture);
        using var client = await server.NewUserAsync();
        var id = await CreateMailboxAsync(client, "Subscribable", more: new JsonObject { ["isSubscribed"] = true, ["sortOrder"] = 40 });
        var got = await MailboxAsync(client, id);
        Assert.True(got["isSubscribed"]!.GetValue<bool>());
        Assert.Equal(40, got["sortOrder"]!.GetValue<int>());
        var result = await client.OkAsync("Mailbox/set", new JsonObject { ["update"] = new JsonObject { [id] = new JsonObject { ["isSubscribed"] = false, ["sortOrder"] = 2 } } });
        Assert.True(result["updated"]!.AsObject().ContainsKey(id));
        got = await MailboxAsync(client, id);
        Assert.False(got["isSubscribed"]!.GetValue<bool>());
        Assert.Equal(2, got["sortOrder"]!.GetValue<int>());
    }

    [Fact]
    public async Task S2_5_onDestroyRemoveEmails_destroys_emails_only_there_and_keeps_those_also_elsewhere()
    {
        // RFC 8621 §2.5: "If true, any Emails that were in this Mailbox will be removed from it, and if in no other Mailboxes, they will be destroyed."
        var server = await JmapTestServer.GetAsync(fixture);
        using var client = await server.NewUserAsync();
        var box = await CreateMailboxAsync(client, "Doomed");
        var archive = await client.MailboxIdAsync("archive");
        var only = await ImportAsync(client, Simple("Only here"), box);
        var shared = await ImportAsync(client, Simple("Also archived"), box);
        Assert.Null(await UpdateEmailAsync(client, shared, new JsonObject { [$"mailboxIds/{archive}"] = true }));
        var refused = await client.OkAsync("Mailbox/set", new JsonObject { ["destroy"] = new JsonArray(box) });
        Assert.Equal("mailboxHasEmail", refused["notDestroyed"]![box]!["type"]!.GetValue<string>());
        var result = await client.OkAsync("Mailbox/set", new JsonObject { ["destroy"] = new JsonArray(box), ["onDestroyRemoveEmails"] = true });
        Assert.Equal([box], Ids(result["destroyed"]));
        var emails = await client.OkAsync("Email/get", new JsonObject { ["ids"] = new JsonArray(only, shared), ["properties"] = new JsonArray("mailboxIds") });
        Assert.Equal([only], Ids(emails["notFound"]));
        Assert.Equal([archive], Keys(emails["list"]![0]!["mailboxIds"]));
    }

    [Fact]
    public async Task S2_5_destroying_a_mailbox_with_a_child_is_mailboxHasChild_even_with_onDestroyRemoveEmails()
    {
        var server = await JmapTestServer.GetAsync(fixture);
        using var client = await server.NewUserAsync();
        var parent = await CreateMailboxAsync(client, "Parent");
        await CreateMailboxAsync(client, "Kid", parent);
        var result = await client.OkAsync("Mailbox/set", new JsonObject { ["destroy"] = new JsonArray(parent), ["onDestroyRemoveEmails"] = true });
        Assert.Equal("mailboxHasChild", result["notDestroyed"]![parent]!["type"]!.GetValue<string>());
        result = await client.OkAsync("Mailbox/set", new JsonObject { ["destroy"] = new JsonArray("M424242") });
        Assert.Equal("notFound", result["notDestroyed"]!["M424242"]!["type"]!.GetValue<string>());
    }

    [Fact]
    public async Task S2_2_Mailbox_changes_reports_counts_only_changes_with_updatedProperties()
    {
        // RFC 8621 §2.2: updatedProperties: "If only the "totalEmails", "unreadEmails", "totalThreads", and/or "unreadThreads" Mailbox properties have changed since the old state, this will be the list of properties that may have changed."
        var server = await JmapTestServer.GetAsync(fixture);
        using var client = await server.NewUserAsync();
        var inbox = await client.MailboxIdAsync("inbox");
        var state = (await client.OkAsync("Mailbox/get", new JsonObject { ["ids"] = new JsonArray() }))["state"]!.GetValue<string>();
        await ImportAsync(client, Simple("Counts only"));
        var changes = await client.OkAsync("Mailbox/changes", new JsonObject { ["sinceState"] = state });
        Assert.Contains(inbox, Ids(changes["updated"]));
        var updatedProperties = Ids(changes["updatedProperties"]);
        Assert.Contains("totalEmails", updatedProperties);
        Assert.Contains("unreadEmails", updatedProperties);
        Assert.DoesNotContain("name", updatedProperties);

        // A rename is not a counts-only change: updatedProperties is null.
        state = changes["newState"]!.GetValue<string>();
        var box = await CreateMailboxAsync(client, "Renamable");
        var mid = (await client.OkAsync("Mailbox/get", new JsonObject { ["ids"] = new JsonArray() }))["state"]!.GetValue<string>();
        await client.OkAsync("Mailbox/set", new JsonObject { ["update"] = new JsonObject { [box] = new JsonObject { ["name"] = "Renamed" } } });
        changes = await client.OkAsync("Mailbox/changes", new JsonObject { ["sinceState"] = mid });
        Assert.Contains(box, Ids(changes["updated"]));
        Assert.Null(changes["updatedProperties"]);
        Assert.True(changes.ContainsKey("updatedProperties"));
        changes = await client.OkAsync("Mailbox/changes", new JsonObject { ["sinceState"] = state });
        Assert.Contains(box, Ids(changes["created"]));
        Assert.DoesNotContain(box, Ids(changes["updated"]));
    }

    [Fact]
    public async Task S2_2_a_destroyed_mailbox_is_in_destroyed()
    {
        var server = await JmapTestServer.GetAsync(fixture);
        using var client = await server.NewUserAsync();
        var box = await CreateMailboxAsync(client, "Short lived");
        var state = (await client.OkAsync("Mailbox/get", new JsonObject { ["ids"] = new JsonArray() }))["state"]!.GetValue<string>();
        await client.OkAsync("Mailbox/set", new JsonObject { ["destroy"] = new JsonArray(box) });
        var changes = await client.OkAsync("Mailbox/changes", new JsonObject { ["sinceState"] = state });
        Assert.Equal([box], Ids(changes["destroyed"]));
        Assert.Empty(Ids(changes["created"]));
        Assert.Equal("cannotCalculateChanges", await client.ErrorAsync("Mailbox/changes", new JsonObject { ["sinceState"] = "bogus" }));
    }
}
