using System.Text;
using MailKit;
using MailKit.Net.Imap;
using MailKit.Search;
using MailKit.Security;
using MimeKit;

namespace Mail.Host.IntegrationTests;

/// <summary>The IMAP plugin on the default manifest's listeners (moved to free ports), with MailKit's ImapClient and raw commands.</summary>
[Collection(DeploymentCollection.Name)]
public sealed class ImapTests(DeploymentFixture fixture) : IDisposable
{
    internal const string AdminPassword = "Imap-Admin-2026";
    internal const string AlicePassword = "Pass-alice-2026!";
    internal static readonly Dictionary<string, string?> Environment = new() { ["MAILHOST_ADMIN_PASSWORD"] = AdminPassword };
    private readonly TestDeployment deployment = new(fixture);

    public void Dispose() => deployment.Dispose();

    private int ImapPort => deployment.ListenerPorts["imap"];

    private int ImapsPort => deployment.ListenerPorts["imaps"];

    [Fact]
    public async Task Greeting_capabilities_and_login_over_plain_starttls_and_implicit_tls()
    {
        await StartAsync();
        using (var wire = await ImapWire.ConnectAsync(ImapPort))
        {
            var greeting = await wire.GreetingAsync();
            Assert.StartsWith("* OK [CAPABILITY IMAP4rev1 IMAP4rev2 ", greeting);
            Assert.Contains("STARTTLS", greeting);
            Assert.Contains("AUTH=PLAIN", greeting);
            Assert.Contains("SASL-IR", greeting);
            var login = await wire.CommandAsync("a1", $"LOGIN alice \"{AlicePassword}\"");
            Assert.StartsWith("a1 OK [CAPABILITY ", login[^1]);
            foreach (var capability in new[] { "IDLE", "UIDPLUS", "MOVE", "CONDSTORE", "QRESYNC", "ESEARCH", "SORT", "THREAD=REFERENCES", "SPECIAL-USE", "APPENDLIMIT=", "OBJECTID" })
            {
                Assert.Contains(capability, login[^1]);
            }

            Assert.StartsWith("a2 OK", (await wire.CommandAsync("a2", "LOGOUT"))[^1]);
        }

        using (var client = new ImapClient())
        {
            client.ServerCertificateValidationCallback = (_, _, _, _) => true;
            await client.ConnectAsync("127.0.0.1", ImapPort, SecureSocketOptions.StartTls);
            Assert.True(client.IsSecure);
            await Assert.ThrowsAsync<AuthenticationException>(() => client.AuthenticateAsync("alice", "wrong password"));
            await client.AuthenticateAsync("alice", AlicePassword);
            Assert.True(client.IsAuthenticated);
            await client.DisconnectAsync(true);
        }

        using (var client = new ImapClient())
        {
            client.ServerCertificateValidationCallback = (_, _, _, _) => true;
            await client.ConnectAsync("127.0.0.1", ImapsPort, SecureSocketOptions.SslOnConnect);
            await client.AuthenticateAsync(new SaslMechanismPlain("alice", AlicePassword));
            Assert.NotNull(client.Inbox);
            await client.DisconnectAsync(true);
        }
    }

    [Fact]
    public async Task Authenticate_offers_scram_sha_256_and_mailkit_logs_in_with_it()
    {
        await StartAsync();
        using (var client = new ImapClient())
        {
            client.ServerCertificateValidationCallback = (_, _, _, _) => true;
            await client.ConnectAsync("127.0.0.1", ImapPort, SecureSocketOptions.StartTls);
            Assert.Contains("SCRAM-SHA-256", client.AuthenticationMechanisms);
            await Assert.ThrowsAsync<AuthenticationException>(() => client.AuthenticateAsync(new SaslMechanismScramSha256("alice", "wrong password")));

            // MailKit checks the server's signature in the last continuation: a wrong one would fail here.
            await client.AuthenticateAsync(new SaslMechanismScramSha256("alice", AlicePassword));
            Assert.True(client.IsAuthenticated);
            Assert.NotNull(client.Inbox);
            await client.DisconnectAsync(true);
        }

        using var wire = await ImapWire.ConnectAsync(ImapPort);
        await wire.GreetingAsync();
        var withoutBinding = Convert.ToBase64String(Encoding.UTF8.GetBytes("p=tls-unique,,n=alice,r=abcdef"));
        var refused = await wire.CommandAsync("a1", "AUTHENTICATE SCRAM-SHA-256 " + withoutBinding);
        Assert.StartsWith("a1 BAD", refused[^1]);
        Assert.Contains("channel binding", refused[^1]);
        Assert.StartsWith("a2 OK", (await wire.CommandAsync("a2", "NOOP"))[^1]);
    }

    [Fact]
    public async Task Login_is_disabled_before_tls_when_the_listener_does_not_allow_plaintext()
    {
        deployment.EditManifest(m => m["Listeners"]!["imap"]!.AsObject().Remove("AllowPlaintextAuth"));
        await StartAsync();
        using var wire = await ImapWire.ConnectAsync(ImapPort);
        var greeting = await wire.GreetingAsync();
        Assert.Contains("LOGINDISABLED", greeting);
        Assert.DoesNotContain("AUTH=PLAIN", greeting);
        Assert.StartsWith("a1 NO [PRIVACYREQUIRED]", (await wire.CommandAsync("a1", $"LOGIN alice \"{AlicePassword}\""))[^1]);
        Assert.StartsWith("a2 NO [PRIVACYREQUIRED]", (await wire.CommandAsync("a2", "AUTHENTICATE PLAIN " + Convert.ToBase64String(Encoding.UTF8.GetBytes($"\0alice\0{AlicePassword}"))))[^1]);
    }

    [Fact]
    public async Task MailKit_lists_appends_fetches_searches_sorts_threads_stores_copies_moves_and_expunges()
    {
        await StartAsync();
        using var client = await ConnectAsync();
        var personal = client.GetFolder(client.PersonalNamespaces[0]);
        var folders = await personal.GetSubfoldersAsync(false);
        Assert.Contains(folders, f => f.FullName == "INBOX");
        var sent = client.GetFolder(SpecialFolder.Sent);
        Assert.NotNull(sent);
        Assert.Contains(folders, f => f.Attributes.HasFlag(FolderAttributes.Trash));

        var work = await personal.CreateAsync("Work", true);
        var inbox = client.Inbox;
        await inbox.OpenAsync(FolderAccess.ReadWrite);
        var first = Message("Alpha report", "bob@example.org", "Plain text body for the alpha report.");
        var second = MultipartMessage("Re: Alpha report", "carol@example.org", first.MessageId!);
        var third = Message("Zulu notes", "dave@example.org", "Another body with the word marmalade.");
        var uid1 = await inbox.AppendAsync(first, MessageFlags.Seen);
        var uid2 = await inbox.AppendAsync(second, MessageFlags.None);
        var uid3 = (await inbox.AppendAsync(third, MessageFlags.Flagged))!;
        Assert.NotNull(uid1);
        Assert.True(uid2!.Value.Id > uid1!.Value.Id);
        await inbox.CheckAsync();
        Assert.Equal(3, inbox.Count);

        var summaries = await inbox.FetchAsync(0, -1, MessageSummaryItems.Envelope | MessageSummaryItems.BodyStructure | MessageSummaryItems.Flags | MessageSummaryItems.UniqueId | MessageSummaryItems.Size | MessageSummaryItems.InternalDate | MessageSummaryItems.PreviewText);
        Assert.Equal(3, summaries.Count);
        Assert.Equal("Alpha report", summaries[0].Envelope!.Subject);
        Assert.Equal("bob@example.org", summaries[0].Envelope!.From.Mailboxes.Single().Address);
        Assert.Equal("Bob", summaries[0].Envelope!.From.Mailboxes.Single().Name);
        Assert.Equal(first.MessageId, summaries[0].Envelope!.MessageId);
        Assert.True(summaries[0].Flags!.Value.HasFlag(MessageFlags.Seen));
        Assert.True(summaries[2].Flags!.Value.HasFlag(MessageFlags.Flagged));
        Assert.IsType<BodyPartMultipart>(summaries[1].Body);
        var multipart = (BodyPartMultipart)summaries[1].Body!;
        Assert.Equal("mixed", multipart.ContentType!.MediaSubtype, ignoreCase: true);
        Assert.Equal(2, multipart.BodyParts.Count);
        var attachment = (BodyPartBasic)multipart.BodyParts[1];
        Assert.Equal("notes.txt", attachment.FileName);
        Assert.Contains("Plain text body", summaries[0].PreviewText);

        // Body parts by section, decoded by the client, and a partial range.
        var text = (MimePart)await inbox.GetBodyPartAsync(summaries[1].UniqueId, multipart.BodyParts[0]);
        Assert.Contains("See the attachment", ((TextPart)text).Text);
        var file = (MimePart)await inbox.GetBodyPartAsync(summaries[1].UniqueId, attachment);
        using (var decoded = new MemoryStream())
        {
            await file.Content!.DecodeToAsync(decoded);
            Assert.Equal("attached notes\r\n", Encoding.ASCII.GetString(decoded.ToArray()));
        }

        var whole = await inbox.GetMessageAsync(summaries[0].UniqueId);
        Assert.Equal("Alpha report", whole.Subject);
        using (var partial = await inbox.GetStreamAsync(summaries[0].UniqueId, 0, 5))
        {
            var bytes = new byte[5];
            Assert.Equal(5, await partial.ReadAsync(bytes));
            Assert.Equal("From:", Encoding.ASCII.GetString(bytes));
        }

        // Search, sort and thread.
        Assert.Equal([uid2.Value, uid3.Value], await inbox.SearchAsync(SearchQuery.NotSeen.Or(SearchQuery.Flagged)));
        Assert.Equal([uid3.Value], await inbox.SearchAsync(SearchQuery.BodyContains("marmalade")));
        Assert.Equal([uid1.Value, uid2.Value], await inbox.SearchAsync(SearchQuery.SubjectContains("alpha")));

        // IMAP's text keys are substrings, inside words too (RFC 9051 §6.4.4).
        Assert.Equal([uid3.Value], await inbox.SearchAsync(SearchQuery.BodyContains("ARMALA")));
        Assert.Equal([uid1.Value, uid2.Value], await inbox.SearchAsync(SearchQuery.SubjectContains("pha rep")));
        Assert.Equal([uid3.Value], await inbox.SearchAsync(SearchQuery.FromContains("ave@example.o")));
        Assert.Equal([uid3.Value], await inbox.SearchAsync(SearchQuery.Or(SearchQuery.BodyContains("nothing like it"), SearchQuery.MessageContains("lu not"))));
        Assert.Equal([uid3.Value, uid2.Value, uid1.Value], await inbox.SortAsync(SearchQuery.All, [OrderBy.ReverseArrival]));
        Assert.Equal([uid1.Value, uid2.Value, uid3.Value], await inbox.SortAsync(SearchQuery.All, [new OrderBy(OrderByType.Subject, SortOrder.Ascending), OrderBy.Arrival]));
        var threads = await inbox.ThreadAsync(ThreadingAlgorithm.References, SearchQuery.All);
        Assert.Equal(2, threads.Count);
        Assert.Equal(uid1.Value, threads[0].UniqueId);
        Assert.Equal(uid2.Value, Assert.Single(threads[0].Children).UniqueId);
        var bySubject = await inbox.ThreadAsync(ThreadingAlgorithm.OrderedSubject, SearchQuery.All);
        Assert.Equal(2, bySubject.Count);

        // Flags, copy, move, expunge.
        await inbox.AddFlagsAsync(uid2.Value, MessageFlags.Answered, true);
        await inbox.StoreAsync(uid2.Value, new StoreFlagsRequest(StoreAction.Add, new HashSet<string> { "$Label1" }) { Silent = true });
        var flags = (await inbox.FetchAsync([uid2.Value], MessageSummaryItems.Flags)).Single();
        Assert.True(flags.Flags!.Value.HasFlag(MessageFlags.Answered));
        Assert.Contains("$label1", flags.Keywords, StringComparer.OrdinalIgnoreCase);

        var copied = await inbox.CopyToAsync([uid1.Value], work!);
        Assert.NotNull(copied);
        Assert.Single(copied.Destination);
        var moved = await inbox.MoveToAsync([uid3.Value], work!);
        Assert.Single(moved!.Destination);
        Assert.Equal(2, inbox.Count);
        await inbox.AddFlagsAsync(uid1.Value, MessageFlags.Deleted, true);
        await inbox.ExpungeAsync();
        Assert.Equal(1, inbox.Count);
        await inbox.CloseAsync();

        var status = await client.GetFolderAsync("Work");
        await status.StatusAsync(StatusItems.Count | StatusItems.UidNext | StatusItems.Size);
        Assert.Equal(2, status.Count);
        await status.OpenAsync(FolderAccess.ReadOnly);
        var subjects = (await status.FetchAsync(0, -1, MessageSummaryItems.Envelope)).Select(s => s.Envelope!.Subject).Order().ToList();
        Assert.Equal(["Alpha report", "Zulu notes"], subjects);
        await client.DisconnectAsync(true);
    }

    [Fact]
    public async Task Idle_sees_an_smtp_delivery_and_a_change_from_another_session_within_a_second()
    {
        await StartAsync();
        using var watcher = await ConnectAsync();
        await watcher.Inbox.OpenAsync(FolderAccess.ReadOnly);
        var counts = new System.Collections.Concurrent.ConcurrentQueue<(int Count, DateTime At)>();
        var flagChanges = new System.Collections.Concurrent.ConcurrentQueue<DateTime>();
        watcher.Inbox.CountChanged += (_, _) => counts.Enqueue((watcher.Inbox.Count, DateTime.UtcNow));
        watcher.Inbox.MessageFlagsChanged += (_, _) => flagChanges.Enqueue(DateTime.UtcNow);
        using var done = new CancellationTokenSource();
        var idle = watcher.IdleAsync(done.Token);
        await Task.Delay(300);

        var sentAt = DateTime.UtcNow;
        using (var smtp = new MailKit.Net.Smtp.SmtpClient())
        {
            await smtp.ConnectAsync("127.0.0.1", deployment.ListenerPorts["smtp"], SecureSocketOptions.None);
            await smtp.SendAsync(Message("Delivered", "sender@elsewhere.test", "Over SMTP."));
            await smtp.DisconnectAsync(true);
        }

        var delivered = DateTime.UtcNow;
        await WaitForAsync(() => !counts.IsEmpty, TimeSpan.FromSeconds(5));
        Assert.True(counts.TryPeek(out var first));
        Assert.Equal(1, first.Count);
        Assert.True(first.At - delivered < TimeSpan.FromSeconds(1), $"EXISTS came {(first.At - delivered).TotalMilliseconds} ms after the delivery");

        using (var other = await ConnectAsync())
        {
            await other.Inbox.OpenAsync(FolderAccess.ReadWrite);
            var changedAt = DateTime.UtcNow;
            await other.Inbox.AddFlagsAsync(0, MessageFlags.Flagged, true);
            await WaitForAsync(() => !flagChanges.IsEmpty, TimeSpan.FromSeconds(5));
            Assert.True(flagChanges.TryPeek(out var seen));
            Assert.True(seen - changedAt < TimeSpan.FromSeconds(1.5), $"FETCH FLAGS came {(seen - changedAt).TotalMilliseconds} ms after the store");
            await other.DisconnectAsync(true);
        }

        await done.CancelAsync();
        await idle;
        await watcher.DisconnectAsync(true);
    }

    [Fact]
    public async Task Condstore_and_qresync_resynchronize_a_mailbox_after_changes_made_elsewhere()
    {
        await StartAsync();
        using var client = await ConnectAsync();
        await client.EnableQuickResyncAsync();
        var inbox = client.Inbox;
        await inbox.OpenAsync(FolderAccess.ReadWrite);
        var uids = new List<UniqueId>();
        for (var i = 0; i < 4; i++)
        {
            uids.Add((await inbox.AppendAsync(Message($"Message {i}", "bob@example.org", "Body " + i)))!.Value);
        }

        await inbox.CloseAsync();
        await inbox.OpenAsync(FolderAccess.ReadOnly);
        var validity = inbox.UidValidity;
        var modSeq = inbox.HighestModSeq;
        await inbox.CloseAsync();

        using (var other = await ConnectAsync())
        {
            await other.Inbox.OpenAsync(FolderAccess.ReadWrite);
            await other.Inbox.AddFlagsAsync(uids[1], MessageFlags.Seen, true);
            await other.Inbox.AddFlagsAsync(uids[3], MessageFlags.Deleted, true);
            await other.Inbox.ExpungeAsync();
            await other.DisconnectAsync(true);
        }

        var vanished = new List<UniqueId>();
        var changed = new List<UniqueId>();
        inbox.MessagesVanished += (_, e) => vanished.AddRange(e.UniqueIds);
        inbox.MessageFlagsChanged += (_, e) => changed.Add(e.UniqueId!.Value);
        await inbox.OpenAsync(FolderAccess.ReadWrite, validity, modSeq, new UniqueIdRange(uids[0], uids[3]));
        Assert.Equal([uids[3]], vanished);
        Assert.Contains(uids[1], changed);
        Assert.Equal(3, inbox.Count);

        var since = await inbox.FetchAsync(0, -1, modSeq, MessageSummaryItems.Flags | MessageSummaryItems.UniqueId | MessageSummaryItems.ModSeq);
        Assert.Equal([uids[1]], since.Select(s => s.UniqueId));
        Assert.True(since[0].ModSeq > modSeq);

        // A conditional store that loses to a newer change is refused for that message.
        var unchanged = await inbox.AddFlagsAsync([uids[0], uids[1]], modSeq, MessageFlags.Flagged, true);
        Assert.Equal([uids[1]], unchanged);
        await client.DisconnectAsync(true);
    }

    [Fact]
    public async Task Raw_commands_cover_esearch_searchres_binary_replace_list_status_quota_namespace_id_rev2_and_unauthenticate()
    {
        await StartAsync();
        using var wire = await ImapWire.ConnectAsync(ImapPort);
        await wire.GreetingAsync();
        Assert.Contains("* ID (\"name\" \"Mail Host\"", string.Join('\n', await wire.CommandAsync("a0", "ID (\"name\" \"test\")")));
        await wire.CommandAsync("a1", $"LOGIN alice \"{AlicePassword}\"");
        Assert.Contains("* NAMESPACE ((\"\" \"/\")) ((\"Other Users/\" \"/\")) NIL", await wire.CommandAsync("a2", "NAMESPACE"));
        var body = "From: Bob <bob@example.org>\r\nSubject: Binary\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: base64\r\n\r\naMOpbGxvIHdvcmxk\r\n";
        Assert.StartsWith("a3 OK [APPENDUID ", (await wire.CommandAsync("a3", $"APPEND INBOX (\\Seen) {{{Encoding.UTF8.GetByteCount(body)}+}}\r\n{body} (\\Flagged) {{{Encoding.UTF8.GetByteCount(body)}+}}\r\n{body}"))[^1]);
        await wire.CommandAsync("a4", "SELECT INBOX");
        Assert.Contains("* ESEARCH (TAG \"a5\") UID MIN 1 MAX 2 COUNT 2 ALL 1:2", await wire.CommandAsync("a5", "UID SEARCH RETURN (MIN MAX COUNT ALL) ALL"));
        Assert.Equal(["a6 OK SEARCH completed"], await wire.CommandAsync("a6", "SEARCH RETURN (SAVE) FLAGGED"));
        Assert.StartsWith("* 2 FETCH (UID 2 FLAGS (", (await wire.CommandAsync("a7", "FETCH $ (UID FLAGS)"))[0]);
        var binary = await wire.CommandAsync("a8", "FETCH 1 (BINARY.PEEK[1] BINARY.SIZE[1])");
        Assert.Contains("* 1 FETCH (BINARY[1] {12}", binary[0]);
        Assert.Contains("h\u00e9llo world BINARY.SIZE[1] 12)", string.Join('\n', binary));
        var replacement = "Subject: Replaced\r\n\r\nNew\r\n";
        var replace = await wire.CommandAsync("a9", $"UID REPLACE 1 INBOX {{{replacement.Length}+}}\r\n{replacement}");
        Assert.StartsWith("* OK [APPENDUID ", replace[0]);
        Assert.Contains("* 1 EXPUNGE", replace);
        Assert.StartsWith("a9 OK", replace[^1]);
        var listStatus = await wire.CommandAsync("b1", "LIST (SPECIAL-USE) \"\" \"*\" RETURN (STATUS (MESSAGES UIDNEXT SIZE))");
        Assert.Contains("* LIST (\\HasNoChildren \\Sent) \"/\" Sent", listStatus);
        Assert.Contains(listStatus, l => l.StartsWith("* STATUS Sent (MESSAGES 0 UIDNEXT 1 SIZE 0)", StringComparison.Ordinal));
        Assert.DoesNotContain(listStatus, l => l.Contains("INBOX", StringComparison.Ordinal));
        var quota = await wire.CommandAsync("b2", "GETQUOTAROOT INBOX");
        Assert.Equal("* QUOTAROOT INBOX \"\"", quota[0]);
        Assert.StartsWith("* QUOTA \"\" (", quota[1]);
        Assert.Contains("* ENABLED IMAP4rev2", await wire.CommandAsync("b3", "ENABLE IMAP4rev2"));
        Assert.Contains(await wire.CommandAsync("b4", "SEARCH ALL"), l => l.StartsWith("* ESEARCH (TAG \"b4\") ALL ", StringComparison.Ordinal));
        Assert.StartsWith("b5 OK", (await wire.CommandAsync("b5", "UNAUTHENTICATE"))[^1]);
        Assert.StartsWith("b6 BAD", (await wire.CommandAsync("b6", "SELECT INBOX"))[^1]);
        Assert.StartsWith("b7 OK", (await wire.CommandAsync("b7", $"AUTHENTICATE PLAIN {Convert.ToBase64String(Encoding.UTF8.GetBytes($"\0alice\0{AlicePassword}"))}"))[^1]);
    }

    [Fact]
    public async Task Compress_deflate_carries_a_mailkit_session_over_tls_and_a_second_compress_is_refused()
    {
        await StartAsync();
        using (var client = new ImapClient())
        {
            client.ServerCertificateValidationCallback = (_, _, _, _) => true;
            await client.ConnectAsync("127.0.0.1", ImapPort, SecureSocketOptions.StartTls);
            await client.AuthenticateAsync("alice", AlicePassword);
            Assert.True(client.Capabilities.HasFlag(ImapCapabilities.Compress));
            await client.CompressAsync();

            // Everything after the switch travels compressed: the client's inflater would fail on anything else.
            var inbox = client.Inbox;
            await inbox.OpenAsync(FolderAccess.ReadWrite);
            var body = string.Join("\r\n", Enumerable.Range(0, 400).Select(i => $"Line {i} of a long and repetitive report body."));
            var uid = await inbox.AppendAsync(Message("Compressed", "bob@example.org", body));
            var fetched = await inbox.GetMessageAsync(uid!.Value);
            Assert.Equal("Compressed", fetched.Subject);
            Assert.Equal(body.ReplaceLineEndings("\n"), fetched.TextBody!.ReplaceLineEndings("\n").TrimEnd('\n'));
            Assert.Contains(await client.GetFolder(client.PersonalNamespaces[0]).GetSubfoldersAsync(false), f => f.FullName == "INBOX");
            await client.DisconnectAsync(true);
        }

        using var tcp = new System.Net.Sockets.TcpClient();
        await tcp.ConnectAsync("127.0.0.1", ImapPort);
        var network = tcp.GetStream();
        var plain = new StreamReader(network, Encoding.ASCII, false, 1, leaveOpen: true);
        Assert.StartsWith("* OK", await plain.ReadLineAsync());
        await network.WriteAsync(Encoding.ASCII.GetBytes("c0 COMPRESS DEFLATE\r\n"));
        Assert.StartsWith("c0 BAD", await plain.ReadLineAsync());
        await network.WriteAsync(Encoding.ASCII.GetBytes($"c1 LOGIN alice \"{AlicePassword}\"\r\nc2 COMPRESS GZIP\r\nc3 COMPRESS DEFLATE\r\n"));
        Assert.StartsWith("c1 OK", await plain.ReadLineAsync());
        Assert.StartsWith("c2 BAD", await plain.ReadLineAsync());
        Assert.Equal("c3 OK DEFLATE active", await plain.ReadLineAsync());

        await using var deflate = new System.IO.Compression.DeflateStream(network, System.IO.Compression.CompressionMode.Compress, leaveOpen: true);
        await using var inflate = new System.IO.Compression.DeflateStream(network, System.IO.Compression.CompressionMode.Decompress, leaveOpen: true);
        var compressed = new StreamReader(inflate, Encoding.ASCII);
        await deflate.WriteAsync(Encoding.ASCII.GetBytes("c4 COMPRESS DEFLATE\r\nc5 NOOP\r\n"));
        await deflate.FlushAsync();
        Assert.Equal("c4 NO [COMPRESSIONACTIVE] DEFLATE is already active", await compressed.ReadLineAsync());
        Assert.StartsWith("c5 OK", await compressed.ReadLineAsync());

        // Bytes that are not DEFLATE end that one session; the server goes on serving others.
        using (var broken = new System.Net.Sockets.TcpClient())
        {
            await broken.ConnectAsync("127.0.0.1", ImapPort);
            var raw = broken.GetStream();
            var lines = new StreamReader(raw, Encoding.ASCII, false, 1, leaveOpen: true);
            Assert.StartsWith("* OK", await lines.ReadLineAsync());
            await raw.WriteAsync(Encoding.ASCII.GetBytes($"d1 LOGIN alice \"{AlicePassword}\"\r\nd2 COMPRESS DEFLATE\r\n"));
            Assert.StartsWith("d1 OK", await lines.ReadLineAsync());
            Assert.StartsWith("d2 OK", await lines.ReadLineAsync());
            await raw.WriteAsync(Enumerable.Range(0, 64).Select(i => (byte)(0xFF - i)).ToArray());
            var buffer = new byte[64];
            using var wait = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            try
            {
                Assert.Equal(0, await raw.ReadAsync(buffer, wait.Token));
            }
            catch (IOException)
            {
                // A reset closes it as surely as a FIN; a reply or a timeout would fail the test.
            }
        }

        using var after = await ConnectAsync();
        Assert.True(after.IsAuthenticated);
    }

    internal async Task StartAsync()
    {
        var server = await deployment.StartServerAsync(Environment);
        var mail = new MailClient(server.Http, AdminPassword);
        await mail.AddDomainAsync("example.org");
        await mail.AddAccountAsync("alice", "alice@example.org");
        await mail.AddAccountAsync("bob", "bob@example.org");
    }

    private async Task<ImapClient> ConnectAsync()
    {
        var client = new ImapClient();
        client.ServerCertificateValidationCallback = (_, _, _, _) => true;
        await client.ConnectAsync("127.0.0.1", ImapPort, SecureSocketOptions.None);
        await client.AuthenticateAsync("alice", AlicePassword);
        return client;
    }

    private static async Task WaitForAsync(Func<bool> condition, TimeSpan timeout)
    {
        var until = DateTime.UtcNow + timeout;
        while (!condition() && DateTime.UtcNow < until)
        {
            await Task.Delay(20);
        }
    }

    internal static MimeMessage Message(string subject, string from, string body)
    {
        var message = new MimeMessage();
        message.From.Add(new MailboxAddress(from == "bob@example.org" ? "Bob" : null, from));
        message.To.Add(new MailboxAddress("Alice", "alice@example.org"));
        message.Subject = subject;
        message.MessageId = MimeKit.Utils.MimeUtils.GenerateMessageId("test.example");
        message.Date = DateTimeOffset.UtcNow;
        message.Body = new TextPart("plain") { Text = body };
        return message;
    }

    private static MimeMessage MultipartMessage(string subject, string from, string inReplyTo)
    {
        var message = Message(subject, from, string.Empty);
        message.InReplyTo = inReplyTo;
        message.References.Add(inReplyTo);
        message.Date = DateTimeOffset.UtcNow.AddSeconds(1);
        var attachment = new MimePart("text", "plain")
        {
            Content = new MimeContent(new MemoryStream(Encoding.ASCII.GetBytes("attached notes\r\n"))),
            ContentDisposition = new ContentDisposition(ContentDisposition.Attachment),
            ContentTransferEncoding = ContentEncoding.Base64,
            FileName = "notes.txt",
        };
        message.Body = new Multipart("mixed") { new TextPart("plain") { Text = "See the attachment.\r\n" }, attachment };
        return message;
    }
}
