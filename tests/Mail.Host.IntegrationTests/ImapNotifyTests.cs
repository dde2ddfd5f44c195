using System.Diagnostics;
using MailKit;
using MailKit.Net.Imap;
using MailKit.Security;

namespace Mail.Host.IntegrationTests;

/// <summary>
/// IMAP NOTIFY (RFC 5465) on the deployment's IMAP listener: a session that set NOTIFY gets unsolicited responses,
/// without IDLE, for changes made by another session and by SMTP delivery; unknown events are refused with BADEVENT.
/// </summary>
[Collection(DeploymentCollection.Name)]
public sealed class ImapNotifyTests(DeploymentFixture fixture) : IDisposable
{
    private readonly TestDeployment deployment = new(fixture);

    public void Dispose() => deployment.Dispose();

    private int ImapPort => deployment.ListenerPorts["imap"];

    [Fact]
    public async Task A_delivery_to_a_mailbox_that_is_not_selected_gives_an_untagged_status_within_a_second()
    {
        await StartAsync();
        using var wire = await LoginAsync();
        Assert.Contains("NOTIFY", (await wire.CommandAsync("c", "CAPABILITY"))[0]);
        Assert.StartsWith("a OK", (await wire.CommandAsync("a", "CREATE Work"))[^1]);
        Assert.StartsWith("s OK", (await wire.CommandAsync("s", "SELECT Work"))[^1]);
        var set = await wire.CommandAsync("n", "NOTIFY SET STATUS (selected (MessageNew MessageExpunge FlagChange)) (inboxes (MessageNew MessageExpunge))");
        Assert.StartsWith("n OK", set[^1]);
        Assert.Contains(set, l => l.StartsWith("* STATUS INBOX (MESSAGES 0 UIDNEXT 1 UIDVALIDITY ", StringComparison.Ordinal));
        Assert.DoesNotContain(set, l => l.StartsWith("* STATUS Work", StringComparison.Ordinal));

        using (var smtp = new MailKit.Net.Smtp.SmtpClient())
        {
            await smtp.ConnectAsync("127.0.0.1", deployment.ListenerPorts["smtp"], SecureSocketOptions.None);
            await smtp.SendAsync(ImapTests.Message("Delivered", "sender@elsewhere.test", "Over SMTP."));
            await smtp.DisconnectAsync(true);
        }

        var delivered = Stopwatch.StartNew();
        var status = await WaitForLineAsync(wire, l => l.StartsWith("* STATUS INBOX ", StringComparison.Ordinal), TimeSpan.FromSeconds(5));
        Assert.True(delivered.Elapsed < TimeSpan.FromSeconds(1), $"STATUS came {delivered.ElapsedMilliseconds} ms after the delivery");
        Assert.StartsWith("* STATUS INBOX (MESSAGES 1 UIDNEXT 2 UIDVALIDITY ", status);
        Assert.StartsWith("z OK", (await wire.CommandAsync("z", "LOGOUT"))[^1]);
    }

    [Fact]
    public async Task Flag_changes_expunges_and_new_messages_on_the_selected_mailbox_from_another_session_arrive_unasked()
    {
        await StartAsync();
        using var other = await ConnectAsync();
        await other.Inbox.OpenAsync(FolderAccess.ReadWrite);
        await other.Inbox.AppendAsync(ImapTests.Message("First", "bob@example.org", "One."));
        await other.Inbox.AppendAsync(ImapTests.Message("Second", "bob@example.org", "Two."));

        using var wire = await LoginAsync();
        Assert.StartsWith("s OK", (await wire.CommandAsync("s", "SELECT INBOX"))[^1]);
        Assert.StartsWith("n OK", (await wire.CommandAsync("n", "NOTIFY SET (selected (MessageNew (UID ENVELOPE) MessageExpunge FlagChange))"))[^1]);

        await other.Inbox.AddFlagsAsync(0, MessageFlags.Flagged, true);
        var flags = await WaitForLineAsync(wire, l => l.StartsWith("* 1 FETCH ", StringComparison.Ordinal), TimeSpan.FromSeconds(5));
        Assert.Contains("\\Flagged", flags);

        await other.Inbox.AddFlagsAsync(0, MessageFlags.Deleted, true);
        await other.Inbox.ExpungeAsync();
        await WaitForLineAsync(wire, l => l == "* 1 EXPUNGE", TimeSpan.FromSeconds(5));

        await other.Inbox.AppendAsync(ImapTests.Message("Third", "bob@example.org", "Three."));
        await WaitForLineAsync(wire, l => l == "* 2 EXISTS", TimeSpan.FromSeconds(5));
        var fetched = await WaitForLineAsync(wire, l => l.StartsWith("* 2 FETCH (UID 3 ENVELOPE (", StringComparison.Ordinal), TimeSpan.FromSeconds(5));
        Assert.Contains("\"Third\"", fetched);

        // The session still answers commands after its unsolicited responses.
        var search = await wire.CommandAsync("f", "UID SEARCH ALL");
        Assert.Contains("* SEARCH 2 3", search);
        Assert.StartsWith("n2 OK", (await wire.CommandAsync("n2", "NOTIFY NONE"))[^1]);
        await other.Inbox.AddFlagsAsync(0, MessageFlags.Answered, true);
        var after = await wire.CommandAsync("p", "CHECK");
        Assert.StartsWith("p OK", after[^1]);
        await other.DisconnectAsync(true);
    }

    [Fact]
    public async Task Mailboxes_created_renamed_deleted_and_subscribed_elsewhere_give_list_responses()
    {
        await StartAsync();
        using var wire = await LoginAsync();
        Assert.StartsWith("n OK", (await wire.CommandAsync("n", "NOTIFY SET (personal (MessageNew MessageExpunge MailboxName SubscriptionChange))"))[^1]);
        using var other = await ConnectAsync();
        var personal = other.GetFolder(other.PersonalNamespaces[0]);

        var projects = await personal.CreateAsync("Projects", true);
        await WaitForLineAsync(wire, l => l == "* LIST () \"/\" Projects", TimeSpan.FromSeconds(5));

        Assert.NotNull(projects);
        await projects.RenameAsync(personal, "Plans");
        await WaitForLineAsync(wire, l => l == "* LIST () \"/\" Plans (\"OLDNAME\" (Projects))", TimeSpan.FromSeconds(5));

        await projects.SubscribeAsync();
        await WaitForLineAsync(wire, l => l == "* LIST (\\Subscribed) \"/\" Plans", TimeSpan.FromSeconds(5));

        await projects.AppendAsync(ImapTests.Message("Plan", "bob@example.org", "A plan."));
        await WaitForLineAsync(wire, l => l.StartsWith("* STATUS Plans (MESSAGES 1 UIDNEXT 2 ", StringComparison.Ordinal), TimeSpan.FromSeconds(5));

        await projects.DeleteAsync();
        await WaitForLineAsync(wire, l => l == "* LIST (\\NonExistent) \"/\" Plans", TimeSpan.FromSeconds(5));
        Assert.StartsWith("z OK", (await wire.CommandAsync("z", "NOOP"))[^1]);
        await other.DisconnectAsync(true);
    }

    [Fact]
    public async Task Unknown_events_get_badevent_and_invalid_event_groups_get_bad()
    {
        await StartAsync();
        using var wire = await LoginAsync();
        var annotation = await wire.CommandAsync("a", "NOTIFY SET (personal (MessageNew MessageExpunge AnnotationChange))");
        Assert.StartsWith("a NO [BADEVENT (MessageNew MessageExpunge FlagChange MailboxName SubscriptionChange MailboxMetadataChange ServerMetadataChange)]", annotation[^1]);
        Assert.StartsWith("b NO [BADEVENT ", (await wire.CommandAsync("b", "NOTIFY SET (selected (Frobnicate))"))[^1]);
        Assert.StartsWith("c BAD", (await wire.CommandAsync("c", "NOTIFY SET (personal (MessageNew))"))[^1]);
        Assert.StartsWith("d BAD", (await wire.CommandAsync("d", "NOTIFY SET (personal (FlagChange))"))[^1]);
        Assert.StartsWith("e BAD", (await wire.CommandAsync("e", "NOTIFY SET (personal (MessageNew (UID) MessageExpunge))"))[^1]);
        Assert.StartsWith("f BAD", (await wire.CommandAsync("f", "NOTIFY SET (everywhere (MessageNew MessageExpunge))"))[^1]);
        Assert.StartsWith("g BAD", (await wire.CommandAsync("g", "NOTIFY SET (personal (MessageNew MessageExpunge)"))[^1]);
        Assert.StartsWith("h BAD", (await wire.CommandAsync("h", "NOTIFY"))[^1]);
        Assert.StartsWith("i OK", (await wire.CommandAsync("i", "NOTIFY SET (subtree (INBOX Work) (MessageNew MessageExpunge)) (mailboxes Sent NONE)"))[^1]);
        Assert.StartsWith("j OK", (await wire.CommandAsync("j", "NOTIFY NONE"))[^1]);
        Assert.StartsWith("k OK", (await wire.CommandAsync("k", "NOOP"))[^1]);
    }

    [Fact]
    public async Task Metadata_set_elsewhere_gives_unsolicited_metadata_responses_naming_the_entries()
    {
        await StartAsync();
        using var wire = await LoginAsync();
        Assert.StartsWith("a OK", (await wire.CommandAsync("a", "SETMETADATA INBOX (/private/before \"x\")"))[^1]);
        Assert.StartsWith("b OK", (await wire.CommandAsync("b", "NOTIFY SET (inboxes (MailboxMetadataChange ServerMetadataChange)) (personal (MailboxName))"))[^1]);

        // The session's own change is not announced back to it.
        var own = await wire.CommandAsync("c", "SETMETADATA INBOX (/private/mine \"1\")");
        Assert.StartsWith("c OK", own[^1]);
        Assert.DoesNotContain(await wire.CommandAsync("d", "NOOP"), l => l.StartsWith("* METADATA", StringComparison.Ordinal));

        using var other = await ConnectAsync();
        await other.Inbox.SetMetadataAsync(new MetadataCollection { new(MetadataTag.SharedComment, "team inbox") });
        Assert.Equal("* METADATA INBOX /shared/comment", await WaitForLineAsync(wire, l => l.StartsWith("* METADATA", StringComparison.Ordinal), TimeSpan.FromSeconds(5)));

        await other.Inbox.SetMetadataAsync(new MetadataCollection { new(MetadataTag.SharedComment, null!), new(new MetadataTag("/private/before"), null!) });
        Assert.Equal("* METADATA INBOX /private/before /shared/comment", await WaitForLineAsync(wire, l => l.StartsWith("* METADATA", StringComparison.Ordinal), TimeSpan.FromSeconds(5)));

        await other.SetMetadataAsync(new MetadataCollection { new(MetadataTag.PrivateComment, "server note") });
        Assert.Equal("* METADATA \"\" /private/comment", await WaitForLineAsync(wire, l => l.StartsWith("* METADATA", StringComparison.Ordinal), TimeSpan.FromSeconds(5)));

        // A mailbox outside the filters is not reported.
        var work = (await other.GetFolder(other.PersonalNamespaces[0]).CreateAsync("Work", true))!;
        await WaitForLineAsync(wire, l => l == "* LIST () \"/\" Work", TimeSpan.FromSeconds(5));
        await work.SetMetadataAsync(new MetadataCollection { new(MetadataTag.SharedComment, "work") });
        await other.Inbox.SetMetadataAsync(new MetadataCollection { new(new MetadataTag("/private/after"), "y") });
        Assert.Equal("* METADATA INBOX /private/after", await WaitForLineAsync(wire, l => l.StartsWith("* METADATA", StringComparison.Ordinal), TimeSpan.FromSeconds(5)));
        Assert.StartsWith("z OK", (await wire.CommandAsync("z", "NOOP"))[^1]);
        await other.DisconnectAsync(true);
    }

    private static async Task<string> WaitForLineAsync(ImapWire wire, Func<string, bool> match, TimeSpan timeout)
    {
        var seen = new List<string>();
        var until = Stopwatch.StartNew();
        while (until.Elapsed < timeout)
        {
            string? line;
            try
            {
                line = await wire.LineAsync(timeout - until.Elapsed);
            }
            catch (OperationCanceledException)
            {
                break;
            }

            if (line is null)
            {
                break;
            }

            if (match(line))
            {
                return line;
            }

            seen.Add(line);
        }

        Assert.Fail($"No matching unsolicited response within {timeout.TotalSeconds} s; received:\n" + string.Join('\n', seen));
        return string.Empty;
    }

    private async Task StartAsync()
    {
        var server = await deployment.StartServerAsync(ImapTests.Environment);
        var mail = new MailClient(server.Http, ImapTests.AdminPassword);
        await mail.AddDomainAsync("example.org");
        await mail.AddAccountAsync("alice", "alice@example.org");
    }

    private async Task<ImapWire> LoginAsync()
    {
        var wire = await ImapWire.ConnectAsync(ImapPort);
        await wire.GreetingAsync();
        Assert.StartsWith("l OK", (await wire.CommandAsync("l", $"LOGIN alice \"{ImapTests.AlicePassword}\""))[^1]);
        return wire;
    }

    private async Task<ImapClient> ConnectAsync()
    {
        var client = new ImapClient();
        client.ServerCertificateValidationCallback = (_, _, _, _) => true;
        await client.ConnectAsync("127.0.0.1", ImapPort, SecureSocketOptions.None);
        await client.AuthenticateAsync("alice", ImapTests.AlicePassword);
        return client;
    }
}
