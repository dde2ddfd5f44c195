using System.Diagnostics;
using System.Text;
using MailKit;
using MailKit.Net.Imap;
using MailKit.Security;

namespace Mail.Host.IntegrationTests;

/// <summary>Other real IMAP clients against the server: Python's imaplib and mbsync (isync) syncing a mailbox down and back.</summary>
[Collection(DeploymentCollection.Name)]
public sealed class ImapClientToolTests(DeploymentFixture fixture) : IDisposable
{
    private readonly TestDeployment deployment = new(fixture);
    private readonly string work = Path.Combine(Path.GetTempPath(), "mailhost-imap-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        deployment.Dispose();
        if (System.IO.Directory.Exists(work))
        {
            System.IO.Directory.Delete(work, recursive: true);
        }
    }

    [Fact]
    public async Task Python_imaplib_logs_in_appends_selects_fetches_searches_stores_and_expunges()
    {
        await StartAsync();
        System.IO.Directory.CreateDirectory(work);
        var script = Path.Combine(work, "client.py");
        await File.WriteAllTextAsync(script, """
            import imaplib, sys
            M = imaplib.IMAP4("127.0.0.1", int(sys.argv[1]))
            assert "IMAP4REV1" in M.capabilities, M.capabilities
            typ, _ = M.login("alice", sys.argv[2]); assert typ == "OK"
            typ, boxes = M.list(); assert typ == "OK" and any(b'INBOX' in b for b in boxes), boxes
            msg = b"From: Bob <bob@example.org>\r\nTo: alice@example.org\r\nSubject: From Python\r\nMessage-ID: <py@test>\r\n\r\nHello from imaplib\r\n"
            typ, data = M.append("INBOX", "(\\Flagged)", None, msg); assert typ == "OK" and b"APPENDUID" in data[0], data
            typ, data = M.select("INBOX"); assert typ == "OK" and data[0] == b"1", data
            typ, data = M.fetch("1", "(FLAGS BODY.PEEK[HEADER.FIELDS (SUBJECT)] BODY.PEEK[TEXT])")
            assert typ == "OK", data
            assert b"\\Flagged" in data[0][0], data
            assert data[0][1] == b"Subject: From Python\r\n\r\n", data
            assert data[1][1] == b"Hello from imaplib\r\n", data
            typ, data = M.search(None, "FLAGGED"); assert data == [b"1"], data
            typ, data = M.search("UTF-8", "SUBJECT", "python"); assert data == [b"1"], data
            typ, data = M.uid("SEARCH", "ALL"); assert typ == "OK" and data[0], data
            typ, data = M.store("1", "+FLAGS", "(\\Deleted)"); assert typ == "OK", data
            typ, data = M.expunge(); assert data == [b"1"], data
            typ, data = M.status("INBOX", "(MESSAGES UIDNEXT)"); assert b"MESSAGES 0" in data[0], data
            M.logout()
            print("python-ok")
            """);
        var result = await RunAsync("python3", script, deployment.ListenerPorts["imap"].ToString(), ImapTests.AlicePassword);
        Assert.True(result.ExitCode == 0, result.Output);
        Assert.Contains("python-ok", result.Output);
    }

    [Fact]
    public async Task Mbsync_pulls_a_mailbox_down_and_pushes_local_changes_back()
    {
        if (!File.Exists("/usr/bin/mbsync"))
        {
            Assert.Fail("mbsync is not installed; scripts/services.sh installs it (Debian package isync)");
        }

        await StartAsync();
        using (var client = await ConnectAsync())
        {
            var inbox = client.Inbox;
            for (var i = 0; i < 3; i++)
            {
                await inbox.AppendAsync(ImapTests.Message($"Synced {i}", "bob@example.org", "Body " + i), i == 0 ? MessageFlags.Seen : MessageFlags.None);
            }

            await client.DisconnectAsync(true);
        }

        var maildir = Path.Combine(work, "mail");
        System.IO.Directory.CreateDirectory(maildir);
        var config = Path.Combine(work, "mbsyncrc");
        var certificate = Path.Combine(deployment.Folder, "data", "tls", "selfsigned.pem");
        await File.WriteAllTextAsync(config, $"""
            IMAPAccount test
            Host 127.0.0.1
            Port {deployment.ListenerPorts["imaps"]}
            User alice
            Pass "{ImapTests.AlicePassword}"
            SSLType IMAPS
            CertificateFile {certificate}

            IMAPStore remote
            Account test

            MaildirStore local
            Path {maildir}/
            Inbox {maildir}/INBOX
            SubFolders Verbatim

            Channel sync
            Far :remote:
            Near :local:
            Patterns INBOX
            Create Both
            Expunge Both
            SyncState *
            """);
        var down = await RunAsync("mbsync", "-c", config, "-a");
        Assert.True(down.ExitCode == 0, down.Output);
        var files = System.IO.Directory.GetFiles(Path.Combine(maildir, "INBOX", "cur")).Concat(System.IO.Directory.GetFiles(Path.Combine(maildir, "INBOX", "new"))).ToList();
        Assert.Equal(3, files.Count);
        Assert.Single(files, f => Path.GetFileName(f).Contains(":2,S", StringComparison.Ordinal));

        // Locally: flag one message, delete another, add a new one; then sync back.
        var unseen = files.First(f => !f.Contains(":2,S", StringComparison.Ordinal));
        File.Move(unseen, Path.Combine(maildir, "INBOX", "cur", Path.GetFileName(unseen).Split(":2,")[0] + ":2,F"));
        var seen = files.Single(f => f.Contains(":2,S", StringComparison.Ordinal));
        File.Move(seen, seen.Replace(":2,S", ":2,ST", StringComparison.Ordinal));
        await File.WriteAllTextAsync(Path.Combine(maildir, "INBOX", "new", "1700000000.local.host"), "From: alice@example.org\r\nSubject: Written locally\r\nMessage-ID: <local@test>\r\n\r\nLocal body\r\n");
        var up = await RunAsync("mbsync", "-c", config, "-a");
        Assert.True(up.ExitCode == 0, up.Output);

        using (var client = await ConnectAsync())
        {
            var inbox = client.Inbox;
            await inbox.OpenAsync(FolderAccess.ReadOnly);
            var summaries = await inbox.FetchAsync(0, -1, MessageSummaryItems.Envelope | MessageSummaryItems.Flags);
            var subjects = summaries.Select(s => s.Envelope!.Subject).Order().ToList();
            Assert.Equal(["Synced 1", "Synced 2", "Written locally"], subjects);
            Assert.Single(summaries, s => s.Flags!.Value.HasFlag(MessageFlags.Flagged));
            await client.DisconnectAsync(true);
        }
    }

    private async Task StartAsync()
    {
        var server = await deployment.StartServerAsync(ImapTests.Environment);
        var mail = new MailClient(server.Http, ImapTests.AdminPassword);
        await mail.AddDomainAsync("example.org");
        await mail.AddAccountAsync("alice", "alice@example.org");
    }

    private async Task<ImapClient> ConnectAsync()
    {
        var client = new ImapClient();
        await client.ConnectAsync("127.0.0.1", deployment.ListenerPorts["imap"], SecureSocketOptions.None);
        await client.AuthenticateAsync("alice", ImapTests.AlicePassword);
        return client;
    }

    private static async Task<(int ExitCode, string Output)> RunAsync(string program, params string[] arguments)
    {
        var start = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(120));
        await process.WaitForExitAsync(timeout.Token);
        return (process.ExitCode, new StringBuilder(await output).Append('\n').Append(await error).ToString());
    }
}
