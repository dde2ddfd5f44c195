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

    [Fact]
    public async Task Select_and_examine_answer_by_the_rights_and_changes_without_them_get_noperm()
    {
        await StartAsync();
        using var aliceWire = await LoginWireAsync("alice", ImapTests.AlicePassword);
        Assert.StartsWith("a1 OK", (await aliceWire.CommandAsync("a1", "CREATE Team"))[^1]);
        Assert.StartsWith("a2 OK", (await AppendAsync(aliceWire, "a2", "one", "Team"))[^1]);

        await GrantBobAsync(aliceWire, "lr");
        using (var wire = await LoginWireAsync())
        {
            var select = await wire.CommandAsync("s1", $"SELECT \"{Team}\"");
            Assert.Contains("* OK [PERMANENTFLAGS ()] Flags permitted", select);
            Assert.StartsWith("s1 OK [READ-ONLY]", select[^1]);
            Assert.StartsWith("s2 NO [NOPERM]", (await wire.CommandAsync("s2", "STORE 1 +FLAGS (\\Seen)"))[^1]);
            Assert.StartsWith("s3 NO [NOPERM]", (await wire.CommandAsync("s3", "UID MOVE 1 INBOX"))[^1]);
            Assert.StartsWith("s4 NO [NOPERM]", (await wire.CommandAsync("s4", "EXPUNGE"))[^1]);
            Assert.StartsWith("s5 OK [COPYUID", (await wire.CommandAsync("s5", "COPY 1 INBOX"))[^1]);
            Assert.StartsWith("s6 OK", (await wire.CommandAsync("s6", "SELECT INBOX"))[^1]);
            Assert.StartsWith("s7 NO [NOPERM]", (await wire.CommandAsync("s7", $"COPY 1 \"{Team}\""))[^1]);
        }

        await GrantBobAsync(aliceWire, "lrs");
        using (var wire = await LoginWireAsync())
        {
            var select = await wire.CommandAsync("t1", $"SELECT \"{Team}\"");
            Assert.Contains("* OK [PERMANENTFLAGS (\\Seen)] Flags permitted", select);
            Assert.StartsWith("t1 OK [READ-WRITE]", select[^1]);
            Assert.StartsWith("t2 NO [NOPERM]", (await wire.CommandAsync("t2", "STORE 1 +FLAGS (\\Flagged)"))[^1]);
            Assert.StartsWith("t3 OK", (await wire.CommandAsync("t3", "STORE 1 +FLAGS (\\Seen \\Flagged)"))[^1]);
            var examine = await wire.CommandAsync("t4", $"EXAMINE \"{Team}\"");
            Assert.Contains("* OK [PERMANENTFLAGS ()] Flags permitted", examine);
            Assert.StartsWith("t4 OK [READ-ONLY]", examine[^1]);
            Assert.StartsWith("t5 NO [READ-ONLY]", (await wire.CommandAsync("t5", "STORE 1 -FLAGS (\\Seen)"))[^1]);
        }

        await GrantBobAsync(aliceWire, "lrwte");
        using (var wire = await LoginWireAsync())
        {
            var select = await wire.CommandAsync("u1", $"SELECT \"{Team}\"");
            Assert.Contains("* OK [PERMANENTFLAGS (\\Answered \\Flagged \\Deleted \\Draft \\*)] Flags permitted", select);
            Assert.StartsWith("u1 OK [READ-WRITE]", select[^1]);
        }

        await GrantBobAsync(aliceWire, "l");
        using (var wire = await LoginWireAsync())
        {
            Assert.StartsWith("v1 NO [NOPERM]", (await wire.CommandAsync("v1", $"SELECT \"{Team}\""))[^1]);
            Assert.StartsWith("v2 NO [NOPERM]", (await wire.CommandAsync("v2", $"EXAMINE \"{Team}\""))[^1]);
        }

        await GrantBobAsync(aliceWire, "r");
        using (var wire = await LoginWireAsync())
        {
            // Without l the mailbox is not revealed: no LIST entry, and SELECT says it does not exist.
            Assert.DoesNotContain(await wire.CommandAsync("w1", "LIST \"\" *"), l => l.Contains("Other Users", StringComparison.Ordinal));
            Assert.StartsWith("w2 NO [NONEXISTENT]", (await wire.CommandAsync("w2", $"SELECT \"{Team}\""))[^1]);
            Assert.StartsWith("w3 NO [NONEXISTENT]", (await wire.CommandAsync("w3", $"STATUS \"{Team}\" (MESSAGES)"))[^1]);
        }
    }

    [Fact]
    public async Task A_reader_of_a_shared_mailbox_keeps_its_own_seen_flags()
    {
        await StartAsync();
        using var aliceWire = await LoginWireAsync("alice", ImapTests.AlicePassword);
        Assert.StartsWith("a1 OK", (await aliceWire.CommandAsync("a1", "CREATE Team"))[^1]);
        Assert.StartsWith("a2 OK", (await AppendAsync(aliceWire, "a2", "one", "Team"))[^1]);
        Assert.StartsWith("a3 OK", (await AppendAsync(aliceWire, "a3", "two", "Team"))[^1]);
        await GrantBobAsync(aliceWire, "lrs");
        Assert.StartsWith("a4 OK", (await aliceWire.CommandAsync("a4", "SELECT Team"))[^1]);

        using var reader = await LoginWireAsync();
        using var watcher = await LoginWireAsync();
        Assert.StartsWith("w1 OK", (await watcher.CommandAsync("w1", $"SELECT \"{Team}\""))[^1]);
        Assert.StartsWith("r1 OK", (await reader.CommandAsync("r1", $"SELECT \"{Team}\""))[^1]);
        var read = await reader.CommandAsync("r2", "FETCH 1 (FLAGS BODY[TEXT])");
        Assert.StartsWith("r2 OK", read[^1]);
        Assert.Contains(read, l => l.StartsWith("* 1 FETCH (", StringComparison.Ordinal) && l.Contains("\\Seen", StringComparison.Ordinal));
        Assert.Contains("* SEARCH 1", await reader.CommandAsync("r3", "SEARCH SEEN"));
        Assert.Contains("* SEARCH 2", await reader.CommandAsync("r4", "SEARCH UNSEEN"));

        // The reader's other session hears of the change; the owner's flags are untouched.
        Assert.Contains(await watcher.CommandAsync("w2", "NOOP"), l => l.StartsWith("* 1 FETCH (", StringComparison.Ordinal) && l.Contains("FLAGS (\\Seen", StringComparison.Ordinal));
        var ownerNoop = await aliceWire.CommandAsync("a5", "NOOP");
        Assert.DoesNotContain(ownerNoop, l => l.Contains("\\Seen", StringComparison.Ordinal));
        Assert.DoesNotContain(await aliceWire.CommandAsync("a6", "FETCH 1:* FLAGS"), l => l.Contains("\\Seen", StringComparison.Ordinal));
        Assert.Contains("* SEARCH", await aliceWire.CommandAsync("a7", "SEARCH SEEN"));
        Assert.Contains("* STATUS INBOX (UNSEEN 0)", await aliceWire.CommandAsync("a8", "STATUS INBOX (UNSEEN)"));
        Assert.Contains("* STATUS Team (UNSEEN 2)", await aliceWire.CommandAsync("a9", "STATUS Team (UNSEEN)"));
        Assert.Contains($"* STATUS \"{Team}\" (UNSEEN 1)", await watcher.CommandAsync("w3", $"STATUS \"{Team}\" (UNSEEN)"));

        // The owner reading the second message does not mark it for the reader.
        Assert.StartsWith("a10 OK", (await aliceWire.CommandAsync("a10", "STORE 2 +FLAGS (\\Seen)"))[^1]);
        Assert.Contains("* SEARCH 2", await reader.CommandAsync("r5", "SEARCH UNSEEN"));
        Assert.Contains($"* STATUS \"{Team}\" (UNSEEN 1)", await watcher.CommandAsync("w4", $"STATUS \"{Team}\" (UNSEEN)"));
        Assert.Contains("* STATUS Team (UNSEEN 1)", await aliceWire.CommandAsync("a11", "STATUS Team (UNSEEN)"));
    }

    [Fact]
    public async Task Rights_given_to_a_group_reach_its_members_and_negative_rights_take_them_away()
    {
        var mail = await StartAsync();
        await mail.AddAccountAsync("carol", "carol@example.org");
        using (var created = await mail.SendAsync(HttpMethod.Post, "/api/admin/groups", System.Net.Http.Json.JsonContent.Create(new { name = "sales", addresses = new[] { "sales@example.org" }, members = new[] { "bob" } })))
        {
            Assert.True(created.IsSuccessStatusCode, await created.Content.ReadAsStringAsync());
        }

        using var aliceWire = await LoginWireAsync("alice", ImapTests.AlicePassword);
        Assert.StartsWith("a1 OK", (await aliceWire.CommandAsync("a1", "CREATE Team"))[^1]);
        Assert.StartsWith("a2 OK", (await aliceWire.CommandAsync("a2", "SETACL Team $sales lr"))[^1]);
        Assert.StartsWith("a3 OK", (await aliceWire.CommandAsync("a3", "SETACL Team sales@example.org +i"))[^1]);
        Assert.StartsWith("a4 OK", (await aliceWire.CommandAsync("a4", "SETACL Team -bob i"))[^1]);
        Assert.StartsWith("a4b OK", (await aliceWire.CommandAsync("a4b", "SETACL Team $sales@example.org +p"))[^1]);
        Assert.StartsWith("a5 NO [NONEXISTENT]", (await aliceWire.CommandAsync("a5", "SETACL Team $nosuch lr"))[^1]);
        Assert.StartsWith("a6 NO [NONEXISTENT]", (await aliceWire.CommandAsync("a6", "SETACL Team $carol lr"))[^1]);
        var acl = await aliceWire.CommandAsync("a7", "GETACL Team");
        Assert.Contains(acl, l => l.StartsWith("* ACL Team ", StringComparison.Ordinal) && l.Contains("$sales lrip", StringComparison.Ordinal) && l.Contains("-bob i", StringComparison.Ordinal));

        using (var bob = await LoginWireAsync())
        {
            Assert.Contains(await bob.CommandAsync("b1", "LIST \"\" \"Other Users/*\""), l => l.EndsWith($"\"{Team}\"", StringComparison.Ordinal));
            Assert.Contains($"* MYRIGHTS \"{Team}\" lrp", await bob.CommandAsync("b2", $"MYRIGHTS \"{Team}\""));
            Assert.StartsWith("b3 OK [READ-ONLY]", (await bob.CommandAsync("b3", $"SELECT \"{Team}\""))[^1]);
        }

        using (var carol = await LoginWireAsync("carol", "Pass-carol-2026!"))
        {
            Assert.DoesNotContain(await carol.CommandAsync("c1", "LIST \"\" *"), l => l.Contains("Other Users", StringComparison.Ordinal));
            Assert.StartsWith("c2 NO [NONEXISTENT]", (await carol.CommandAsync("c2", $"SELECT \"{Team}\""))[^1]);
        }

        Assert.StartsWith("a8 OK", (await aliceWire.CommandAsync("a8", "DELETEACL Team -bob"))[^1]);
        using (var bob = await LoginWireAsync())
        {
            Assert.Contains($"* MYRIGHTS \"{Team}\" lrip", await bob.CommandAsync("b4", $"MYRIGHTS \"{Team}\""));
        }
    }

    private static async Task<List<string>> AppendAsync(ImapWire wire, string tag, string subject, string mailbox = Team)
    {
        var message = $"From: bob@example.org\r\nSubject: {subject}\r\n\r\nHello.\r\n";
        return await wire.CommandAsync(tag, $"APPEND \"{mailbox}\" {(mailbox == Team ? "(\\Seen) " : string.Empty)}{{{Encoding.ASCII.GetByteCount(message)}+}}\r\n{message}");
    }

    private async Task<MailClient> StartAsync()
    {
        var server = await deployment.StartServerAsync(ImapTests.Environment);
        var mail = new MailClient(server.Http, ImapTests.AdminPassword);
        await mail.AddDomainAsync("example.org");
        await mail.AddAccountAsync("alice", "alice@example.org");
        await mail.AddAccountAsync("bob", "bob@example.org");
        return mail;
    }

    private static async Task GrantBobAsync(ImapWire alice, string rights)
        => Assert.StartsWith("g OK", (await alice.CommandAsync("g", $"SETACL Team bob {rights}"))[^1]);

    private async Task<ImapClient> ConnectAsync(string user, string password)
    {
        var client = new ImapClient();
        client.ServerCertificateValidationCallback = (_, _, _, _) => true;
        await client.ConnectAsync("127.0.0.1", ImapPort, SecureSocketOptions.None);
        await client.AuthenticateAsync(user, password);
        return client;
    }

    private async Task<ImapWire> LoginWireAsync(string user = "bob", string password = BobPassword)
    {
        var wire = await ImapWire.ConnectAsync(ImapPort);
        await wire.GreetingAsync();
        var login = await wire.CommandAsync("b0", $"LOGIN {user} \"{password}\"");
        Assert.StartsWith("b0 OK", login[^1]);
        return wire;
    }
}
