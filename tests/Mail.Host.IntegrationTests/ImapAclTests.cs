using System.Text;
using MailKit;
using MailKit.Net.Imap;
using MailKit.Security;

namespace Mail.Host.IntegrationTests;

/// <summary>
/// Shared mailboxes (RFC 4314 ACL with the other users' namespace) and METADATA (RFC 5464) between two real accounts
/// of a running server, with MailKit's ImapClient and raw commands for the response codes.
/// </summary>
[Collection(DeploymentCollection.Name)]
public sealed class ImapAclTests(DeploymentFixture fixture) : IDisposable
{
    private const string BobPassword = "Pass-bob-2026!";
    private const string Team = "Other Users/alice/Team";
    private readonly TestDeployment deployment = new(fixture);

    public void Dispose() => deployment.Dispose();

    private int ImapPort => deployment.ListenerPorts["imap"];

    [Fact]
    public async Task A_shared_mailbox_is_seen_and_used_by_the_rights_granted_and_hidden_when_revoked()
    {
        await StartAsync();
        using var alice = await ConnectAsync("alice", ImapTests.AlicePassword);
        Assert.True(alice.Capabilities.HasFlag(ImapCapabilities.Acl));
        Assert.Contains("texk", alice.Rights.ToString(), StringComparison.Ordinal);
        Assert.True(alice.Capabilities.HasFlag(ImapCapabilities.Metadata));
        Assert.True(alice.Capabilities.HasFlag(ImapCapabilities.MetadataServer));
        var team = (await alice.GetFolder(alice.PersonalNamespaces[0]).CreateAsync("Team", true))!;
        await team.AppendAsync(ImapTests.Message("Shared plans", "carol@example.org", "The plan is shared."));
        await team.SetAccessRightsAsync("bob", new AccessRights("lr"));

        var acl = await team.GetAccessControlListAsync();
        Assert.Equal("lrswipkxtea", Assert.Single(acl, a => a.Name == "alice").Rights.ToString());
        Assert.Equal("lr", Assert.Single(acl, a => a.Name == "bob").Rights.ToString());

        using (var bob = await ConnectAsync("bob", BobPassword))
        {
            var other = Assert.Single(bob.OtherNamespaces);
            Assert.Equal("Other Users", other.Path);
            var shared = await bob.GetFoldersAsync(other);
            Assert.Contains(shared, f => f.FullName == Team);
            var folder = await bob.GetFolderAsync(Team);
            Assert.Equal("lr", (await folder.GetMyAccessRightsAsync()).ToString());
            await folder.OpenAsync(FolderAccess.ReadOnly);
            Assert.Equal(1, folder.Count);
            var message = await folder.GetMessageAsync(0);
            Assert.Equal("Shared plans", message.Subject);
            await folder.CloseAsync();
        }

        using (var wire = await LoginWireAsync())
        {
            var list = await wire.CommandAsync("b1", "LIST \"\" \"Other Users/%\"");
            Assert.Contains(list, l => l.StartsWith("* LIST (\\Noselect \\HasChildren) \"/\" \"Other Users/alice\"", StringComparison.Ordinal));
            Assert.StartsWith("b2 OK", (await wire.CommandAsync("b2", $"SELECT \"{Team}\""))[^1]);
            Assert.StartsWith("b3 NO [NOPERM]", (await wire.CommandAsync("b3", "STORE 1 +FLAGS (\\Flagged)"))[^1]);
            Assert.StartsWith("b4 NO [NOPERM]", (await AppendAsync(wire, "b4", "from bob"))[^1]);
            Assert.StartsWith("b5 NO [NOPERM]", (await wire.CommandAsync("b5", "EXPUNGE"))[^1]);
            Assert.StartsWith("b6 NO [NOPERM]", (await wire.CommandAsync("b6", $"GETACL \"{Team}\""))[^1]);
            Assert.StartsWith("b7 NO [NOPERM]", (await wire.CommandAsync("b7", $"SETACL \"{Team}\" bob +w"))[^1]);
            var fetched = await wire.CommandAsync("b8", "FETCH 1 (FLAGS BODY[HEADER.FIELDS (SUBJECT)])");
            Assert.StartsWith("b8 OK", fetched[^1]);
            Assert.DoesNotContain(fetched, l => l.Contains("\\Seen", StringComparison.Ordinal));
        }

        await team.SetAccessRightsAsync("bob", new AccessRights("lrswite"));
        using (var wire = await LoginWireAsync())
        {
            Assert.StartsWith("c1 OK", (await wire.CommandAsync("c1", $"SELECT \"{Team}\""))[^1]);
            Assert.StartsWith("c2 OK", (await wire.CommandAsync("c2", "STORE 1 +FLAGS (\\Flagged)"))[^1]);
            Assert.StartsWith("c3 OK [APPENDUID", (await AppendAsync(wire, "c3", "from bob"))[^1]);
            Assert.Contains($"* MYRIGHTS \"{Team}\" lrswite", await wire.CommandAsync("c4", $"MYRIGHTS \"{Team}\""));
            Assert.StartsWith("c5 OK [COPYUID", (await wire.CommandAsync("c5", "UID COPY 1 INBOX"))[^1]);
            Assert.StartsWith("c6 OK", (await wire.CommandAsync("c6", $"STATUS \"{Team}\" (MESSAGES)"))[^1]);
        }

        await team.OpenAsync(FolderAccess.ReadOnly);
        Assert.Equal(2, team.Count);
        var flags = await team.FetchAsync(0, -1, MessageSummaryItems.Flags);
        Assert.True(flags[0].Flags!.Value.HasFlag(MessageFlags.Flagged));
        await team.CloseAsync();

        using (var bob = await ConnectAsync("bob", BobPassword))
        {
            await bob.Inbox.OpenAsync(FolderAccess.ReadOnly);
            Assert.Equal("Shared plans", (await bob.Inbox.GetMessageAsync(0)).Subject);
        }

        await team.RemoveAccessAsync("bob");
        using (var wire = await LoginWireAsync())
        {
            Assert.DoesNotContain(await wire.CommandAsync("d1", "LIST \"\" *"), l => l.Contains("Other Users", StringComparison.Ordinal));
            Assert.StartsWith("d2 NO [NONEXISTENT]", (await wire.CommandAsync("d2", $"SELECT \"{Team}\""))[^1]);
        }
    }

    [Fact]
    public async Task A_session_idling_in_a_shared_mailbox_hears_the_owners_new_mail()
    {
        await StartAsync();
        using var alice = await ConnectAsync("alice", ImapTests.AlicePassword);
        var team = (await alice.GetFolder(alice.PersonalNamespaces[0]).CreateAsync("Team", true))!;
        await team.SetAccessRightsAsync("bob", new AccessRights("lr"));

        using var bob = await ConnectAsync("bob", BobPassword);
        var folder = await bob.GetFolderAsync(Team);
        await folder.OpenAsync(FolderAccess.ReadOnly);
        Assert.Equal(0, folder.Count);
        using var done = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        folder.CountChanged += (_, _) => done.Cancel();
        var idle = bob.IdleAsync(done.Token);
        await Task.Delay(300);
        await team.AppendAsync(ImapTests.Message("While idle", "carol@example.org", "New."));
        await idle;
        Assert.Equal(1, folder.Count);
    }

    [Fact]
    public async Task Metadata_round_trips_on_the_server_and_on_mailboxes_within_the_limits()
    {
        await StartAsync();
        using var alice = await ConnectAsync("alice", ImapTests.AlicePassword);
        await alice.SetMetadataAsync(new MetadataCollection { new(MetadataTag.PrivateComment, "my server note") });
        Assert.Equal("my server note", await alice.GetMetadataAsync(MetadataTag.PrivateComment));
        await alice.Inbox.SetMetadataAsync(new MetadataCollection { new(MetadataTag.SharedComment, "team inbox"), new(MetadataTag.PrivateComment, "mine") });
        Assert.Equal("team inbox", await alice.Inbox.GetMetadataAsync(MetadataTag.SharedComment));
        Assert.Equal("mine", await alice.Inbox.GetMetadataAsync(MetadataTag.PrivateComment));

        using var wire = await ImapWire.ConnectAsync(ImapPort);
        await wire.GreetingAsync();
        Assert.StartsWith("m1 OK", (await wire.CommandAsync("m1", $"LOGIN alice \"{ImapTests.AlicePassword}\""))[^1]);
        var depth = await wire.CommandAsync("m2", "GETMETADATA (DEPTH infinity) \"INBOX\" (/private /shared)");
        Assert.Contains("* METADATA INBOX (/private/comment \"mine\" /shared/comment \"team inbox\")", depth);
        Assert.StartsWith("m2 OK", depth[^1]);
        Assert.StartsWith("m3 OK [METADATA LONGENTRIES 10]", (await wire.CommandAsync("m3", "GETMETADATA (MAXSIZE 5) INBOX /shared/comment"))[^1]);
        Assert.Contains("/private/vendor/x NIL", string.Join('\n', await wire.CommandAsync("m4", "GETMETADATA \"\" /private/vendor/x")), StringComparison.Ordinal);

        var big = new string('x', 64 * 1024 + 1);
        Assert.StartsWith("m5 NO [METADATA MAXSIZE 65536]", (await wire.CommandAsync("m5", $"SETMETADATA INBOX (/private/big {{{big.Length}+}}\r\n{big})"))[^1]);
        var many = string.Join(' ', Enumerable.Range(0, 101).Select(i => $"/private/n{i} \"v\""));
        Assert.StartsWith("m6 NO [METADATA TOOMANY]", (await wire.CommandAsync("m6", $"SETMETADATA INBOX ({many})"))[^1]);
        Assert.StartsWith("m7 BAD", (await wire.CommandAsync("m7", "SETMETADATA INBOX (/other/x \"v\")"))[^1]);
        Assert.StartsWith("m8 NO [NOPERM]", (await wire.CommandAsync("m8", "SETMETADATA \"\" (/shared/admin \"mailto:x@example.org\")"))[^1]);
        Assert.StartsWith("m9 OK", (await wire.CommandAsync("m9", "SETMETADATA INBOX (/shared/comment NIL)"))[^1]);
        Assert.Contains("/shared/comment NIL", string.Join('\n', await wire.CommandAsync("m10", "GETMETADATA INBOX /shared/comment")), StringComparison.Ordinal);
        Assert.StartsWith("m11 NO [NONEXISTENT]", (await wire.CommandAsync("m11", "GETMETADATA Nowhere /shared/comment"))[^1]);
    }

    private static async Task<List<string>> AppendAsync(ImapWire wire, string tag, string subject)
    {
        var message = $"From: bob@example.org\r\nSubject: {subject}\r\n\r\nHello.\r\n";
        return await wire.CommandAsync(tag, $"APPEND \"{Team}\" (\\Seen) {{{Encoding.ASCII.GetByteCount(message)}+}}\r\n{message}");
    }

    private async Task StartAsync()
    {
        var server = await deployment.StartServerAsync(ImapTests.Environment);
        var mail = new MailClient(server.Http, ImapTests.AdminPassword);
        await mail.AddDomainAsync("example.org");
        await mail.AddAccountAsync("alice", "alice@example.org");
        await mail.AddAccountAsync("bob", "bob@example.org");
    }

    private async Task<ImapClient> ConnectAsync(string user, string password)
    {
        var client = new ImapClient();
        client.ServerCertificateValidationCallback = (_, _, _, _) => true;
        await client.ConnectAsync("127.0.0.1", ImapPort, SecureSocketOptions.None);
        await client.AuthenticateAsync(user, password);
        return client;
    }

    private async Task<ImapWire> LoginWireAsync()
    {
        var wire = await ImapWire.ConnectAsync(ImapPort);
        await wire.GreetingAsync();
        var login = await wire.CommandAsync("b0", $"LOGIN bob \"{BobPassword}\"");
        Assert.StartsWith("b0 OK", login[^1]);
        return wire;
    }
}
