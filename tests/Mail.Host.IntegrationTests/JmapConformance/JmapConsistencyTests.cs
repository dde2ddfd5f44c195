using System.Diagnostics;
using System.Globalization;
using System.Net.WebSockets;
using System.Text.Json.Nodes;
using MailKit;
using MailKit.Net.Smtp;
using MailKit.Search;
using MimeKit;
using static Mail.Host.IntegrationTests.JmapConformance.PartCHelpers;

namespace Mail.Host.IntegrationTests.JmapConformance;

/// <summary>
/// One change seen the same way by every protocol: a JMAP keyword reaches an IMAP client in IDLE, an IMAP STORE shows in
/// Email/changes, JMAP Email states and IMAP MODSEQs move together, and an SMTP delivery is pushed on EventSource and
/// WebSocket at once.
/// </summary>
[Collection(DeploymentCollection.Name)]
public sealed class JmapConsistencyTests(DeploymentFixture fixture)
{
    [Fact]
    public async Task A_keyword_set_over_jmap_reaches_an_imap_client_in_idle_as_fetch_flags()
    {
        var server = await JmapTestServer.GetAsync(fixture);
        using var client = await server.NewUserAsync("cons");
        await server.DeliverAsync(client.Address, "Watch me");
        var emailId = Assert.Single(await EmailIdsAsync(client));
        using var imap = await ImapAsync(server, client);
        var inbox = imap.Inbox;
        await inbox.OpenAsync(FolderAccess.ReadOnly);
        var changed = new TaskCompletionSource<MessageFlagsChangedEventArgs>(TaskCreationOptions.RunContinuationsAsynchronously);
        inbox.MessageFlagsChanged += (_, e) => changed.TrySetResult(e);
        using var done = new CancellationTokenSource();
        var idle = imap.IdleAsync(done.Token);
        await Task.Delay(300);

        await client.OkAsync("Email/set", new JsonObject { ["update"] = new JsonObject { [emailId] = new JsonObject { ["keywords/$flagged"] = true, ["keywords/$seen"] = true } } });
        var completed = await Task.WhenAny(changed.Task, Task.Delay(TimeSpan.FromSeconds(5)));
        await done.CancelAsync();
        await idle;
        Assert.True(completed == changed.Task, "no FETCH FLAGS reached the IMAP client in IDLE within 5 s");
        var flags = (await changed.Task).Flags;
        Assert.True(flags.HasFlag(MessageFlags.Flagged));
        Assert.True(flags.HasFlag(MessageFlags.Seen));
        await imap.DisconnectAsync(true);
    }

    [Fact]
    public async Task Jmap_Email_state_is_the_imap_HIGHESTMODSEQ_after_a_change_on_either_side()
    {
        var server = await JmapTestServer.GetAsync(fixture);
        using var client = await server.NewUserAsync("cons");
        await server.DeliverAsync(client.Address, "Modseq");
        var emailId = Assert.Single(await EmailIdsAsync(client));
        using var imap = await ImapAsync(server, client);
        Assert.True(imap.Capabilities.HasFlag(MailKit.Net.Imap.ImapCapabilities.CondStore));

        // A JMAP change: the new Email state and the mailbox's HIGHESTMODSEQ are the same number.
        var set = await client.OkAsync("Email/set", new JsonObject { ["update"] = new JsonObject { [emailId] = new JsonObject { ["keywords/$answered"] = true } } });
        var state = set["newState"]!.GetValue<string>();
        var inbox = imap.Inbox;
        await inbox.OpenAsync(FolderAccess.ReadWrite);
        Assert.Equal(ulong.Parse(state, CultureInfo.InvariantCulture), inbox.HighestModSeq);

        // An IMAP change: the message's new MODSEQ is the new Email state, and Email/changes reports it once.
        var uid = Assert.Single(await inbox.SearchAsync(SearchQuery.All));
        await inbox.AddFlagsAsync(uid, MessageFlags.Seen, true);
        var summary = Assert.Single(await inbox.FetchAsync([uid], MessageSummaryItems.ModSeq | MessageSummaryItems.Flags));
        var changes = await client.OkAsync("Email/changes", new JsonObject { ["sinceState"] = state });
        Assert.Equal(summary.ModSeq!.Value.ToString(CultureInfo.InvariantCulture), changes["newState"]!.GetValue<string>());
        Assert.Equal([emailId], changes["updated"]!.AsArray().Select(u => u!.GetValue<string>()));
        Assert.True(ulong.Parse(changes["newState"]!.GetValue<string>(), CultureInfo.InvariantCulture) > ulong.Parse(state, CultureInfo.InvariantCulture));
        await imap.DisconnectAsync(true);
    }

    [Fact]
    public async Task An_imap_expunge_shows_as_destroyed_in_Email_changes_and_a_jmap_destroy_as_vanished_over_imap()
    {
        var server = await JmapTestServer.GetAsync(fixture);
        using var client = await server.NewUserAsync("cons");
        await server.DeliverAsync(client.Address, "First");
        await server.DeliverAsync(client.Address, "Second");
        var ids = await EmailIdsAsync(client, new JsonObject { ["subject"] = "First" });
        var first = Assert.Single(ids);
        var second = Assert.Single(await EmailIdsAsync(client, new JsonObject { ["subject"] = "Second" }));
        var state = (await client.OkAsync("Email/get", new JsonObject { ["ids"] = new JsonArray() }))["state"]!.GetValue<string>();
        using var imap = await ImapAsync(server, client);
        var inbox = imap.Inbox;
        await inbox.OpenAsync(FolderAccess.ReadWrite);
        var uid = Assert.Single(await inbox.SearchAsync(SearchQuery.SubjectContains("First")));
        await inbox.AddFlagsAsync(uid, MessageFlags.Deleted, true);
        await inbox.ExpungeAsync();
        var changes = await client.OkAsync("Email/changes", new JsonObject { ["sinceState"] = state });
        Assert.Equal([first], changes["destroyed"]!.AsArray().Select(d => d!.GetValue<string>()));

        await client.OkAsync("Email/set", new JsonObject { ["destroy"] = Ids(second) });
        await inbox.CheckAsync();
        Assert.Empty(await inbox.SearchAsync(SearchQuery.All));
        await imap.DisconnectAsync(true);
    }

    [Fact]
    public async Task An_smtp_delivery_is_pushed_on_eventsource_and_websocket_within_one_second_each()
    {
        var server = await JmapTestServer.GetAsync(fixture);
        using var client = await server.NewUserAsync("cons");
        using var cancel = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        using var response = await client.Http.SendAsync(new HttpRequestMessage(HttpMethod.Get, "/jmap/eventsource/?types=Email&closeafter=no&ping=0"), HttpCompletionOption.ResponseHeadersRead, cancel.Token);
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(cancel.Token));
        var initial = await PartAHelpers.ReadEventAsync(reader, cancel.Token);
        Assert.Equal("state", initial.Event);

        using var socket = new ClientWebSocket();
        socket.Options.AddSubProtocol("jmap");
        socket.Options.SetRequestHeader("Authorization", client.Authorization!);
        await socket.ConnectAsync(new Uri(client.Session["capabilities"]!["urn:ietf:params:jmap:websocket"]!["url"]!.GetValue<string>()), cancel.Token);
        await socket.SendJsonAsync(new JsonObject { ["@type"] = "WebSocketPushEnable", ["dataTypes"] = new JsonArray("Email") }, cancel.Token);
        await socket.SendJsonAsync(new JsonObject { ["@type"] = "Request", ["id"] = "sync", ["using"] = new JsonArray("urn:ietf:params:jmap:core"), ["methodCalls"] = new JsonArray() }, cancel.Token);
        Assert.Equal("sync", (await socket.ReceiveJsonAsync(cancel.Token))["requestId"]!.GetValue<string>());

        var message = new MimeMessage();
        message.From.Add(MailboxAddress.Parse("pusher@elsewhere.test"));
        message.To.Add(MailboxAddress.Parse(client.Address));
        message.Subject = "Both channels";
        message.Body = new TextPart("plain") { Text = "push" };
        using var smtp = new SmtpClient();
        await smtp.ConnectAsync("127.0.0.1", server.SmtpPort, MailKit.Security.SecureSocketOptions.None, cancel.Token);
        var watch = Stopwatch.StartNew();
        await smtp.SendAsync(message, cancel.Token);
        var sent = watch.Elapsed;
        var eventTask = PartAHelpers.ReadEventAsync(reader, cancel.Token);
        var socketTask = socket.ReceiveJsonAsync(cancel.Token);
        var pushed = await eventTask;
        var eventLatency = watch.Elapsed - sent;
        var socketPush = await socketTask;
        var socketLatency = watch.Elapsed - sent;
        await smtp.DisconnectAsync(true, cancel.Token);

        var state = pushed.Data!["changed"]![client.AccountId]!["Email"]!.GetValue<string>();
        Assert.Equal("StateChange", socketPush["@type"]!.GetValue<string>());
        Assert.Equal(state, socketPush["changed"]![client.AccountId]!["Email"]!.GetValue<string>());
        Assert.True(eventLatency < TimeSpan.FromSeconds(1), $"EventSource StateChange came {eventLatency.TotalMilliseconds:F0} ms after the SMTP transaction");
        Assert.True(socketLatency < TimeSpan.FromSeconds(1), $"WebSocket StateChange came {socketLatency.TotalMilliseconds:F0} ms after the SMTP transaction");

        // The pushed state is the one Email/get reports.
        Assert.Equal(state, (await client.OkAsync("Email/get", new JsonObject { ["ids"] = new JsonArray() }))["state"]!.GetValue<string>());
        await socket.CloseAsync(WebSocketCloseStatus.NormalClosure, null, cancel.Token);
    }
}
