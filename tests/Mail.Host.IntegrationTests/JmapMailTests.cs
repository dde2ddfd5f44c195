using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using MailKit.Net.Smtp;
using MimeKit;

namespace Mail.Host.IntegrationTests;

/// <summary>
/// RFC 8621 (JMAP mail) against the real server: mailboxes, emails, threads, search snippets, identities, submission,
/// vacation response, and RFC 9404 blobs and RFC 9425 quotas; mail arrives over SMTP where the flow starts there.
/// </summary>
[Collection(DeploymentCollection.Name)]
public sealed class JmapMailTests(DeploymentFixture fixture)
{
    private const string Submission = "urn:ietf:params:jmap:submission";

    [Fact]
    public async Task Every_account_has_the_special_use_mailboxes_with_roles_counts_and_rights()
    {
        var server = await JmapTestServer.GetAsync(fixture);
        using var client = await server.NewUserAsync();
        var result = await client.OkAsync("Mailbox/get", new JsonObject { ["ids"] = null });
        var roles = result["list"]!.AsArray().Select(m => m!["role"]?.GetValue<string>()).ToList();
        foreach (var role in new[] { "inbox", "drafts", "sent", "trash", "junk", "archive" })
        {
            Assert.Contains(role, roles);
        }

        var inbox = result["list"]!.AsArray().First(m => m!["role"]?.GetValue<string>() == "inbox")!;
        Assert.Equal(0, inbox["totalEmails"]!.GetValue<int>());
        Assert.Equal(0, inbox["unreadThreads"]!.GetValue<int>());
        Assert.False(inbox["myRights"]!["mayDelete"]!.GetValue<bool>());
        Assert.True(inbox["myRights"]!["mayAddItems"]!.GetValue<bool>());
        Assert.False(string.IsNullOrEmpty(result["state"]!.GetValue<string>()));
    }

    [Fact]
    public async Task Mailbox_set_creates_renames_orders_and_destroys_with_the_rfc_set_errors()
    {
        var server = await JmapTestServer.GetAsync(fixture);
        using var client = await server.NewUserAsync();
        var before = (await client.OkAsync("Mailbox/get", new JsonObject { ["ids"] = new JsonArray() }))["state"]!.GetValue<string>();
        var created = await client.OkAsync("Mailbox/set", new JsonObject
        {
            ["create"] = new JsonObject
            {
                ["p"] = new JsonObject { ["name"] = "Work", ["sortOrder"] = 7 },
                ["c"] = new JsonObject { ["name"] = "Reports", ["parentId"] = "#p" },
                ["bad"] = new JsonObject { ["name"] = "" },
                ["role"] = new JsonObject { ["name"] = "Second inbox", ["role"] = "inbox" },
                ["unknown"] = new JsonObject { ["name"] = "U", ["colour"] = "red" },
            },
        });
        var work = created["created"]!["p"]!["id"]!.GetValue<string>();
        var reports = created["created"]!["c"]!["id"]!.GetValue<string>();
        Assert.Equal("invalidProperties", created["notCreated"]!["bad"]!["type"]!.GetValue<string>());
        Assert.Equal("invalidProperties", created["notCreated"]!["role"]!["type"]!.GetValue<string>());
        Assert.Equal("invalidProperties", created["notCreated"]!["unknown"]!["type"]!.GetValue<string>());
        Assert.Equal(before, created["oldState"]!.GetValue<string>());
        Assert.NotEqual(before, created["newState"]!.GetValue<string>());

        var updated = await client.OkAsync("Mailbox/set", new JsonObject
        {
            ["update"] = new JsonObject
            {
                [work] = new JsonObject { ["name"] = "Office", ["sortOrder"] = 3 },
                [reports] = new JsonObject { ["flavour/x"] = 1 },
                ["M999999"] = new JsonObject { ["name"] = "Nope" },
            },
        });
        Assert.True(updated["updated"]!.AsObject().ContainsKey(work));
        Assert.Equal("invalidPatch", updated["notUpdated"]![reports]!["type"]!.GetValue<string>());
        Assert.Equal("notFound", updated["notUpdated"]!["M999999"]!["type"]!.GetValue<string>());
        var got = await client.OkAsync("Mailbox/get", new JsonObject { ["ids"] = new JsonArray(work, reports) });
        Assert.Equal("Office", got["list"]![0]!["name"]!.GetValue<string>());
        Assert.Equal(3, got["list"]![0]!["sortOrder"]!.GetValue<int>());
        Assert.Equal(work, got["list"]![1]!["parentId"]!.GetValue<string>());

        // Changes since the first state list both mailboxes as created.
        var changes = await client.OkAsync("Mailbox/changes", new JsonObject { ["sinceState"] = before });
        var createdIds = changes["created"]!.AsArray().Select(i => i!.GetValue<string>()).ToList();
        Assert.Contains(work, createdIds);
        Assert.Contains(reports, createdIds);

        var destroyed = await client.OkAsync("Mailbox/set", new JsonObject { ["destroy"] = new JsonArray(work) });
        Assert.Equal("mailboxHasChild", destroyed["notDestroyed"]![work]!["type"]!.GetValue<string>());

        // A mailbox holding an email needs onDestroyRemoveEmails.
        var draft = await CreateDraftAsync(client, reports, "In reports");
        destroyed = await client.OkAsync("Mailbox/set", new JsonObject { ["destroy"] = new JsonArray(reports) });
        Assert.Equal("mailboxHasEmail", destroyed["notDestroyed"]![reports]!["type"]!.GetValue<string>());
        destroyed = await client.OkAsync("Mailbox/set", new JsonObject { ["destroy"] = new JsonArray(reports, work), ["onDestroyRemoveEmails"] = true });
        Assert.Equal(2, destroyed["destroyed"]!.AsArray().Count);
        var gone = await client.OkAsync("Email/get", new JsonObject { ["ids"] = new JsonArray(draft) });
        Assert.Single(gone["notFound"]!.AsArray());

        var inbox = await client.MailboxIdAsync("inbox");
        destroyed = await client.OkAsync("Mailbox/set", new JsonObject { ["destroy"] = new JsonArray(inbox) });
        Assert.Equal("forbidden", destroyed["notDestroyed"]![inbox]!["type"]!.GetValue<string>());
    }

    [Fact]
    public async Task Mailbox_query_filters_sorts_and_pages()
    {
        var server = await JmapTestServer.GetAsync(fixture);
        using var client = await server.NewUserAsync();
        var all = await client.OkAsync("Mailbox/query", new JsonObject { ["sort"] = new JsonArray(new JsonObject { ["property"] = "sortOrder" }), ["calculateTotal"] = true });
        Assert.Equal(6, all["total"]!.GetValue<int>());
        var inbox = await client.MailboxIdAsync("inbox");
        Assert.Equal(inbox, all["ids"]![0]!.GetValue<string>());
        var roles = await client.OkAsync("Mailbox/query", new JsonObject { ["filter"] = new JsonObject { ["hasAnyRole"] = true }, ["position"] = 1, ["limit"] = 2 });
        Assert.Equal(2, roles["ids"]!.AsArray().Count);
        Assert.Equal(1, roles["position"]!.GetValue<int>());
        Assert.Equal("unsupportedSort", await client.ErrorAsync("Mailbox/query", new JsonObject { ["sort"] = new JsonArray(new JsonObject { ["property"] = "colour" }) }));
        Assert.Equal("unsupportedFilter", await client.ErrorAsync("Mailbox/query", new JsonObject { ["filter"] = new JsonObject { ["colour"] = "red" } }));
        Assert.Equal("anchorNotFound", await client.ErrorAsync("Mailbox/query", new JsonObject { ["anchor"] = "M424242" }));
        var state = all["queryState"]!.GetValue<string>();
        await client.OkAsync("Mailbox/set", new JsonObject { ["create"] = new JsonObject { ["n"] = new JsonObject { ["name"] = "New" } } });
        var changes = await client.OkAsync("Mailbox/queryChanges", new JsonObject { ["sinceQueryState"] = state, ["sort"] = new JsonArray(new JsonObject { ["property"] = "sortOrder" }) });
        Assert.Single(changes["added"]!.AsArray());
    }

    [Fact]
    public async Task Smtp_delivery_is_found_by_Email_query_and_read_by_Email_get_with_every_property()
    {
        var server = await JmapTestServer.GetAsync(fixture);
        using var client = await server.NewUserAsync();
        var message = new MimeMessage();
        message.From.Add(new MailboxAddress("Carol Sender", "carol@elsewhere.test"));
        message.To.Add(new MailboxAddress("Recipient", client.Address));
        message.Cc.Add(new MailboxAddress(null, "cc@elsewhere.test"));
        message.Subject = "Quarterly figures";
        message.MessageId = "figures-1@elsewhere.test";
        message.Headers.Add("X-Priority", "1");
        var alternative = new MultipartAlternative
        {
            new TextPart("plain") { Text = "The figures are attached.\r\nRegards" },
            new TextPart("html") { Text = "<p>The figures are <b>attached</b>.</p>" },
        };
        var attachment = new MimePart("application", "pdf") { Content = new MimeContent(new MemoryStream(Encoding.ASCII.GetBytes("%PDF-1.4 fake"))), FileName = "figures.pdf", ContentTransferEncoding = ContentEncoding.Base64 };
        message.Body = new Multipart("mixed") { alternative, attachment };
        using (var smtp = new SmtpClient())
        {
            await smtp.ConnectAsync("127.0.0.1", server.SmtpPort, MailKit.Security.SecureSocketOptions.None);
            // The envelope names only the local recipient: the Cc is another domain's, which the MTA does not relay.
            await smtp.SendAsync(message, MailboxAddress.Parse("carol@elsewhere.test"), [MailboxAddress.Parse(client.Address)]);
            await smtp.DisconnectAsync(true);
        }

        var query = await client.OkAsync("Email/query", new JsonObject { ["filter"] = new JsonObject { ["subject"] = "quarterly" }, ["calculateTotal"] = true });
        Assert.Equal(1, query["total"]!.GetValue<int>());
        var id = query["ids"]![0]!.GetValue<string>();
        var result = await client.OkAsync("Email/get", new JsonObject
        {
            ["ids"] = new JsonArray(id),
            ["properties"] = new JsonArray("id", "blobId", "threadId", "mailboxIds", "keywords", "size", "receivedAt", "messageId", "from", "to", "cc", "subject", "sentAt",
                "hasAttachment", "preview", "bodyStructure", "textBody", "htmlBody", "attachments", "bodyValues", "header:X-Priority:asText", "header:From:asAddresses", "header:Subject:all", "headers"),
            ["fetchTextBodyValues"] = true,
            ["fetchHTMLBodyValues"] = true,
            ["maxBodyValueBytes"] = 12,
        });
        var email = result["list"]![0]!;
        Assert.Equal("Quarterly figures", email["subject"]!.GetValue<string>());
        Assert.Equal("carol@elsewhere.test", email["from"]![0]!["email"]!.GetValue<string>());
        Assert.Equal("Carol Sender", email["from"]![0]!["name"]!.GetValue<string>());
        Assert.Equal("cc@elsewhere.test", email["cc"]![0]!["email"]!.GetValue<string>());
        Assert.Equal("figures-1@elsewhere.test", email["messageId"]![0]!.GetValue<string>());
        Assert.True(email["hasAttachment"]!.GetValue<bool>());
        Assert.Contains("figures", email["preview"]!.GetValue<string>());
        Assert.Equal("1", email["header:X-Priority:asText"]!.GetValue<string>());
        Assert.Equal("carol@elsewhere.test", email["header:From:asAddresses"]![0]!["email"]!.GetValue<string>());
        Assert.Single(email["header:Subject:all"]!.AsArray());
        Assert.Contains(email["headers"]!.AsArray(), h => h!["name"]!.GetValue<string>() == "Received");
        Assert.Equal("multipart/mixed", email["bodyStructure"]!["type"]!.GetValue<string>());
        Assert.Equal(2, email["bodyStructure"]!["subParts"]!.AsArray().Count);
        Assert.Equal("text/plain", email["textBody"]![0]!["type"]!.GetValue<string>());
        Assert.Equal("text/html", email["htmlBody"]![0]!["type"]!.GetValue<string>());
        var attached = Assert.Single(email["attachments"]!.AsArray())!;
        Assert.Equal("figures.pdf", attached["name"]!.GetValue<string>());
        var textPart = email["textBody"]![0]!["partId"]!.GetValue<string>();
        var value = email["bodyValues"]![textPart]!;
        Assert.Equal("The figures", value["value"]!.GetValue<string>()[..11]);
        Assert.True(value["isTruncated"]!.GetValue<bool>());
        Assert.True(email["mailboxIds"]!.AsObject().ContainsKey(await client.MailboxIdAsync("inbox")));

        // The attachment's blob is its decoded content.
        using var download = await client.Http.GetAsync($"/jmap/download/{client.AccountId}/{attached["blobId"]!.GetValue<string>()}/figures.pdf");
        Assert.Equal("%PDF-1.4 fake", await download.Content.ReadAsStringAsync());

        var thread = await client.OkAsync("Thread/get", new JsonObject { ["ids"] = new JsonArray(email["threadId"]!.GetValue<string>()) });
        Assert.Equal(id, thread["list"]![0]!["emailIds"]![0]!.GetValue<string>());
    }

    [Fact]
    public async Task Email_set_changes_keywords_and_mailboxes_and_Email_changes_reports_them()
    {
        var server = await JmapTestServer.GetAsync(fixture);
        using var client = await server.NewUserAsync();
        await server.DeliverAsync(client.Address, "Keyword test");
        var id = (await client.OkAsync("Email/query", new JsonObject()))["ids"]![0]!.GetValue<string>();
        var state = (await client.OkAsync("Email/get", new JsonObject { ["ids"] = new JsonArray() }))["state"]!.GetValue<string>();
        var archive = await client.MailboxIdAsync("archive");
        var inbox = await client.MailboxIdAsync("inbox");
        var set = await client.OkAsync("Email/set", new JsonObject
        {
            ["update"] = new JsonObject
            {
                [id] = new JsonObject { ["keywords/$seen"] = true, ["keywords/$flagged"] = true, [$"mailboxIds/{archive}"] = true },
            },
        });
        Assert.True(set["updated"]!.AsObject().ContainsKey(id));
        var email = (await client.OkAsync("Email/get", new JsonObject { ["ids"] = new JsonArray(id), ["properties"] = new JsonArray("keywords", "mailboxIds") }))["list"]![0]!;
        Assert.True(email["keywords"]!["$seen"]!.GetValue<bool>());
        Assert.True(email["mailboxIds"]!.AsObject().ContainsKey(archive));
        Assert.True(email["mailboxIds"]!.AsObject().ContainsKey(inbox));

        var changes = await client.OkAsync("Email/changes", new JsonObject { ["sinceState"] = state });
        Assert.Contains(id, changes["updated"]!.AsArray().Select(i => i!.GetValue<string>()));

        // Replace the mailboxes, remove a keyword with null.
        set = await client.OkAsync("Email/set", new JsonObject
        {
            ["update"] = new JsonObject { [id] = new JsonObject { ["mailboxIds"] = new JsonObject { [archive] = true }, ["keywords/$flagged"] = null } },
        });
        Assert.True(set["updated"]!.AsObject().ContainsKey(id));
        email = (await client.OkAsync("Email/get", new JsonObject { ["ids"] = new JsonArray(id), ["properties"] = new JsonArray("keywords", "mailboxIds") }))["list"]![0]!;
        Assert.False(email["mailboxIds"]!.AsObject().ContainsKey(inbox));
        Assert.False(email["keywords"]!.AsObject().ContainsKey("$flagged"));

        // Invalid patches and properties.
        set = await client.OkAsync("Email/set", new JsonObject
        {
            ["update"] = new JsonObject
            {
                [id] = new JsonObject { ["keywords/bad keyword"] = true },
                ["E99999999"] = new JsonObject { ["keywords/$seen"] = true },
            },
        });
        Assert.Equal("invalidProperties", set["notUpdated"]![id]!["type"]!.GetValue<string>());
        Assert.Equal("notFound", set["notUpdated"]!["E99999999"]!["type"]!.GetValue<string>());
        set = await client.OkAsync("Email/set", new JsonObject { ["update"] = new JsonObject { [id] = new JsonObject { ["subject"] = "new" } } });
        Assert.Equal("invalidProperties", set["notUpdated"]![id]!["type"]!.GetValue<string>());
        set = await client.OkAsync("Email/set", new JsonObject { ["update"] = new JsonObject { [id] = new JsonObject { ["mailboxIds"] = new JsonObject() } } });
        Assert.Equal("invalidProperties", set["notUpdated"]![id]!["type"]!.GetValue<string>());
        set = await client.OkAsync("Email/set", new JsonObject { ["update"] = new JsonObject { [id] = new JsonObject { ["keywords/nope/deeper"] = true } } });
        Assert.Equal("invalidPatch", set["notUpdated"]![id]!["type"]!.GetValue<string>());

        set = await client.OkAsync("Email/set", new JsonObject { ["destroy"] = new JsonArray(id) });
        Assert.Equal(id, set["destroyed"]![0]!.GetValue<string>());
        changes = await client.OkAsync("Email/changes", new JsonObject { ["sinceState"] = state });
        Assert.Contains(id, changes["destroyed"]!.AsArray().Select(i => i!.GetValue<string>()));
    }

    [Fact]
    public async Task Email_query_filters_sorts_collapses_threads_and_pages()
    {
        var server = await JmapTestServer.GetAsync(fixture);
        using var client = await server.NewUserAsync();
        await server.DeliverAsync(client.Address, "Alpha report", "budget numbers");
        await server.DeliverAsync(client.Address, "Beta report", "holiday plans");
        await server.DeliverAsync(client.Address, "Re: Alpha report", "more budget", extraHeaders: "In-Reply-To: <none@test>\r\n");
        var all = await client.OkAsync("Email/query", new JsonObject
        {
            ["sort"] = new JsonArray(new JsonObject { ["property"] = "subject", ["isAscending"] = false }),
            ["calculateTotal"] = true,
        });
        Assert.Equal(3, all["total"]!.GetValue<int>());
        var ids = all["ids"]!.AsArray().Select(i => i!.GetValue<string>()).ToList();

        var budget = await client.OkAsync("Email/query", new JsonObject { ["filter"] = new JsonObject { ["body"] = "budget" } });
        Assert.Equal(2, budget["ids"]!.AsArray().Count);
        var notBudget = await client.OkAsync("Email/query", new JsonObject
        {
            ["filter"] = new JsonObject { ["operator"] = "NOT", ["conditions"] = new JsonArray(new JsonObject { ["body"] = "budget" }) },
        });
        Assert.Single(notBudget["ids"]!.AsArray());
        var inbox = await client.MailboxIdAsync("inbox");
        var inMailbox = await client.OkAsync("Email/query", new JsonObject { ["filter"] = new JsonObject { ["inMailbox"] = inbox, ["minSize"] = 1, ["notKeyword"] = "$seen" } });
        Assert.Equal(3, inMailbox["ids"]!.AsArray().Count);

        var page = await client.OkAsync("Email/query", new JsonObject
        {
            ["sort"] = new JsonArray(new JsonObject { ["property"] = "subject", ["isAscending"] = false }),
            ["anchor"] = ids[1],
            ["anchorOffset"] = 0,
            ["limit"] = 1,
        });
        Assert.Equal(ids[1], page["ids"]![0]!.GetValue<string>());
        Assert.Equal(1, page["position"]!.GetValue<int>());
        var negative = await client.OkAsync("Email/query", new JsonObject { ["position"] = -1 });
        Assert.Single(negative["ids"]!.AsArray());

        Assert.Equal("unsupportedSort", await client.ErrorAsync("Email/query", new JsonObject { ["sort"] = new JsonArray(new JsonObject { ["property"] = "colour" }) }));
        Assert.Equal("unsupportedFilter", await client.ErrorAsync("Email/query", new JsonObject { ["filter"] = new JsonObject { ["colour"] = "red" } }));
        Assert.Equal("anchorNotFound", await client.ErrorAsync("Email/query", new JsonObject { ["anchor"] = "E77777777" }));
        Assert.Equal("invalidArguments", await client.ErrorAsync("Email/query", new JsonObject { ["filter"] = new JsonObject { ["before"] = "yesterday" } }));
        Assert.Equal("invalidArguments", await client.ErrorAsync("Email/query", new JsonObject { ["limit"] = -1 }));

        var state = all["queryState"]!.GetValue<string>();
        await server.DeliverAsync(client.Address, "Gamma report");
        var changes = await client.OkAsync("Email/queryChanges", new JsonObject
        {
            ["sinceQueryState"] = state,
            ["sort"] = new JsonArray(new JsonObject { ["property"] = "subject", ["isAscending"] = false }),
        });
        Assert.Single(changes["added"]!.AsArray());
        Assert.Equal(0, changes["added"]![0]!["index"]!.GetValue<int>());

        var snippets = await client.OkAsync("SearchSnippet/get", new JsonObject { ["emailIds"] = new JsonArray(ids[0]), ["filter"] = new JsonObject { ["text"] = "beta" } });
        Assert.Contains("<mark>Beta</mark>", snippets["list"]![0]!["subject"]!.GetValue<string>());
    }

    [Fact]
    public async Task Drafts_are_created_from_json_with_an_uploaded_attachment_and_read_back()
    {
        var server = await JmapTestServer.GetAsync(fixture);
        using var client = await server.NewUserAsync();
        var drafts = await client.MailboxIdAsync("drafts");
        using var upload = await client.Http.PostAsync($"/jmap/upload/{client.AccountId}/", new StringContent("attachment body", Encoding.UTF8, "text/csv"));
        var blobId = JsonNode.Parse(await upload.Content.ReadAsStringAsync())!["blobId"]!.GetValue<string>();
        var set = await client.OkAsync("Email/set", new JsonObject
        {
            ["create"] = new JsonObject
            {
                ["d"] = new JsonObject
                {
                    ["mailboxIds"] = new JsonObject { [drafts] = true },
                    ["keywords"] = new JsonObject { ["$draft"] = true },
                    ["from"] = new JsonArray(new JsonObject { ["name"] = "Me", ["email"] = client.Address }),
                    ["to"] = new JsonArray(new JsonObject { ["email"] = "friend@elsewhere.test" }),
                    ["subject"] = "Draft with attachment",
                    ["textBody"] = new JsonArray(new JsonObject { ["partId"] = "t", ["type"] = "text/plain" }),
                    ["htmlBody"] = new JsonArray(new JsonObject { ["partId"] = "h", ["type"] = "text/html" }),
                    ["bodyValues"] = new JsonObject { ["t"] = new JsonObject { ["value"] = "Plain text é" }, ["h"] = new JsonObject { ["value"] = "<p>HTML</p>" } },
                    ["attachments"] = new JsonArray(new JsonObject { ["blobId"] = blobId, ["type"] = "text/csv", ["name"] = "data.csv" }),
                    ["header:X-Custom"] = " custom value",
                },
                ["nomailbox"] = new JsonObject { ["subject"] = "x" },
                ["badblob"] = new JsonObject { ["mailboxIds"] = new JsonObject { [drafts] = true }, ["attachments"] = new JsonArray(new JsonObject { ["blobId"] = "G" + new string('0', 64), ["type"] = "text/plain" }) },
            },
        });
        var id = set["created"]!["d"]!["id"]!.GetValue<string>();
        Assert.NotNull(set["created"]!["d"]!["threadId"]);
        Assert.Equal("invalidProperties", set["notCreated"]!["nomailbox"]!["type"]!.GetValue<string>());
        Assert.Equal("blobNotFound", set["notCreated"]!["badblob"]!["type"]!.GetValue<string>());
        var email = (await client.OkAsync("Email/get", new JsonObject
        {
            ["ids"] = new JsonArray(id),
            ["properties"] = new JsonArray("subject", "keywords", "attachments", "bodyValues", "textBody", "header:X-Custom:asText"),
            ["fetchAllBodyValues"] = true,
        }))["list"]![0]!;
        Assert.Equal("Draft with attachment", email["subject"]!.GetValue<string>());
        Assert.True(email["keywords"]!["$draft"]!.GetValue<bool>());
        Assert.Equal("data.csv", email["attachments"]![0]!["name"]!.GetValue<string>());
        Assert.Equal("custom value", email["header:X-Custom:asText"]!.GetValue<string>());
        var textPart = email["textBody"]![0]!["partId"]!.GetValue<string>();
        Assert.Equal("Plain text é", email["bodyValues"]![textPart]!["value"]!.GetValue<string>());
    }

    [Fact]
    public async Task Email_import_stores_an_uploaded_message_and_Email_parse_reads_one()
    {
        var server = await JmapTestServer.GetAsync(fixture);
        using var client = await server.NewUserAsync();
        var raw = "From: a@elsewhere.test\r\nTo: b@elsewhere.test\r\nSubject: Imported\r\nMessage-ID: <imp@test>\r\n\r\nImported body\r\n";
        using var upload = await client.Http.PostAsync($"/jmap/upload/{client.AccountId}/", new StringContent(raw, Encoding.UTF8, "message/rfc822"));
        var blobId = JsonNode.Parse(await upload.Content.ReadAsStringAsync())!["blobId"]!.GetValue<string>();
        var archive = await client.MailboxIdAsync("archive");
        var imported = await client.OkAsync("Email/import", new JsonObject
        {
            ["emails"] = new JsonObject
            {
                ["i"] = new JsonObject { ["blobId"] = blobId, ["mailboxIds"] = new JsonObject { [archive] = true }, ["keywords"] = new JsonObject { ["$seen"] = true }, ["receivedAt"] = "2025-01-02T03:04:05Z" },
                ["missing"] = new JsonObject { ["blobId"] = "Gffff", ["mailboxIds"] = new JsonObject { [archive] = true } },
            },
        });
        var id = imported["created"]!["i"]!["id"]!.GetValue<string>();
        Assert.Equal("blobNotFound", imported["notCreated"]!["missing"]!["type"]!.GetValue<string>());
        var email = (await client.OkAsync("Email/get", new JsonObject { ["ids"] = new JsonArray(id), ["properties"] = new JsonArray("subject", "receivedAt", "keywords") }))["list"]![0]!;
        Assert.Equal("Imported", email["subject"]!.GetValue<string>());
        Assert.Equal("2025-01-02T03:04:05Z", email["receivedAt"]!.GetValue<string>());

        var parsed = await client.OkAsync("Email/parse", new JsonObject { ["blobIds"] = new JsonArray(blobId, "Gnothing") });
        Assert.Equal("Imported", parsed["parsed"]![blobId]!["subject"]!.GetValue<string>());
        Assert.Single(parsed["notFound"]!.AsArray());
        Assert.Equal("fromAccountNotFound", await client.ErrorAsync("Email/copy", new JsonObject { ["fromAccountId"] = "A999999", ["create"] = new JsonObject() }));
    }

    [Fact]
    public async Task Email_submission_delivers_to_a_local_recipient_and_updates_the_email_on_success()
    {
        var server = await JmapTestServer.GetAsync(fixture);
        using var alice = await server.NewUserAsync();
        using var bob = await server.NewUserAsync();
        var drafts = await alice.MailboxIdAsync("drafts");
        var sent = await alice.MailboxIdAsync("sent");
        var identities = await alice.OkAsync("Identity/get", new JsonObject(), Submission);
        var identity = identities["list"]![0]!;
        Assert.Equal(alice.Address, identity["email"]!.GetValue<string>());
        var responses = await alice.CallAsync([.. JmapClient.MailUsing, Submission],
            new JsonArray("Email/set", new JsonObject
            {
                ["accountId"] = alice.AccountId,
                ["create"] = new JsonObject
                {
                    ["m"] = new JsonObject
                    {
                        ["mailboxIds"] = new JsonObject { [drafts] = true },
                        ["keywords"] = new JsonObject { ["$draft"] = true },
                        ["from"] = new JsonArray(new JsonObject { ["email"] = alice.Address }),
                        ["to"] = new JsonArray(new JsonObject { ["email"] = bob.Address }),
                        ["subject"] = "Lunch?",
                        ["textBody"] = new JsonArray(new JsonObject { ["partId"] = "1" }),
                        ["bodyValues"] = new JsonObject { ["1"] = new JsonObject { ["value"] = "At noon." } },
                    },
                },
            }, "0"),
            new JsonArray("EmailSubmission/set", new JsonObject
            {
                ["accountId"] = alice.AccountId,
                ["create"] = new JsonObject { ["s"] = new JsonObject { ["identityId"] = identity["id"]!.GetValue<string>(), ["emailId"] = "#m" } },
                ["onSuccessUpdateEmail"] = new JsonObject { ["#s"] = new JsonObject { [$"mailboxIds/{drafts}"] = null, [$"mailboxIds/{sent}"] = true, ["keywords/$draft"] = null } },
            }, "1"));
        Assert.Equal("EmailSubmission/set", responses[1]![0]!.GetValue<string>());
        Assert.NotNull(responses[1]![1]!["created"]!["s"]!["id"]);
        Assert.Equal("Email/set", responses[2]![0]!.GetValue<string>());
        Assert.Equal("1", responses[2]![2]!.GetValue<string>());
        var emailId = responses[0]![1]!["created"]!["m"]!["id"]!.GetValue<string>();
        Assert.True(responses[2]![1]!["updated"]!.AsObject().ContainsKey(emailId));

        var query = await bob.OkAsync("Email/query", new JsonObject { ["filter"] = new JsonObject { ["subject"] = "lunch" } });
        Assert.Single(query["ids"]!.AsArray());
        var email = (await alice.OkAsync("Email/get", new JsonObject { ["ids"] = new JsonArray(emailId), ["properties"] = new JsonArray("mailboxIds", "keywords") }))["list"]![0]!;
        Assert.True(email["mailboxIds"]!.AsObject().ContainsKey(sent));
        Assert.False(email["mailboxIds"]!.AsObject().ContainsKey(drafts));

        var submissions = await alice.OkAsync("EmailSubmission/get", new JsonObject(), Submission);
        Assert.Equal("final", submissions["list"]![0]!["undoStatus"]!.GetValue<string>());
        Assert.Equal(bob.Address, submissions["list"]![0]!["envelope"]!["rcptTo"]![0]!["email"]!.GetValue<string>());

        // Remote recipients go to the outbound queue; without one the submission is refused with a clear SetError.
        var remote = await CreateDraftAsync(alice, drafts, "Remote", "someone@elsewhere.test");
        var result = await alice.OkAsync("EmailSubmission/set", new JsonObject
        {
            ["create"] = new JsonObject { ["r"] = new JsonObject { ["identityId"] = identity["id"]!.GetValue<string>(), ["emailId"] = remote } },
        }, Submission);
        if (result["notCreated"] is JsonObject notCreated)
        {
            Assert.Equal("forbiddenToSend", notCreated["r"]!["type"]!.GetValue<string>());
            Assert.Contains("outbound queue", notCreated["r"]!["description"]!.GetValue<string>());
        }
        else
        {
            Assert.NotNull(result["created"]!["r"]!["id"]);
        }

        // An envelope sender that is not the user's.
        result = await alice.OkAsync("EmailSubmission/set", new JsonObject
        {
            ["create"] = new JsonObject
            {
                ["f"] = new JsonObject
                {
                    ["identityId"] = identity["id"]!.GetValue<string>(),
                    ["emailId"] = remote,
                    ["envelope"] = new JsonObject { ["mailFrom"] = new JsonObject { ["email"] = bob.Address }, ["rcptTo"] = new JsonArray(new JsonObject { ["email"] = bob.Address }) },
                },
            },
        }, Submission);
        Assert.Equal("forbiddenMailFrom", result["notCreated"]!["f"]!["type"]!.GetValue<string>());
    }

    [Fact]
    public async Task Identity_set_refuses_an_address_the_account_does_not_own()
    {
        var server = await JmapTestServer.GetAsync(fixture);
        using var client = await server.NewUserAsync();
        var set = await client.OkAsync("Identity/set", new JsonObject
        {
            ["create"] = new JsonObject
            {
                ["ok"] = new JsonObject { ["name"] = "Work me", ["email"] = client.Address, ["textSignature"] = "-- \nMe" },
                ["bad"] = new JsonObject { ["email"] = "ceo@example.org" },
            },
        }, Submission);
        Assert.NotNull(set["created"]!["ok"]!["id"]);
        Assert.Equal("forbiddenFrom", set["notCreated"]!["bad"]!["type"]!.GetValue<string>());
        var changes = await client.OkAsync("Identity/changes", new JsonObject { ["sinceState"] = set["oldState"]!.GetValue<string>() }, Submission);
        Assert.Single(changes["created"]!.AsArray());
    }

    [Fact]
    public async Task VacationResponse_is_a_singleton_that_can_be_updated()
    {
        var server = await JmapTestServer.GetAsync(fixture);
        using var client = await server.NewUserAsync();
        const string vacation = "urn:ietf:params:jmap:vacationresponse";
        var got = await client.OkAsync("VacationResponse/get", new JsonObject(), vacation);
        Assert.Equal("singleton", got["list"]![0]!["id"]!.GetValue<string>());
        Assert.False(got["list"]![0]!["isEnabled"]!.GetValue<bool>());
        var set = await client.OkAsync("VacationResponse/set", new JsonObject
        {
            ["update"] = new JsonObject { ["singleton"] = new JsonObject { ["isEnabled"] = true, ["subject"] = "Away", ["textBody"] = "Back soon" } },
            ["create"] = new JsonObject { ["x"] = new JsonObject() },
            ["destroy"] = new JsonArray("singleton"),
        }, vacation);
        Assert.True(set["updated"]!.AsObject().ContainsKey("singleton"));
        Assert.Equal("singleton", set["notCreated"]!["x"]!["type"]!.GetValue<string>());
        Assert.Equal("singleton", set["notDestroyed"]!["singleton"]!["type"]!.GetValue<string>());
        got = await client.OkAsync("VacationResponse/get", new JsonObject(), vacation);
        Assert.True(got["list"]![0]!["isEnabled"]!.GetValue<bool>());
        Assert.Equal("Away", got["list"]![0]!["subject"]!.GetValue<string>());
        set = await client.OkAsync("VacationResponse/set", new JsonObject { ["update"] = new JsonObject { ["singleton"] = new JsonObject { ["isEnabled"] = "yes" } } }, vacation);
        Assert.Equal("invalidProperties", set["notUpdated"]!["singleton"]!["type"]!.GetValue<string>());
    }

    [Fact]
    public async Task Blob_upload_get_and_lookup_and_quota_get()
    {
        var server = await JmapTestServer.GetAsync(fixture);
        using var client = await server.NewUserAsync();
        const string blob = "urn:ietf:params:jmap:blob";
        var responses = await client.CallAsync([.. JmapClient.MailUsing, blob],
            new JsonArray("Blob/upload", new JsonObject
            {
                ["accountId"] = client.AccountId,
                ["create"] = new JsonObject { ["b"] = new JsonObject { ["data"] = new JsonArray(new JsonObject { ["data:asText"] = "hello " }, new JsonObject { ["data:asBase64"] = Convert.ToBase64String("world"u8.ToArray()) }), ["type"] = "text/plain" } },
            }, "u"),
            new JsonArray("Blob/get", new JsonObject { ["accountId"] = client.AccountId, ["ids"] = new JsonArray("#b"), ["properties"] = new JsonArray("data:asText", "size", "digest:sha-256") }, "g"));
        var got = responses[1]![1]!["list"]![0]!;
        Assert.Equal("hello world", got["data:asText"]!.GetValue<string>());
        Assert.Equal(11, got["size"]!.GetValue<int>());

        await server.DeliverAsync(client.Address, "Lookup me");
        var email = (await client.OkAsync("Email/query", new JsonObject()))["ids"]![0]!.GetValue<string>();
        var blobId = (await client.OkAsync("Email/get", new JsonObject { ["ids"] = new JsonArray(email), ["properties"] = new JsonArray("blobId") }))["list"]![0]!["blobId"]!.GetValue<string>();
        var lookup = await client.OkAsync("Blob/lookup", new JsonObject { ["typeNames"] = new JsonArray("Email", "Mailbox"), ["ids"] = new JsonArray(blobId) }, blob);
        Assert.Equal(email, lookup["list"]![0]!["matchedIds"]!["Email"]![0]!.GetValue<string>());

        var quota = await client.OkAsync("Quota/get", new JsonObject(), "urn:ietf:params:jmap:quota");
        Assert.NotNull(quota["state"]);
        Assert.NotNull(quota["list"]);
    }

    private static async Task<string> CreateDraftAsync(JmapClient client, string mailbox, string subject, string to = "friend@elsewhere.test")
    {
        var set = await client.OkAsync("Email/set", new JsonObject
        {
            ["create"] = new JsonObject
            {
                ["d"] = new JsonObject
                {
                    ["mailboxIds"] = new JsonObject { [mailbox] = true },
                    ["from"] = new JsonArray(new JsonObject { ["email"] = client.Address }),
                    ["to"] = new JsonArray(new JsonObject { ["email"] = to }),
                    ["subject"] = subject,
                    ["textBody"] = new JsonArray(new JsonObject { ["partId"] = "1" }),
                    ["bodyValues"] = new JsonObject { ["1"] = new JsonObject { ["value"] = "Body of " + subject } },
                },
            },
        });
        return set["created"]!["d"]!["id"]!.GetValue<string>();
    }
}
