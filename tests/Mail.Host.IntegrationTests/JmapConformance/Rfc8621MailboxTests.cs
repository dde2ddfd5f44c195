using System.Text.Json.Nodes;
using static Mail.Host.IntegrationTests.JmapConformance.PartBHelpers;

namespace Mail.Host.IntegrationTests.JmapConformance;

/// <summary>RFC 8621 §2 and §2.1: the Mailbox object's properties, its counts and Mailbox/get.</summary>
[Collection(DeploymentCollection.Name)]
public sealed class Rfc8621MailboxTests(DeploymentFixture fixture)
{
    private static readonly string[] Rights = ["mayReadItems", "mayAddItems", "mayRemoveItems", "maySetSeen", "maySetKeywords", "mayCreateChild", "mayRename", "mayDelete", "maySubmit"];

    [Fact]
    public async Task S2_every_mailbox_property_is_returned_with_its_type()
    {
        var server = await JmapTestServer.GetAsync(fixture);
        using var client = await server.NewUserAsync();
        var parent = await CreateMailboxAsync(client, "Projects");
        var child = await CreateMailboxAsync(client, "Alpha", parent);
        var mailbox = await MailboxAsync(client, child);
        Assert.Equal(child, mailbox["id"]!.GetValue<string>());
        Assert.Equal("Alpha", mailbox["name"]!.GetValue<string>());
        Assert.Equal(parent, mailbox["parentId"]!.GetValue<string>());
        Assert.True(mailbox.ContainsKey("role"));
        Assert.Null(mailbox["role"]);
        Assert.True(mailbox["sortOrder"]!.GetValue<long>() >= 0);
        foreach (var count in new[] { "totalEmails", "unreadEmails", "totalThreads", "unreadThreads" })
        {
            Assert.Equal(0, mailbox[count]!.GetValue<int>());
        }

        Assert.IsType<bool>(mailbox["isSubscribed"]!.GetValue<bool>());
        var rights = mailbox["myRights"]!.AsObject();
        // RFC 8621 §2: myRights is a MailboxRights object with each of the nine rights as a Boolean.
        foreach (var right in Rights)
        {
            Assert.True(rights[right]!.GetValue<bool>(), right);
        }
    }

    [Fact]
    public async Task S2_1_properties_argument_returns_only_those_and_always_the_id()
    {
        var server = await JmapTestServer.GetAsync(fixture);
        using var client = await server.NewUserAsync();
        var inbox = await client.MailboxIdAsync("inbox");
        var result = await client.OkAsync("Mailbox/get", new JsonObject { ["ids"] = new JsonArray(inbox), ["properties"] = new JsonArray("name") });
        var mailbox = result["list"]![0]!.AsObject();
        Assert.Equal(["id", "name"], Keys(mailbox).Order().ToList());
        Assert.Equal("invalidArguments", await client.ErrorAsync("Mailbox/get", new JsonObject { ["ids"] = null, ["properties"] = new JsonArray("colour") }));
    }

    [Fact]
    public async Task S2_1_unknown_ids_are_in_notFound()
    {
        var server = await JmapTestServer.GetAsync(fixture);
        using var client = await server.NewUserAsync();
        var inbox = await client.MailboxIdAsync("inbox");
        var result = await client.OkAsync("Mailbox/get", new JsonObject { ["ids"] = new JsonArray(inbox, "M987654", "nonsense") });
        Assert.Single(result["list"]!.AsArray());
        Assert.Equal(["M987654", "nonsense"], Ids(result["notFound"]));
    }

    [Fact]
    public async Task S2_inbox_role_is_unique_and_a_second_mailbox_with_a_taken_role_is_refused()
    {
        // RFC 8621 §2: "No two mailboxes may have the same role."
        var server = await JmapTestServer.GetAsync(fixture);
        using var client = await server.NewUserAsync();
        var all = await client.OkAsync("Mailbox/get", new JsonObject { ["ids"] = null });
        var roles = all["list"]!.AsArray().Select(m => m!["role"]?.GetValue<string>()).Where(r => r is not null).ToList();
        Assert.Equal(roles.Count, roles.Distinct().Count());
        var result = await client.OkAsync("Mailbox/set", new JsonObject { ["create"] = new JsonObject { ["t"] = new JsonObject { ["name"] = "Bin 2", ["role"] = "trash" } } });
        Assert.Equal("invalidProperties", result["notCreated"]!["t"]!["type"]!.GetValue<string>());
        Assert.Contains("role", Ids(result["notCreated"]!["t"]!["properties"]));
    }

    [Fact]
    public async Task S2_totalEmails_and_unreadEmails_follow_delivery_and_the_seen_keyword()
    {
        var server = await JmapTestServer.GetAsync(fixture);
        using var client = await server.NewUserAsync();
        var inbox = await client.MailboxIdAsync("inbox");
        var first = await ImportAsync(client, Simple("One"));
        await ImportAsync(client, Simple("Two"));
        var mailbox = await MailboxAsync(client, inbox);
        Assert.Equal(2, mailbox["totalEmails"]!.GetValue<int>());
        Assert.Equal(2, mailbox["unreadEmails"]!.GetValue<int>());
        Assert.Null(await UpdateEmailAsync(client, first, new JsonObject { ["keywords/$seen"] = true }));
        mailbox = await MailboxAsync(client, inbox);
        Assert.Equal(2, mailbox["totalEmails"]!.GetValue<int>());
        Assert.Equal(1, mailbox["unreadEmails"]!.GetValue<int>());
        Assert.Equal(1, mailbox["unreadThreads"]!.GetValue<int>());
    }

    [Fact]
    public async Task S2_unreadEmails_counts_neither_seen_nor_draft_emails()
    {
        // RFC 8621 §2: unreadEmails is "The number of Emails in this Mailbox that have neither the "$seen" keyword nor the "$draft" keyword."
        var server = await JmapTestServer.GetAsync(fixture);
        using var client = await server.NewUserAsync();
        var drafts = await client.MailboxIdAsync("drafts");
        await ImportAsync(client, Simple("Draft"), drafts, new JsonObject { ["$draft"] = true });
        await ImportAsync(client, Simple("Unread"), drafts);
        var mailbox = await MailboxAsync(client, drafts);
        Assert.Equal(2, mailbox["totalEmails"]!.GetValue<int>());
        Assert.Equal(1, mailbox["unreadEmails"]!.GetValue<int>());
    }

    [Fact]
    public async Task S2_an_email_in_two_mailboxes_counts_in_both()
    {
        var server = await JmapTestServer.GetAsync(fixture);
        using var client = await server.NewUserAsync();
        var inbox = await client.MailboxIdAsync("inbox");
        var archive = await client.MailboxIdAsync("archive");
        var id = await ImportAsync(client, Simple("Both"));
        Assert.Null(await UpdateEmailAsync(client, id, new JsonObject { [$"mailboxIds/{archive}"] = true }));
        foreach (var mailbox in new[] { inbox, archive })
        {
            var got = await MailboxAsync(client, mailbox);
            Assert.Equal(1, got["totalEmails"]!.GetValue<int>());
            Assert.Equal(1, got["unreadEmails"]!.GetValue<int>());
            Assert.Equal(1, got["totalThreads"]!.GetValue<int>());
        }

        Assert.Null(await UpdateEmailAsync(client, id, new JsonObject { [$"mailboxIds/{inbox}"] = null }));
        Assert.Equal(0, (await MailboxAsync(client, inbox))["totalEmails"]!.GetValue<int>());
        Assert.Equal(1, (await MailboxAsync(client, archive))["totalEmails"]!.GetValue<int>());
    }

    [Fact]
    public async Task S2_totalThreads_counts_threads_not_emails()
    {
        var server = await JmapTestServer.GetAsync(fixture);
        using var client = await server.NewUserAsync();
        var inbox = await client.MailboxIdAsync("inbox");
        var original = Simple("Plans");
        await ImportAsync(client, original);
        var reply = Simple("Re: Plans");
        reply.InReplyTo = original.MessageId;
        reply.References.Add(original.MessageId!);
        await ImportAsync(client, reply);
        await ImportAsync(client, Simple("Other"));
        var mailbox = await MailboxAsync(client, inbox);
        Assert.Equal(3, mailbox["totalEmails"]!.GetValue<int>());
        Assert.Equal(2, mailbox["totalThreads"]!.GetValue<int>());
        Assert.Equal(2, mailbox["unreadThreads"]!.GetValue<int>());
    }

    [Fact]
    public async Task S2_counts_stay_right_in_an_account_with_more_unread_emails_than_are_followed_thread_by_thread()
    {
        // Past 500 unread emails the thread counts come from the engine's query view rather than thread by thread.
        var server = await JmapTestServer.GetAsync(fixture);
        using var client = await server.NewUserAsync();
        var inbox = await client.MailboxIdAsync("inbox");
        const int Threads = 505;
        await Parallel.ForEachAsync(Enumerable.Range(0, Threads), new ParallelOptions { MaxDegreeOfParallelism = 4 }, async (n, _) =>
        {
            var original = Simple($"Topic {n}");
            original.Headers.Add("X-Topic", n.ToString(System.Globalization.CultureInfo.InvariantCulture));
            await ImportAsync(client, original, inbox);
            if (n < 10)
            {
                var reply = Simple($"Re: Topic {n}");
                reply.InReplyTo = original.MessageId;
                reply.References.Add(original.MessageId!);
                await ImportAsync(client, reply, inbox);
            }
        });

        // One email becomes a draft: no longer unread, and its thread (itself alone) no longer an unread thread.
        var draft = (await QueryAsync(client, new JsonObject { ["header"] = new JsonArray("X-Topic", "504") }))[0];
        Assert.Null(await UpdateEmailAsync(client, draft, new JsonObject { ["keywords/$draft"] = true }));

        var mailbox = await MailboxAsync(client, inbox);
        Assert.Equal(Threads + 10, mailbox["totalEmails"]!.GetValue<int>());
        Assert.Equal(Threads + 10 - 1, mailbox["unreadEmails"]!.GetValue<int>());
        Assert.Equal(Threads, mailbox["totalThreads"]!.GetValue<int>());
        Assert.Equal(Threads - 1, mailbox["unreadThreads"]!.GetValue<int>());
    }

    [Fact]
    public async Task S2_unreadThreads_counts_a_thread_whose_unread_email_is_in_another_mailbox()
    {
        // RFC 8621 §2: unreadThreads: "Note, the unread Email does not need to be the one in this Mailbox."
        var server = await JmapTestServer.GetAsync(fixture);
        using var client = await server.NewUserAsync();
        var inbox = await client.MailboxIdAsync("inbox");
        var archive = await client.MailboxIdAsync("archive");
        var original = Simple("Thread across mailboxes");
        await ImportAsync(client, original, inbox, new JsonObject { ["$seen"] = true });
        var reply = Simple("Re: Thread across mailboxes");
        reply.InReplyTo = original.MessageId;
        reply.References.Add(original.MessageId!);
        await ImportAsync(client, reply, archive);
        var mailbox = await MailboxAsync(client, inbox);
        Assert.Equal(0, mailbox["unreadEmails"]!.GetValue<int>());
        Assert.Equal(1, mailbox["unreadThreads"]!.GetValue<int>());
    }

    [Fact]
    public async Task S2_unreadThreads_ignores_unread_emails_only_in_the_trash()
    {
        // RFC 8621 §2: "Emails that are only in the trash (and no other Mailbox) are ignored when calculating the unreadThreads count of other Mailboxes."
        var server = await JmapTestServer.GetAsync(fixture);
        using var client = await server.NewUserAsync();
        var inbox = await client.MailboxIdAsync("inbox");
        var trash = await client.MailboxIdAsync("trash");
        var original = Simple("Trash rule");
        await ImportAsync(client, original, inbox, new JsonObject { ["$seen"] = true });
        var reply = Simple("Re: Trash rule");
        reply.InReplyTo = original.MessageId;
        reply.References.Add(original.MessageId!);
        await ImportAsync(client, reply, trash);
        Assert.Equal(0, (await MailboxAsync(client, inbox))["unreadThreads"]!.GetValue<int>());

        // "Emails that are not in the trash are ignored when calculating the unreadThreads count for the trash Mailbox."
        var read = Simple("Trash rule two");
        await ImportAsync(client, read, trash, new JsonObject { ["$seen"] = true });
        var unreadElsewhere = Simple("Re: Trash rule two");
        unreadElsewhere.InReplyTo = read.MessageId;
        unreadElsewhere.References.Add(read.MessageId!);
        await ImportAsync(client, unreadElsewhere, inbox);
        Assert.Equal(1, (await MailboxAsync(client, trash))["unreadThreads"]!.GetValue<int>());
    }

    [Fact]
    public async Task S2_the_inbox_may_not_be_deleted_or_renamed_and_says_so_in_myRights()
    {
        var server = await JmapTestServer.GetAsync(fixture);
        using var client = await server.NewUserAsync();
        var inbox = await MailboxAsync(client, await client.MailboxIdAsync("inbox"));
        Assert.False(inbox["myRights"]!["mayRename"]!.GetValue<bool>());
        Assert.False(inbox["myRights"]!["mayDelete"]!.GetValue<bool>());
        var result = await client.OkAsync("Mailbox/set", new JsonObject { ["update"] = new JsonObject { [inbox["id"]!.GetValue<string>()] = new JsonObject { ["name"] = "Renamed" } } });
        Assert.NotNull(result["notUpdated"]?[inbox["id"]!.GetValue<string>()]);
    }
}
