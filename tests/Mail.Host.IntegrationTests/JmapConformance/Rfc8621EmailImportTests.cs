using System.Text.Json.Nodes;
using static Mail.Host.IntegrationTests.JmapConformance.PartBHelpers;

namespace Mail.Host.IntegrationTests.JmapConformance;

/// <summary>RFC 8621 §4.7 Email/copy, §4.8 Email/import and §4.9 Email/parse.</summary>
[Collection(DeploymentCollection.Name)]
public sealed class Rfc8621EmailImportTests(DeploymentFixture fixture)
{
    [Fact]
    public async Task S4_8_import_sets_mailboxIds_keywords_and_receivedAt_and_returns_the_server_set_properties()
    {
        var server = await JmapTestServer.GetAsync(fixture);
        using var client = await server.NewUserAsync();
        var archive = await client.MailboxIdAsync("archive");
        var junk = await client.MailboxIdAsync("junk");
        var raw = Bytes(Simple("Imported twice"));
        var blobId = await UploadAsync(client, raw);
        var result = await client.OkAsync("Email/import", new JsonObject
        {
            ["emails"] = new JsonObject
            {
                ["i"] = new JsonObject
                {
                    ["blobId"] = blobId,
                    ["mailboxIds"] = new JsonObject { [archive] = true, [junk] = true },
                    ["keywords"] = new JsonObject { ["$Seen"] = true, ["$junk"] = true },
                    ["receivedAt"] = "2024-05-06T07:08:09Z",
                },
            },
        });
        var created = result["created"]!["i"]!;
        // RFC 8621 §4.8: created holds "the id, blobId, threadId, and size properties".
        Assert.Equal(raw.Length, created["size"]!.GetValue<int>());
        Assert.NotNull(created["threadId"]);
        Assert.NotNull(created["blobId"]);
        Assert.NotEqual(result["oldState"]!.GetValue<string>(), result["newState"]!.GetValue<string>());
        var email = await EmailAsync(client, created["id"]!.GetValue<string>(), ["mailboxIds", "keywords", "receivedAt"]);
        Assert.Equal(new[] { archive, junk }.Order(), Keys(email["mailboxIds"]).Order());
        Assert.Equal(["$junk", "$seen"], Keys(email["keywords"]).Order().ToList());
        Assert.Equal("2024-05-06T07:08:09Z", email["receivedAt"]!.GetValue<string>());
    }

    [Fact]
    public async Task S4_8_import_without_mailboxIds_or_with_an_unknown_mailbox_is_invalidProperties()
    {
        var server = await JmapTestServer.GetAsync(fixture);
        using var client = await server.NewUserAsync();
        var blobId = await UploadAsync(client, Bytes(Simple("No mailbox")));
        var result = await client.OkAsync("Email/import", new JsonObject
        {
            ["emails"] = new JsonObject
            {
                ["none"] = new JsonObject { ["blobId"] = blobId, ["mailboxIds"] = new JsonObject() },
                ["unknown"] = new JsonObject { ["blobId"] = blobId, ["mailboxIds"] = new JsonObject { ["M999999"] = true } },
            },
        });
        Assert.Equal("invalidProperties", result["notCreated"]!["none"]!["type"]!.GetValue<string>());
        Assert.Equal("invalidProperties", result["notCreated"]!["unknown"]!["type"]!.GetValue<string>());
    }

    [Fact]
    public async Task S4_8_a_blob_that_is_not_a_message_is_invalidEmail()
    {
        // RFC 8621 §4.8: invalidEmail: "The server could not parse the blob as an email."
        var server = await JmapTestServer.GetAsync(fixture);
        using var client = await server.NewUserAsync();
        var inbox = await client.MailboxIdAsync("inbox");
        var blobId = await UploadAsync(client, [0, 1, 2, 3, 0xff, 0xfe, 0, 0, 7], "application/octet-stream");
        var result = await client.OkAsync("Email/import", new JsonObject
        {
            ["emails"] = new JsonObject { ["bin"] = new JsonObject { ["blobId"] = blobId, ["mailboxIds"] = new JsonObject { [inbox] = true } } },
        });
        Assert.Equal("invalidEmail", result["notCreated"]!["bin"]!["type"]!.GetValue<string>());
    }

    [Fact]
    public async Task S4_8_a_stale_ifInState_is_stateMismatch()
    {
        var server = await JmapTestServer.GetAsync(fixture);
        using var client = await server.NewUserAsync();
        Assert.Equal("stateMismatch", await client.ErrorAsync("Email/import", new JsonObject { ["ifInState"] = "stale", ["emails"] = new JsonObject() }));
    }

    [Fact]
    public async Task S4_9_parse_returns_the_parsed_properties_with_server_metadata_null()
    {
        var server = await JmapTestServer.GetAsync(fixture);
        using var client = await server.NewUserAsync();
        var message = Simple("Parsed subject", "parsed body text", "p@elsewhere.test", "q@example.org");
        var blobId = await UploadAsync(client, Bytes(message));
        var result = await client.OkAsync("Email/parse", new JsonObject
        {
            ["blobIds"] = new JsonArray(blobId),
            ["properties"] = new JsonArray("id", "mailboxIds", "subject", "from", "to", "messageId", "textBody", "bodyValues", "preview", "size", "header:Subject:asText"),
            ["fetchTextBodyValues"] = true,
        });
        var email = result["parsed"]![blobId]!;
        // RFC 8621 §4.9: "id, mailboxIds, keywords, receivedAt, threadId" are null in a parsed email.
        Assert.Null(email["id"]);
        Assert.Null(email["mailboxIds"]);
        Assert.Equal("Parsed subject", email["subject"]!.GetValue<string>());
        Assert.Equal("Parsed subject", email["header:Subject:asText"]!.GetValue<string>());
        Assert.Equal("p@elsewhere.test", email["from"]![0]!["email"]!.GetValue<string>());
        Assert.Equal([message.MessageId!], Ids(email["messageId"]));
        var partId = email["textBody"]![0]!["partId"]!.GetValue<string>();
        Assert.StartsWith("parsed body text", email["bodyValues"]![partId]!["value"]!.GetValue<string>());
        Assert.StartsWith("parsed body text", email["preview"]!.GetValue<string>());
    }

    [Fact]
    public async Task S4_9_parse_sorts_blobs_into_parsed_notParsable_and_notFound()
    {
        var server = await JmapTestServer.GetAsync(fixture);
        using var client = await server.NewUserAsync();
        var good = await UploadAsync(client, Bytes(Simple("Good")));
        var binary = await UploadAsync(client, [0, 1, 2, 0xff, 0, 9, 0], "application/octet-stream");
        var result = await client.OkAsync("Email/parse", new JsonObject { ["blobIds"] = new JsonArray(good, binary, "Gmissing") });
        Assert.NotNull(result["parsed"]![good]);
        Assert.Equal([binary], Ids(result["notParsable"]));
        Assert.Equal(["Gmissing"], Ids(result["notFound"]));
    }

    [Fact]
    public async Task S4_7_copy_within_the_same_account_is_invalidArguments_and_an_unknown_account_fromAccountNotFound()
    {
        // RFC 8621 §4.7 / RFC 8620 §5.4: fromAccountId and accountId must differ; an account the user cannot read is fromAccountNotFound.
        var server = await JmapTestServer.GetAsync(fixture);
        using var client = await server.NewUserAsync();
        using var other = await server.NewUserAsync();
        Assert.Equal("invalidArguments", await client.ErrorAsync("Email/copy", new JsonObject { ["fromAccountId"] = client.AccountId, ["create"] = new JsonObject() }));
        Assert.Equal("fromAccountNotFound", await client.ErrorAsync("Email/copy", new JsonObject { ["fromAccountId"] = other.AccountId, ["create"] = new JsonObject() }));
        Assert.Equal("invalidArguments", await client.ErrorAsync("Email/copy", new JsonObject { ["create"] = new JsonObject() }));
    }
}
