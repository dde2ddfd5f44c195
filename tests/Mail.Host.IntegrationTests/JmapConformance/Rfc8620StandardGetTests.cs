using System.Text.Json.Nodes;

namespace Mail.Host.IntegrationTests.JmapConformance;

/// <summary>RFC 8620 §5.1: /get, on Mailbox and Email.</summary>
[Collection(DeploymentCollection.Name)]
public sealed class Rfc8620StandardGetTests(DeploymentFixture fixture)
{
    [Fact]
    public async Task Rfc8620_5_1_ids_null_returns_every_record_and_the_state()
    {
        // RFC 8620 §5.1: "If null, then all records of the data type are returned"
        var server = await JmapTestServer.GetAsync(fixture);
        using var client = await server.NewUserAsync();
        var id = await client.CreateMailboxAsync("All of them");
        var result = await client.OkAsync("Mailbox/get", new JsonObject { ["ids"] = null });
        Assert.Contains(id, result["list"]!.AsArray().Select(m => m!["id"]!.GetValue<string>()));
        Assert.Empty(result["notFound"]!.AsArray());
        Assert.Equal(client.AccountId, result["accountId"]!.GetValue<string>());
        Assert.False(string.IsNullOrEmpty(result["state"]!.GetValue<string>()));
    }

    [Fact]
    public async Task Rfc8620_5_1_an_omitted_ids_argument_is_the_same_as_null()
    {
        // RFC 8620 §5.1: "ids: Id[]|null"; an argument "null" or omitted takes its default.
        var server = await JmapTestServer.GetAsync(fixture);
        using var client = await server.NewUserAsync();
        var omitted = await client.OkAsync("Mailbox/get", []);
        var explicitNull = await client.OkAsync("Mailbox/get", new JsonObject { ["ids"] = null });
        Assert.Equal(explicitNull["list"]!.AsArray().Count, omitted["list"]!.AsArray().Count);
    }

    [Fact]
    public async Task Rfc8620_5_1_the_id_is_returned_even_when_properties_does_not_name_it()
    {
        // RFC 8620 §5.1: "The 'id' property of the object is always returned, regardless of whether it is in the list."
        var server = await JmapTestServer.GetAsync(fixture);
        using var client = await server.NewUserAsync();
        var result = await client.OkAsync("Mailbox/get", new JsonObject { ["ids"] = null, ["properties"] = new JsonArray("name") });
        Assert.All(result["list"]!.AsArray(), m =>
        {
            Assert.NotNull(m!["id"]);
            Assert.NotNull(m["name"]);
            Assert.Null(m["role"]);
            Assert.Equal(2, m.AsObject().Count);
        });
    }

    [Fact]
    public async Task Rfc8620_5_1_an_empty_properties_list_returns_only_ids()
    {
        // RFC 8620 §5.1: properties lists what to return; "id" is always returned.
        var server = await JmapTestServer.GetAsync(fixture);
        using var client = await server.NewUserAsync();
        var result = await client.OkAsync("Mailbox/get", new JsonObject { ["ids"] = null, ["properties"] = new JsonArray() });
        Assert.All(result["list"]!.AsArray(), m => Assert.Equal(["id"], m!.AsObject().Select(p => p.Key)));
    }

    [Fact]
    public async Task Rfc8620_5_1_properties_null_returns_all_properties()
    {
        // RFC 8620 §5.1: "If null, all properties of the object are returned"
        var server = await JmapTestServer.GetAsync(fixture);
        using var client = await server.NewUserAsync();
        var result = await client.OkAsync("Mailbox/get", new JsonObject { ["ids"] = null, ["properties"] = null });
        var inbox = result["list"]!.AsArray().First(m => m!["role"]?.GetValue<string>() == "inbox")!.AsObject();
        foreach (var property in new[] { "id", "name", "parentId", "role", "sortOrder", "totalEmails", "unreadEmails", "totalThreads", "unreadThreads", "myRights", "isSubscribed" })
        {
            Assert.True(inbox.ContainsKey(property), property);
        }
    }

    [Fact]
    public async Task Rfc8620_5_1_an_unknown_property_is_invalidArguments_on_Email_too()
    {
        // RFC 8620 §5.1: "If any of the properties ... is not a valid property of the type, the server MUST reject it with an invalidArguments error"
        var server = await JmapTestServer.GetAsync(fixture);
        using var client = await server.NewUserAsync();
        Assert.Equal("invalidArguments", await client.ErrorAsync("Email/get", new JsonObject { ["ids"] = new JsonArray(), ["properties"] = new JsonArray("subject", "colour") }));
        Assert.Equal("invalidArguments", await client.ErrorAsync("Thread/get", new JsonObject { ["ids"] = new JsonArray(), ["properties"] = new JsonArray("emailIds", "colour") }));
    }

    [Fact]
    public async Task Rfc8620_5_1_a_duplicate_id_is_returned_once()
    {
        // RFC 8620 §5.1: "If an identical id is included more than once in the request, the server MUST only include it once in either the list or the notFound argument of the response."
        var server = await JmapTestServer.GetAsync(fixture);
        using var client = await server.NewUserAsync();
        var emailId = await server.DeliverAndFindAsync(client, "Twice");
        var inbox = await client.MailboxIdAsync("inbox");
        var mailboxes = await client.OkAsync("Mailbox/get", new JsonObject { ["ids"] = new JsonArray(inbox, inbox, "Mnope", "Mnope") });
        Assert.Single(mailboxes["list"]!.AsArray());
        Assert.Single(mailboxes["notFound"]!.AsArray());
        var emails = await client.OkAsync("Email/get", new JsonObject { ["ids"] = new JsonArray(emailId, emailId, "Enope", "Enope"), ["properties"] = new JsonArray("subject") });
        Assert.Single(emails["list"]!.AsArray());
        Assert.Single(emails["notFound"]!.AsArray());
    }

    [Fact]
    public async Task Rfc8620_5_1_ids_that_do_not_exist_are_in_notFound_and_found_ones_in_list()
    {
        // RFC 8620 §5.1: "notFound: Id[] This array contains the ids passed to the method for records that do not exist."
        var server = await JmapTestServer.GetAsync(fixture);
        using var client = await server.NewUserAsync();
        var id = await client.CreateMailboxAsync("Soon gone");
        await client.OkAsync("Mailbox/set", new JsonObject { ["destroy"] = new JsonArray(id) });
        var inbox = await client.MailboxIdAsync("inbox");
        var result = await client.OkAsync("Mailbox/get", new JsonObject { ["ids"] = new JsonArray(inbox, id) });
        Assert.Equal(inbox, Assert.Single(result["list"]!.AsArray())!["id"]!.GetValue<string>());
        Assert.Equal(id, Assert.Single(result["notFound"]!.AsArray())!.GetValue<string>());
    }

    [Fact]
    public async Task Rfc8620_5_1_over_maxObjectsInGet_is_requestTooLarge_on_Email_get()
    {
        // RFC 8620 §5.1: "If the number of ids requested by the client exceeds the maximum number the server is willing to process, the server MUST return a requestTooLarge error."
        var server = await JmapTestServer.GetAsync(fixture);
        using var client = await server.NewUserAsync();
        var max = (int)client.CoreLimit("maxObjectsInGet");
        var ids = new JsonArray([.. Enumerable.Range(1, max + 1).Select(i => (JsonNode)("E" + i))]);
        Assert.Equal("requestTooLarge", await client.ErrorAsync("Email/get", new JsonObject { ["ids"] = ids }));
        Assert.Equal("requestTooLarge", await client.ErrorAsync("Thread/get", new JsonObject { ["ids"] = ids.DeepClone() }));
    }

    [Fact]
    public async Task Rfc8620_5_1_the_state_changes_when_a_record_changes()
    {
        // RFC 8620 §5.1: "state: ... If the data changes, this string MUST change."
        var server = await JmapTestServer.GetAsync(fixture);
        using var client = await server.NewUserAsync();
        var before = await client.MailboxStateAsync();
        Assert.Equal(before, await client.MailboxStateAsync());
        await client.CreateMailboxAsync("State changer");
        Assert.NotEqual(before, await client.MailboxStateAsync());
    }
}
