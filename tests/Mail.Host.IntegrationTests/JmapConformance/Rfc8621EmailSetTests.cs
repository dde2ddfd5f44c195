using System.Text.Json.Nodes;
using static Mail.Host.IntegrationTests.JmapConformance.PartBHelpers;

namespace Mail.Host.IntegrationTests.JmapConformance;

/// <summary>RFC 8621 §4.6 Email/set: keywords, mailboxIds patches, drafts and the rules on what may be set.</summary>
[Collection(DeploymentCollection.Name)]
public sealed class Rfc8621EmailSetTests(DeploymentFixture fixture)
{
    private async Task<(JmapClient Client, string Drafts)> ClientAsync()
    {
        var server = await JmapTestServer.GetAsync(fixture);
        var client = await server.NewUserAsync();
        return (client, await client.MailboxIdAsync("drafts"));
    }

    private static JsonObject Draft(string drafts, string subject = "A draft") => new()
    {
        ["mailboxIds"] = new JsonObject { [drafts] = true },
        ["keywords"] = new JsonObject { ["$draft"] = true },
        ["from"] = new JsonArray(new JsonObject { ["name"] = "Me", ["email"] = "me@example.org" }),
        ["to"] = new JsonArray(new JsonObject { ["email"] = "you@elsewhere.test" }),
        ["subject"] = subject,
        ["bodyValues"] = new JsonObject { ["t"] = new JsonObject { ["value"] = "Draft text" } },
        ["textBody"] = new JsonArray(new JsonObject { ["partId"] = "t", ["type"] = "text/plain" }),
    };

    [Fact]
    public async Task S4_1_1_keywords_are_case_insensitive_and_returned_lowercase()
    {
        // RFC 8621 §4.1.1: keywords "are case insensitive ... the server MUST return them in lowercase".
        var (client, _) = await ClientAsync();
        using var __ = client;
        var id = await ImportAsync(client, Simple("Keywords"), keywords: new JsonObject { ["$Flagged"] = true, ["MyLabel"] = true });
        Assert.Equal(["$flagged", "mylabel"], Keys((await EmailAsync(client, id, ["keywords"]))["keywords"]).Order().ToList());
        Assert.Null(await UpdateEmailAsync(client, id, new JsonObject { ["keywords/$SEEN"] = true, ["keywords/MYLABEL"] = null }));
        Assert.Equal(["$flagged", "$seen"], Keys((await EmailAsync(client, id, ["keywords"]))["keywords"]).Order().ToList());
    }

    [Theory]
    [InlineData("has space")]
    [InlineData("paren(")]
    [InlineData("brace{")]
    [InlineData("percent%")]
    [InlineData("star*")]
    [InlineData("quote\"")]
    [InlineData("back\\slash")]
    [InlineData("bracket]")]
    public async Task S4_1_1_a_keyword_with_forbidden_characters_is_invalidProperties(string keyword)
    {
        // RFC 8621 §4.1.1: a keyword "MUST NOT include ... ( ) { ] % * " \".
        var (client, _) = await ClientAsync();
        using var __ = client;
        var id = await ImportAsync(client, Simple("Bad keyword"));
        var result = await client.OkAsync("Email/set", new JsonObject { ["update"] = new JsonObject { [id] = new JsonObject { ["keywords"] = new JsonObject { [keyword] = true } } } });
        Assert.Equal("invalidProperties", result["notUpdated"]![id]!["type"]!.GetValue<string>());
    }

    [Fact]
    public async Task S4_1_1_a_keyword_set_to_false_is_invalidProperties()
    {
        var (client, _) = await ClientAsync();
        using var __ = client;
        var id = await ImportAsync(client, Simple("False keyword"));
        Assert.Equal("invalidProperties", await UpdateEmailAsync(client, id, new JsonObject { ["keywords"] = new JsonObject { ["$seen"] = false } }));
    }

    [Fact]
    public async Task S4_6_mailboxIds_patch_adds_and_removes_one_mailbox()
    {
        var (client, _) = await ClientAsync();
        using var __ = client;
        var inbox = await client.MailboxIdAsync("inbox");
        var archive = await client.MailboxIdAsync("archive");
        var id = await ImportAsync(client, Simple("Patch mailboxes"));
        Assert.Null(await UpdateEmailAsync(client, id, new JsonObject { [$"mailboxIds/{archive}"] = true }));
        Assert.Equal(new[] { inbox, archive }.Order(), Keys((await EmailAsync(client, id, ["mailboxIds"]))["mailboxIds"]).Order());
        Assert.Null(await UpdateEmailAsync(client, id, new JsonObject { [$"mailboxIds/{inbox}"] = null }));
        Assert.Equal([archive], Keys((await EmailAsync(client, id, ["mailboxIds"]))["mailboxIds"]));
    }

    [Fact]
    public async Task S4_6_removing_the_last_mailbox_is_invalidProperties()
    {
        // RFC 8621 §4.1.1: mailboxIds: "An Email in the mail store MUST belong to one or more Mailboxes at all times".
        var (client, _) = await ClientAsync();
        using var __ = client;
        var inbox = await client.MailboxIdAsync("inbox");
        var id = await ImportAsync(client, Simple("Last mailbox"));
        Assert.Equal("invalidProperties", await UpdateEmailAsync(client, id, new JsonObject { [$"mailboxIds/{inbox}"] = null }));
        Assert.Equal("invalidProperties", await UpdateEmailAsync(client, id, new JsonObject { ["mailboxIds/M999999"] = true }));
        Assert.Equal([inbox], Keys((await EmailAsync(client, id, ["mailboxIds"]))["mailboxIds"]));
    }

    [Theory]
    [InlineData("subject")]
    [InlineData("from")]
    [InlineData("receivedAt")]
    [InlineData("header:X-Custom")]
    [InlineData("blobId")]
    public async Task S4_6_updating_anything_but_keywords_and_mailboxIds_is_invalidProperties(string property)
    {
        // RFC 8621 §4.6: "the keywords and mailboxIds properties ... are the only properties that may be updated".
        var (client, _) = await ClientAsync();
        using var __ = client;
        var id = await ImportAsync(client, Simple("Immutable"));
        Assert.Equal("invalidProperties", await UpdateEmailAsync(client, id, new JsonObject { [property] = "2026-01-01T00:00:00Z" }));
    }

    [Fact]
    public async Task S4_6_a_draft_returns_its_server_set_properties_and_reads_back()
    {
        var (client, drafts) = await ClientAsync();
        using var __ = client;
        var (created, error) = await CreateEmailAsync(client, Draft(drafts, "Created draft"));
        Assert.Null(error);
        foreach (var property in new[] { "id", "blobId", "threadId", "size" })
        {
            Assert.True(created![property] is not null, property);
        }

        var id = created!["id"]!.GetValue<string>();
        var email = await EmailAsync(client, id, ["subject", "from", "to", "keywords", "mailboxIds", "size", "blobId"]);
        Assert.Equal("Created draft", email["subject"]!.GetValue<string>());
        Assert.Equal("Me", email["from"]![0]!["name"]!.GetValue<string>());
        Assert.Equal("you@elsewhere.test", email["to"]![0]!["email"]!.GetValue<string>());
        Assert.True(email["keywords"]!["$draft"]!.GetValue<bool>());
        Assert.Equal(created["size"]!.GetValue<int>(), email["size"]!.GetValue<int>());
        Assert.Equal(created["blobId"]!.GetValue<string>(), email["blobId"]!.GetValue<string>());
    }

    [Fact]
    public async Task S4_6_a_draft_from_bodyStructure_keeps_the_structure()
    {
        var (client, drafts) = await ClientAsync();
        using var __ = client;
        var draft = Draft(drafts, "Structured");
        draft.Remove("textBody");
        draft["bodyValues"] = new JsonObject { ["t"] = new JsonObject { ["value"] = "text" }, ["h"] = new JsonObject { ["value"] = "<b>html</b>" } };
        draft["bodyStructure"] = new JsonObject
        {
            ["type"] = "multipart/alternative",
            ["subParts"] = new JsonArray(new JsonObject { ["partId"] = "t", ["type"] = "text/plain" }, new JsonObject { ["partId"] = "h", ["type"] = "text/html" }),
        };
        var (created, error) = await CreateEmailAsync(client, draft);
        Assert.True(error is null, error?.ToJsonString());
        var email = await EmailAsync(client, created!["id"]!.GetValue<string>(), ["bodyStructure", "textBody", "htmlBody"]);
        Assert.Equal("multipart/alternative", email["bodyStructure"]!["type"]!.GetValue<string>());
        Assert.Equal("text/plain", email["textBody"]![0]!["type"]!.GetValue<string>());
        Assert.Equal("text/html", email["htmlBody"]![0]!["type"]!.GetValue<string>());
    }

    [Fact]
    public async Task S4_6_header_forms_can_be_set_on_create()
    {
        var (client, drafts) = await ClientAsync();
        using var __ = client;
        var draft = Draft(drafts, "Header forms");
        draft["header:X-Raw"] = " raw value";
        draft["header:X-Text:asText"] = "Grüße";
        draft["header:List-Post:asURLs"] = new JsonArray("mailto:list@elsewhere.test");
        var (created, error) = await CreateEmailAsync(client, draft);
        Assert.True(error is null, error?.ToJsonString());
        var email = await EmailAsync(client, created!["id"]!.GetValue<string>(), ["header:X-Raw:asText", "header:X-Text:asText", "header:List-Post:asURLs"]);
        Assert.Equal("raw value", email["header:X-Raw:asText"]!.GetValue<string>());
        Assert.Equal("Grüße", email["header:X-Text:asText"]!.GetValue<string>());
        Assert.Equal(["mailto:list@elsewhere.test"], Ids(email["header:List-Post:asURLs"]));
    }

    [Fact]
    public async Task S4_6_bodyStructure_together_with_textBody_is_invalidProperties()
    {
        // RFC 8621 §4.6: "If the bodyStructure property is given, textBody, htmlBody, and attachments MUST NOT be given ... invalidProperties".
        var (client, drafts) = await ClientAsync();
        using var __ = client;
        var draft = Draft(drafts);
        draft["bodyStructure"] = new JsonObject { ["partId"] = "t", ["type"] = "text/plain" };
        var (_, error) = await CreateEmailAsync(client, draft);
        Assert.Equal("invalidProperties", error?["type"]?.GetValue<string>());
    }

    [Fact]
    public async Task S4_6_a_header_given_both_as_header_and_convenience_property_is_invalidProperties()
    {
        // RFC 8621 §4.6: "the server MUST reject the creation if the same header field is given in both header:... and a convenience property".
        var (client, drafts) = await ClientAsync();
        using var __ = client;
        var draft = Draft(drafts);
        draft["header:Subject"] = " another subject";
        var (_, error) = await CreateEmailAsync(client, draft);
        Assert.Equal("invalidProperties", error?["type"]?.GetValue<string>());
        draft = Draft(drafts);
        draft["header:FROM:asAddresses"] = new JsonArray(new JsonObject { ["email"] = "other@example.org" });
        (_, error) = await CreateEmailAsync(client, draft);
        Assert.Equal("invalidProperties", error?["type"]?.GetValue<string>());
    }

    [Fact]
    public async Task S4_6_Content_Transfer_Encoding_may_not_be_given()
    {
        // RFC 8621 §4.6: "The Content-Transfer-Encoding header field MUST NOT be given in either the top-level header or EmailBodyPart headers".
        var (client, drafts) = await ClientAsync();
        using var __ = client;
        var draft = Draft(drafts);
        draft["header:Content-Transfer-Encoding"] = " base64";
        var (_, error) = await CreateEmailAsync(client, draft);
        Assert.Equal("invalidProperties", error?["type"]?.GetValue<string>());
        draft = Draft(drafts);
        draft["textBody"]![0]!["header:Content-Transfer-Encoding"] = " 8bit";
        (_, error) = await CreateEmailAsync(client, draft);
        Assert.Equal("invalidProperties", error?["type"]?.GetValue<string>());
    }

    [Fact]
    public async Task S4_6_an_unknown_attachment_blob_is_blobNotFound_with_notFound()
    {
        // RFC 8621 §4.6: blobNotFound: "The SetError object SHOULD have a notFound property with the blob ids".
        var (client, drafts) = await ClientAsync();
        using var __ = client;
        var draft = Draft(drafts);
        var missing = "G" + new string('1', 64);
        draft["attachments"] = new JsonArray(new JsonObject { ["blobId"] = missing, ["type"] = "application/pdf", ["name"] = "x.pdf" });
        var (_, error) = await CreateEmailAsync(client, draft);
        Assert.Equal("blobNotFound", error?["type"]?.GetValue<string>());
        Assert.Equal([missing], Ids(error!["notFound"]));
    }

    [Fact]
    public async Task S4_6_an_attachment_from_an_uploaded_blob_keeps_its_bytes_name_and_type()
    {
        var (client, drafts) = await ClientAsync();
        using var __ = client;
        var bytes = Enumerable.Range(0, 300).Select(i => (byte)i).ToArray();
        var blobId = await UploadAsync(client, bytes, "application/octet-stream");
        var draft = Draft(drafts);
        draft["attachments"] = new JsonArray(new JsonObject { ["blobId"] = blobId, ["type"] = "application/x-test", ["name"] = "data.bin" });
        var (created, error) = await CreateEmailAsync(client, draft);
        Assert.True(error is null, error?.ToJsonString());
        var email = await EmailAsync(client, created!["id"]!.GetValue<string>(), ["attachments", "hasAttachment"]);
        var attachment = email["attachments"]![0]!;
        Assert.Equal("data.bin", attachment["name"]!.GetValue<string>());
        Assert.Equal("application/x-test", attachment["type"]!.GetValue<string>());
        Assert.Equal(300, attachment["size"]!.GetValue<int>());
        Assert.True(email["hasAttachment"]!.GetValue<bool>());
        using var response = await client.Http.GetAsync($"/jmap/download/{client.AccountId}/{attachment["blobId"]!.GetValue<string>()}/data.bin");
        Assert.Equal(bytes, await response.Content.ReadAsByteArrayAsync());
    }

    [Fact]
    public async Task S4_6_a_draft_without_mailboxIds_is_invalidProperties()
    {
        var (client, drafts) = await ClientAsync();
        using var __ = client;
        var draft = Draft(drafts);
        draft.Remove("mailboxIds");
        var (_, error) = await CreateEmailAsync(client, draft);
        Assert.Equal("invalidProperties", error?["type"]?.GetValue<string>());
        Assert.Contains("mailboxIds", Ids(error!["properties"]));
    }

    [Fact]
    public async Task S4_6_destroy_removes_the_email_from_every_mailbox()
    {
        var (client, _) = await ClientAsync();
        using var __ = client;
        var archive = await client.MailboxIdAsync("archive");
        var inbox = await client.MailboxIdAsync("inbox");
        var id = await ImportAsync(client, Simple("Destroy me"));
        Assert.Null(await UpdateEmailAsync(client, id, new JsonObject { [$"mailboxIds/{archive}"] = true }));
        var result = await client.OkAsync("Email/set", new JsonObject { ["destroy"] = new JsonArray(id, "E999999") });
        Assert.Equal([id], Ids(result["destroyed"]));
        Assert.Equal("notFound", result["notDestroyed"]!["E999999"]!["type"]!.GetValue<string>());
        Assert.Equal(0, (await MailboxAsync(client, inbox))["totalEmails"]!.GetValue<int>());
        Assert.Equal(0, (await MailboxAsync(client, archive))["totalEmails"]!.GetValue<int>());
        Assert.Equal([id], Ids((await client.OkAsync("Email/get", new JsonObject { ["ids"] = new JsonArray(id) }))["notFound"]));
    }

    [Fact]
    public async Task S4_6_a_created_email_can_be_referenced_by_creation_id_in_the_same_request()
    {
        var (client, drafts) = await ClientAsync();
        using var __ = client;
        var responses = await client.CallAsync(JmapClient.MailUsing,
            new JsonArray("Email/set", new JsonObject { ["accountId"] = client.AccountId, ["create"] = new JsonObject { ["d"] = Draft(drafts) } }, "0"),
            new JsonArray("Email/set", new JsonObject { ["accountId"] = client.AccountId, ["update"] = new JsonObject { ["#d"] = new JsonObject { ["keywords/$seen"] = true } } }, "1"));
        var id = responses[0]![1]!["created"]!["d"]!["id"]!.GetValue<string>();
        Assert.True(responses[1]![1]!["updated"]!.AsObject().ContainsKey(id), responses.ToJsonString());
        Assert.Contains("$seen", Keys((await EmailAsync(client, id, ["keywords"]))["keywords"]));
    }

    [Fact]
    public async Task S4_6_text_body_values_are_stored_as_utf8_and_read_back()
    {
        var (client, drafts) = await ClientAsync();
        using var __ = client;
        var draft = Draft(drafts);
        draft["bodyValues"] = new JsonObject { ["t"] = new JsonObject { ["value"] = "Ünïcödé ✓ " + new string('z', 1000) } };
        var (created, _) = await CreateEmailAsync(client, draft);
        var email = await EmailAsync(client, created!["id"]!.GetValue<string>(), ["bodyValues", "textBody"], new JsonObject { ["fetchTextBodyValues"] = true });
        var partId = email["textBody"]![0]!["partId"]!.GetValue<string>();
        Assert.StartsWith("Ünïcödé ✓ zzz", email["bodyValues"]![partId]!["value"]!.GetValue<string>());
        Assert.Equal("utf-8", email["textBody"]![0]!["charset"]!.GetValue<string>(), ignoreCase: true);
    }

    [Fact]
    public async Task S4_6_a_draft_with_a_bad_keyword_or_an_unknown_property_is_invalidProperties()
    {
        var (client, drafts) = await ClientAsync();
        using var __ = client;
        var draft = Draft(drafts);
        draft["keywords"] = new JsonObject { ["bad keyword"] = true };
        var (_, error) = await CreateEmailAsync(client, draft);
        Assert.Equal("invalidProperties", error?["type"]?.GetValue<string>());
        Assert.Contains("keywords", Ids(error!["properties"]));
        draft = Draft(drafts);
        draft["threadId"] = "T1";
        (_, error) = await CreateEmailAsync(client, draft);
        Assert.Equal("invalidProperties", error?["type"]?.GetValue<string>());
    }

    [Fact]
    public async Task S4_6_a_stale_ifInState_is_stateMismatch_and_changes_nothing()
    {
        var (client, drafts) = await ClientAsync();
        using var __ = client;
        Assert.Equal("stateMismatch", await client.ErrorAsync("Email/set", new JsonObject { ["ifInState"] = "stale", ["create"] = new JsonObject { ["d"] = Draft(drafts) } }));
        Assert.Equal(0, (await MailboxAsync(client, drafts))["totalEmails"]!.GetValue<int>());
    }
}
