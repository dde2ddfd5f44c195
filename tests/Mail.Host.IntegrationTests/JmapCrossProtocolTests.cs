using System.Text.Json.Nodes;
using MailKit;
using MailKit.Net.Imap;
using MailKit.Search;
using MailKit.Security;

namespace Mail.Host.IntegrationTests;

/// <summary>
/// The same mail seen through JMAP and IMAP (MailKit's ImapClient) on one server: a JMAP EmailSubmission reaches a
/// local recipient's IMAP INBOX, an IMAP STORE shows in JMAP Email/changes, and a JMAP keyword shows over IMAP.
/// (SMTP in, then JMAP Email/query and Email/get, is in <see cref="JmapMailTests"/>.)
/// </summary>
[Collection(DeploymentCollection.Name)]
public sealed class JmapCrossProtocolTests(DeploymentFixture fixture)
{
    private const string Submission = "urn:ietf:params:jmap:submission";

    [Fact]
    public async Task Jmap_EmailSubmission_reaches_a_local_recipient_over_imap()
    {
        var server = await JmapTestServer.GetAsync(fixture);
        using var alice = await server.NewUserAsync("jsender");
        using var bob = await server.NewUserAsync("ireader");
        var drafts = await alice.MailboxIdAsync("drafts");
        var identity = (await alice.OkAsync("Identity/get", new JsonObject(), Submission))["list"]![0]!["id"]!.GetValue<string>();
        var responses = await alice.CallAsync([.. JmapClient.MailUsing, Submission],
            new JsonArray("Email/set", new JsonObject
            {
                ["accountId"] = alice.AccountId,
                ["create"] = new JsonObject
                {
                    ["m"] = new JsonObject
                    {
                        ["mailboxIds"] = new JsonObject { [drafts] = true },
                        ["from"] = new JsonArray(new JsonObject { ["email"] = alice.Address, ["name"] = "Alice" }),
                        ["to"] = new JsonArray(new JsonObject { ["email"] = bob.Address }),
                        ["subject"] = "Sent over JMAP",
                        ["textBody"] = new JsonArray(new JsonObject { ["partId"] = "1" }),
                        ["bodyValues"] = new JsonObject { ["1"] = new JsonObject { ["value"] = "Read me over IMAP." } },
                    },
                },
            }, "0"),
            new JsonArray("EmailSubmission/set", new JsonObject
            {
                ["accountId"] = alice.AccountId,
                ["create"] = new JsonObject { ["s"] = new JsonObject { ["identityId"] = identity, ["emailId"] = "#m" } },
            }, "1"));
        Assert.NotNull(responses[1]![1]!["created"]?["s"]?["id"]);

        using var imap = await ConnectAsync(server, bob);
        var inbox = imap.Inbox;
        await inbox.OpenAsync(FolderAccess.ReadOnly);
        var uids = await inbox.SearchAsync(SearchQuery.SubjectContains("Sent over JMAP"));
        var uid = Assert.Single(uids);
        var message = await inbox.GetMessageAsync(uid);
        Assert.Equal(alice.Address, message.From.Mailboxes.Single().Address);
        Assert.Contains("Read me over IMAP.", message.TextBody);
        await imap.DisconnectAsync(true);
    }

    [Fact]
    public async Task Imap_store_shows_in_Jmap_Email_changes_and_a_Jmap_keyword_shows_over_imap()
    {
        var server = await JmapTestServer.GetAsync(fixture);
        using var client = await server.NewUserAsync("both");
        await server.DeliverAsync(client.Address, "Flag me");
        var query = await client.OkAsync("Email/query", new JsonObject());
        var emailId = Assert.Single(query["ids"]!.AsArray())!.GetValue<string>();
        var state = (await client.OkAsync("Email/get", new JsonObject { ["ids"] = new JsonArray() }))["state"]!.GetValue<string>();

        using var imap = await ConnectAsync(server, client);
        var inbox = imap.Inbox;
        await inbox.OpenAsync(FolderAccess.ReadWrite);
        var uid = Assert.Single(await inbox.SearchAsync(SearchQuery.All));
        await inbox.AddFlagsAsync(uid, MessageFlags.Flagged, true);

        var changes = await client.OkAsync("Email/changes", new JsonObject { ["sinceState"] = state });
        Assert.Equal(emailId, Assert.Single(changes["updated"]!.AsArray())!.GetValue<string>());
        Assert.Empty(changes["created"]!.AsArray());
        Assert.NotEqual(state, changes["newState"]!.GetValue<string>());
        var email = (await client.OkAsync("Email/get", new JsonObject { ["ids"] = new JsonArray(emailId), ["properties"] = new JsonArray("keywords") }))["list"]![0]!;
        Assert.True(email["keywords"]!["$flagged"]!.GetValue<bool>());

        // And back: a keyword set over JMAP is a flag over IMAP.
        await client.OkAsync("Email/set", new JsonObject { ["update"] = new JsonObject { [emailId] = new JsonObject { ["keywords/$answered"] = true } } });
        var summary = Assert.Single(await inbox.FetchAsync([uid], MessageSummaryItems.Flags));
        Assert.True(summary.Flags!.Value.HasFlag(MessageFlags.Answered));
        Assert.True(summary.Flags!.Value.HasFlag(MessageFlags.Flagged));
        await imap.DisconnectAsync(true);
    }

    private static async Task<ImapClient> ConnectAsync(JmapTestServer server, JmapClient user)
    {
        var imap = new ImapClient();
        imap.ServerCertificateValidationCallback = (_, _, _, _) => true;
        await imap.ConnectAsync("127.0.0.1", server.ImapPort, SecureSocketOptions.None);
        await imap.AuthenticateAsync(user.Name, JmapTestServer.PasswordOf(user.Name));
        return imap;
    }
}
