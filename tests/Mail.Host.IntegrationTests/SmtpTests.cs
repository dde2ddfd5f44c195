using Xunit.Abstractions;
using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using MailKit.Net.Smtp;
using MailKit.Security;
using MimeKit;

namespace Mail.Host.IntegrationTests;

/// <summary>The SMTP plugin on the default manifest's listeners (moved to free ports), with real clients and raw bytes.</summary>
[Collection(DeploymentCollection.Name)]
public sealed class SmtpTests(DeploymentFixture fixture, ITestOutputHelper output) : IDisposable
{
    private const string AdminPassword = "Smtp-Admin-2026";
    private const string AlicePassword = "Pass-alice-2026!";
    private static readonly Dictionary<string, string?> Environment = new() { ["MAILHOST_ADMIN_PASSWORD"] = AdminPassword };
    private readonly TestDeployment deployment = new(fixture);

    public void Dispose() => deployment.Dispose();

    private int SmtpPort => deployment.ListenerPorts["smtp"];

    private int SubmissionPort => deployment.ListenerPorts["submission"];

    private int SubmissionsPort => deployment.ListenerPorts["submissions"];

    [Fact]
    public async Task Smtp_message_over_a_raw_session_is_stored_byte_exact_after_the_received_header()
    {
        var (_, mail) = await StartAsync();
        var message = Message("Raw session", "Line one\r\n.Leading dot line\r\n..two dots\r\nUTF-8: h\u00e9 \u2603\r\n");
        using var wire = await SmtpWire.ConnectAsync(SmtpPort);
        Assert.StartsWith("220 ", await wire.ReplyAsync());
        var ehlo = await wire.CommandAsync("EHLO client.test");
        foreach (var extension in new[] { "PIPELINING", "SIZE ", "8BITMIME", "SMTPUTF8", "ENHANCEDSTATUSCODES", "CHUNKING", "BINARYMIME", "DSN", "STARTTLS" })
        {
            Assert.Contains(extension, ehlo);
        }

        Assert.DoesNotContain("AUTH", ehlo);
        Assert.StartsWith("250 2.1.0", await wire.CommandAsync("MAIL FROM:<sender@elsewhere.test> BODY=8BITMIME RET=HDRS ENVID=abc"));
        Assert.StartsWith("250 2.1.5", await wire.CommandAsync("RCPT TO:<alice@example.org> NOTIFY=SUCCESS,FAILURE ORCPT=rfc822;alice@example.org"));
        Assert.StartsWith("354", await wire.CommandAsync("DATA"));
        await wire.SendAsync(DotStuff(message));
        await wire.SendAsync(".\r\n");
        Assert.StartsWith("250 2.0.0", await wire.ReplyAsync());
        Assert.StartsWith("221", await wire.CommandAsync("QUIT"));

        var stored = await SingleMessageAsync(mail, "alice");
        AssertReceivedThenExact(stored, message);
    }

    [Fact]
    public async Task Smtp_refuses_unknown_users_and_relaying_and_accepts_pipelined_commands_and_bdat()
    {
        var (_, mail) = await StartAsync();
        using var wire = await SmtpWire.ConnectAsync(SmtpPort);
        await wire.ReplyAsync();
        await wire.CommandAsync("EHLO client.test");
        Assert.StartsWith("250", await wire.CommandAsync("MAIL FROM:<>"));
        Assert.StartsWith("550 5.1.1", await wire.CommandAsync("RCPT TO:<nobody@example.org>"));
        Assert.StartsWith("554 5.7.1", await wire.CommandAsync("RCPT TO:<someone@elsewhere.test>"));
        Assert.StartsWith("554 5.5.1", await wire.CommandAsync("DATA"));
        Assert.StartsWith("250", await wire.CommandAsync("RSET"));

        // Everything pipelined in one write: the replies come back in order.
        var chunk1 = Encoding.ASCII.GetBytes("Subject: Chunked\r\nMessage-ID: <chunked@test>\r\n\r\nfirst ");
        var chunk2 = new byte[] { (byte)'b', 0, (byte)'\n', (byte)'\r', (byte)'.', (byte)'\r', (byte)'\n', (byte)'e', (byte)'n', (byte)'d', (byte)'\r', (byte)'\n' };
        var pipelined = new MemoryStream();
        pipelined.Write(Encoding.ASCII.GetBytes("MAIL FROM:<s@elsewhere.test> BODY=BINARYMIME\r\nRCPT TO:<alice@example.org>\r\nRCPT TO:<bob@example.org>\r\n"));
        pipelined.Write(Encoding.ASCII.GetBytes($"BDAT {chunk1.Length}\r\n"));
        pipelined.Write(chunk1);
        pipelined.Write(Encoding.ASCII.GetBytes($"BDAT {chunk2.Length} LAST\r\n"));
        pipelined.Write(chunk2);
        pipelined.Write(Encoding.ASCII.GetBytes("NOOP\r\n"));
        await wire.SendAsync(pipelined.ToArray()[..^6]);
        await wire.SendAsync(pipelined.ToArray()[^6..]);
        Assert.StartsWith("250 2.1.0", await wire.ReplyAsync());
        Assert.StartsWith("250 2.1.5", await wire.ReplyAsync());
        Assert.StartsWith("250 2.1.5", await wire.ReplyAsync());
        Assert.StartsWith($"250 2.0.0 {chunk1.Length} octets", await wire.ReplyAsync());
        Assert.StartsWith("250 2.0.0 OK", await wire.ReplyAsync());
        Assert.StartsWith("250 2.0.0", await wire.ReplyAsync());

        foreach (var principal in new[] { "alice", "bob" })
        {
            var stored = await SingleMessageAsync(mail, principal);
            AssertReceivedThenExact(stored, [.. chunk1, .. chunk2]);
        }
    }

    [Fact]
    public async Task Smtp_accepts_mailkit_over_plain_starttls_and_implicit_tls_with_auth()
    {
        var (_, mail) = await StartAsync();
        using (var client = NewClient())
        {
            await client.ConnectAsync("127.0.0.1", SmtpPort, SecureSocketOptions.None);
            Assert.True(client.Capabilities.HasFlag(SmtpCapabilities.Pipelining));
            await client.SendAsync(MimeMessage("Plain", "sender@elsewhere.test", "alice@example.org"));
            await client.DisconnectAsync(true);
        }

        using (var client = NewClient())
        {
            await client.ConnectAsync("127.0.0.1", SmtpPort, SecureSocketOptions.StartTls);
            Assert.True(client.IsSecure);
            await client.SendAsync(MimeMessage("StartTls", "sender@elsewhere.test", "alice@example.org"));
            await client.DisconnectAsync(true);
        }

        using (var client = NewClient())
        {
            await client.ConnectAsync("127.0.0.1", SubmissionPort, SecureSocketOptions.StartTls);
            await Assert.ThrowsAsync<MailKit.Security.AuthenticationException>(() => client.AuthenticateAsync("alice", "wrong password"));
            await client.AuthenticateAsync("alice", AlicePassword);
            await client.SendAsync(MimeMessage("Submitted", "alice@example.org", "bob@example.org"));
            var refused = await Assert.ThrowsAsync<SmtpCommandException>(() => client.SendAsync(MimeMessage("Forged", "bob@example.org", "bob@example.org")));
            Assert.Equal(SmtpStatusCode.MailboxNameNotAllowed, refused.StatusCode);
            await client.DisconnectAsync(true);
        }

        using (var client = NewClient())
        {
            await client.ConnectAsync("127.0.0.1", SubmissionsPort, SecureSocketOptions.SslOnConnect);
            Assert.True(client.IsSecure);
            await client.AuthenticateAsync(new SaslMechanismLogin("alice", AlicePassword));
            await client.SendAsync(MimeMessage("Implicit TLS", "alice@example.org", "bob@example.org", "carol@remote.example"));
            await client.DisconnectAsync(true);
        }

        // carol@remote.example went to the outbound queue. Whether its delivery attempt has already
        // ended in a bounce to alice depends on how fast this machine's resolver answers for the
        // reserved .example domain, so a bounce may be there; if it is, it must be about carol.
        var toAlice = await mail.MessagesAsync("alice");
        var bounces = toAlice.Where(m => m.Subject == "Undelivered Mail Returned to Sender").ToList();
        foreach (var bounce in bounces)
        {
            Assert.Contains("carol@remote.example", Encoding.UTF8.GetString(await mail.RawAsync("alice", bounce.EmailId)), StringComparison.OrdinalIgnoreCase);
        }

        Assert.True(bounces.Count <= 1, $"{bounces.Count} bounces for one undeliverable recipient");
        Assert.Equal(["Plain", "StartTls"], toAlice.Except(bounces).Select(m => m.Subject).Order());
        Assert.Equal(["Implicit TLS", "Submitted"], (await mail.MessagesAsync("bob")).Select(m => m.Subject).Order());
        Assert.True(File.Exists(Path.Combine(deployment.Folder, "data", "tls", "selfsigned.pem")));
    }

    [Fact]
    public async Task Submission_offers_scram_sha_256_and_mailkit_logs_in_with_it()
    {
        var (_, mail) = await StartAsync();
        using (var client = NewClient())
        {
            await client.ConnectAsync("127.0.0.1", SubmissionPort, SecureSocketOptions.StartTls);
            Assert.Contains("SCRAM-SHA-256", client.AuthenticationMechanisms);
            await Assert.ThrowsAsync<AuthenticationException>(() => client.AuthenticateAsync(new SaslMechanismScramSha256("alice", "wrong password")));
            await Assert.ThrowsAsync<AuthenticationException>(() => client.AuthenticateAsync(new SaslMechanismScramSha256("nobody", AlicePassword)));

            // MailKit checks the server's signature in the last challenge: a wrong one would fail here.
            await client.AuthenticateAsync(new SaslMechanismScramSha256("alice", AlicePassword));
            await client.SendAsync(MimeMessage("Sent after SCRAM", "alice@example.org", "bob@example.org"));
            await client.DisconnectAsync(true);
        }

        Assert.Equal(["Sent after SCRAM"], (await mail.MessagesAsync("bob")).Select(m => m.Subject));
    }

    [Fact]
    public async Task Submission_answers_malformed_scram_exchanges_with_501_and_stays_usable()
    {
        // Plain text on loopback, to write the exchange by hand; the mechanism is the same over TLS.
        deployment.EditManifest(m => m["Listeners"]!["submission"]!["AllowPlaintextAuth"] = true);
        await StartAsync();
        using var wire = await SmtpWire.ConnectAsync(SubmissionPort);
        await wire.ReplyAsync();
        await wire.CommandAsync("EHLO client.test");
        var channelBinding = Convert.ToBase64String(Encoding.UTF8.GetBytes("p=tls-server-end-point,,n=alice,r=abcdef"));
        var refused = await wire.CommandAsync("AUTH SCRAM-SHA-256 " + channelBinding);
        Assert.StartsWith("501 5.5.2", refused);
        Assert.Contains("channel binding", refused);
        Assert.StartsWith("334 ", await wire.CommandAsync("AUTH SCRAM-SHA-256"));
        Assert.StartsWith("501", await wire.CommandAsync("*"));
        Assert.StartsWith("250", await wire.CommandAsync("NOOP"));
    }

    [Fact]
    public async Task Submission_requires_auth_over_tls_before_mail()
    {
        await StartAsync();
        using var wire = await SmtpWire.ConnectAsync(SubmissionPort);
        await wire.ReplyAsync();
        Assert.DoesNotContain("AUTH", await wire.CommandAsync("EHLO client.test"));
        Assert.StartsWith("538 5.7.11", await wire.CommandAsync("AUTH PLAIN " + Convert.ToBase64String(Encoding.UTF8.GetBytes($"\0alice\0{AlicePassword}"))));
        Assert.StartsWith("530 5.7.0", await wire.CommandAsync("MAIL FROM:<alice@example.org>"));

        // Commands pipelined behind STARTTLS are dropped, never run inside TLS (CVE-2011-0411).
        await wire.SendAsync("STARTTLS\r\nNOOP\r\n");
        Assert.StartsWith("220 2.0.0", await wire.ReplyAsync());
        using var tls = new System.Net.Security.SslStream(wire.Stream, leaveInnerStreamOpen: true, (_, _, _, _) => true);
        await tls.AuthenticateAsClientAsync("localhost");
        var reader = new StreamReader(tls, Encoding.ASCII);
        await tls.WriteAsync(Encoding.ASCII.GetBytes("EHLO client.test\r\n"));
        var lines = new List<string>();
        string? line;
        do
        {
            line = await reader.ReadLineAsync();
            Assert.NotNull(line);
            lines.Add(line);
        }
        while (line[3] == '-');

        Assert.StartsWith("250", lines[0]);
        Assert.Contains(lines, l => l.EndsWith("AUTH SCRAM-SHA-256 PLAIN LOGIN", StringComparison.Ordinal));
        Assert.DoesNotContain(lines, l => l.Contains("STARTTLS", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Smtp_accepts_python_smtplib_and_swaks()
    {
        var (_, mail) = await StartAsync();
        var message = Message("From Python", "Body from smtplib\r\n.dot\r\n");
        var path = Path.Combine(deployment.Folder, "python.eml");
        await File.WriteAllBytesAsync(path, message);
        var python = await RunAsync("python3", "-c", $$"""
            import smtplib, ssl
            data = open('{{path}}', 'rb').read()
            with smtplib.SMTP('127.0.0.1', {{SmtpPort}}) as s:
                s.ehlo('python.test')
                s.sendmail('py@elsewhere.test', ['alice@example.org'], data)
            context = ssl.create_default_context()
            context.check_hostname = False
            context.verify_mode = ssl.CERT_NONE
            with smtplib.SMTP('127.0.0.1', {{SubmissionPort}}) as s:
                s.starttls(context=context)
                s.login('alice', '{{AlicePassword}}')
                s.sendmail('alice@example.org', ['bob@example.org'], b'Subject: Submitted by Python\r\n\r\nhello\r\n')
            with smtplib.SMTP_SSL('127.0.0.1', {{SubmissionsPort}}, context=context) as s:
                try:
                    s.login('alice', 'wrong')
                    print('accepted a wrong password')
                except smtplib.SMTPAuthenticationError as e:
                    print('refused', e.smtp_code)
            """);
        Assert.True(python.ExitCode == 0, python.Output);
        Assert.Contains("refused 535", python.Output);
        AssertReceivedThenExact(await SingleMessageAsync(mail, "alice"), message);
        Assert.Equal("Submitted by Python", (await SingleMessageAsync(mail, "bob")).Subject);

        if (!File.Exists("/usr/bin/swaks"))
        {
            // ./test.sh installs swaks through scripts/services.sh and sets MAILHOST_TEST_REQUIRE_TOOLS, so there it is never missing.
            Assert.True(System.Environment.GetEnvironmentVariable("MAILHOST_TEST_REQUIRE_TOOLS") != "1", "swaks is not installed; scripts/services.sh start should have installed it");
            output.WriteLine("SKIPPED the swaks part: swaks is not installed (apt-get install swaks, or run ./test.sh)");
            return;
        }

        var swaks = await RunAsync("swaks", "--server", "127.0.0.1", "--port", SmtpPort.ToString(System.Globalization.CultureInfo.InvariantCulture), "--from", "s@elsewhere.test", "--to", "alice@example.org", "--header", "Subject: From swaks", "--pipeline");
        Assert.True(swaks.ExitCode == 0, swaks.Output);
        var swaksTls = await RunAsync("swaks", "--server", "127.0.0.1", "--port", SubmissionPort.ToString(System.Globalization.CultureInfo.InvariantCulture), "--tls", "--auth", "PLAIN", "--auth-user", "alice", "--auth-password", AlicePassword, "--from", "alice@example.org", "--to", "bob@example.org", "--header", "Subject: From swaks TLS");
        Assert.True(swaksTls.ExitCode == 0, swaksTls.Output);
        Assert.Contains("From swaks", (await mail.MessagesAsync("alice")).Select(m => m.Subject));
        Assert.Contains("From swaks TLS", (await mail.MessagesAsync("bob")).Select(m => m.Subject));
    }

    [Fact]
    public async Task Smtp_accepts_parallel_sessions_from_smtp_source()
    {
        var (_, mail) = await StartAsync();
        var tool = File.Exists("/usr/sbin/smtp-source") ? "/usr/sbin/smtp-source" : "/usr/bin/smtp-source";
        if (!File.Exists(tool))
        {
            Assert.True(System.Environment.GetEnvironmentVariable("MAILHOST_TEST_REQUIRE_TOOLS") != "1", "smtp-source is not installed; scripts/services.sh start should have installed postfix");
            output.WriteLine("SKIPPED: smtp-source is not installed (apt-get install postfix, or run ./test.sh)");
            return;
        }

        var run = await RunAsync(tool, "-s", "4", "-m", "40", "-l", "5000", "-f", "source@elsewhere.test", "-t", "alice@example.org", $"127.0.0.1:{SmtpPort}");
        Assert.True(run.ExitCode == 0, run.Output);
        Assert.Equal(40, (await mail.MessagesAsync("alice")).Count);
    }

    [Fact]
    public async Task Smtp_answers_bad_input_with_the_right_codes_and_keeps_the_session()
    {
        await StartAsync();
        using var wire = await SmtpWire.ConnectAsync(SmtpPort);
        await wire.ReplyAsync();
        Assert.StartsWith("503 5.5.1", await wire.CommandAsync("MAIL FROM:<a@elsewhere.test>"));
        Assert.StartsWith("500 5.5.1", await wire.CommandAsync("FOO bar"));
        Assert.StartsWith("501 5.5.4", await wire.CommandAsync("EHLO"));
        await wire.CommandAsync("EHLO client.test");
        Assert.StartsWith("503 5.5.1", await wire.CommandAsync("RCPT TO:<alice@example.org>"));
        Assert.StartsWith("503 5.5.1", await wire.CommandAsync("DATA"));
        Assert.StartsWith("500 5.5.2", await wire.CommandAsync("NO\0OP"));
        Assert.StartsWith("500 5.5.2", await wire.CommandAsync("NOOP " + new string('x', 5000)));
        Assert.StartsWith("501 5.5.4", await wire.CommandAsync("MAIL FROM:alice"));
        Assert.StartsWith("555 5.5.4", await wire.CommandAsync("MAIL FROM:<a@elsewhere.test> FOO=BAR"));
        Assert.StartsWith("553 5.6.7", await wire.CommandAsync("MAIL FROM:<j\u00f6rg@elsewhere.test>"));
        Assert.StartsWith("250", await wire.CommandAsync("MAIL FROM:<j\u00f6rg@elsewhere.test> SMTPUTF8"));
        Assert.StartsWith("250", await wire.CommandAsync("NOOP"));
    }

    [Fact]
    public async Task Smtp_limits_recipients_size_and_errors()
    {
        deployment.EditManifest(m =>
        {
            m["Listeners"]!["smtp"]!["MaxMessageSize"] = 200_000;
            m["Listeners"]!["smtp"]!["MaxErrors"] = 5;
        });
        var (_, mail) = await StartAsync();
        using (var wire = await SmtpWire.ConnectAsync(SmtpPort))
        {
            await wire.ReplyAsync();
            await wire.CommandAsync("EHLO client.test");
            Assert.StartsWith("552 5.3.4", await wire.CommandAsync("MAIL FROM:<a@elsewhere.test> SIZE=300000"));
            await wire.CommandAsync("MAIL FROM:<a@elsewhere.test>");
            var rcpts = new StringBuilder();
            for (var i = 0; i < 10_000; i++)
            {
                rcpts.Append("RCPT TO:<alice@example.org>\r\n");
            }

            var sending = wire.SendAsync(rcpts.ToString());
            var replies = new List<string>();
            for (var i = 0; i < 10_000; i++)
            {
                replies.Add(await wire.ReplyAsync());
            }

            await sending;

            Assert.Equal(1000, replies.Count(r => r.StartsWith("250 2.1.5", StringComparison.Ordinal)));
            Assert.Equal(9000, replies.Count(r => r.StartsWith("452 4.5.3", StringComparison.Ordinal)));
            Assert.StartsWith("250", await wire.CommandAsync("RSET"));

            // Oversized: read to its end and discarded, then the session goes on.
            await wire.CommandAsync("MAIL FROM:<a@elsewhere.test>");
            await wire.CommandAsync("RCPT TO:<alice@example.org>");
            Assert.StartsWith("354", await wire.CommandAsync("DATA"));
            var line = new string('a', 998) + "\r\n";
            for (var i = 0; i < 1000; i++)
            {
                await wire.SendAsync(line);
            }

            Assert.StartsWith("552 5.3.4", await wire.CommandAsync("."));
            Assert.StartsWith("250", await wire.CommandAsync("NOOP"));
        }

        Assert.Empty(await mail.MessagesAsync("alice"));
        using (var wire = await SmtpWire.ConnectAsync(SmtpPort))
        {
            await wire.ReplyAsync();
            for (var i = 0; i < 4; i++)
            {
                Assert.StartsWith("500", await wire.CommandAsync("GARBAGE"));
            }

            Assert.StartsWith("500", await wire.CommandAsync("GARBAGE"));
            Assert.StartsWith("421 4.7.0", await wire.ReplyAsync());
            Assert.True(await wire.IsClosedAsync());
        }
    }

    [Theory]
    [InlineData("\n.\n")]
    [InlineData("\r.\r")]
    [InlineData("\r.\n")]
    [InlineData("\n.\r\n")]
    public async Task Smtp_never_ends_data_at_a_bare_line_ending(string marker)
    {
        var (_, mail) = await StartAsync();
        using var wire = await SmtpWire.ConnectAsync(SmtpPort);
        await wire.ReplyAsync();
        await wire.CommandAsync("EHLO client.test");
        await wire.CommandAsync("MAIL FROM:<a@elsewhere.test>");
        await wire.CommandAsync("RCPT TO:<alice@example.org>");
        Assert.StartsWith("354", await wire.CommandAsync("DATA"));
        await wire.SendAsync($"Subject: first\r\n\r\nbody{marker}MAIL FROM:<evil@elsewhere.test>\r\nRCPT TO:<bob@example.org>\r\nDATA\r\nSubject: smuggled\r\n\r\nsmuggled\r\n.\r\n");

        // The smuggled commands are message text; the message with the bare line ending is refused as a whole.
        Assert.StartsWith("550 5.6.11", await wire.ReplyAsync());
        Assert.StartsWith("250", await wire.CommandAsync("NOOP"));
        Assert.Empty(await mail.MessagesAsync("alice"));
        Assert.Empty(await mail.MessagesAsync("bob"));
    }

    [Fact]
    public async Task Smtp_delivers_nothing_when_the_client_vanishes_mid_data_and_survives_random_bytes()
    {
        var (_, mail) = await StartAsync();
        using (var wire = await SmtpWire.ConnectAsync(SmtpPort))
        {
            await wire.ReplyAsync();
            await wire.CommandAsync("EHLO client.test");
            await wire.CommandAsync("MAIL FROM:<a@elsewhere.test>");
            await wire.CommandAsync("RCPT TO:<alice@example.org>");
            await wire.CommandAsync("DATA");
            await wire.SendAsync("Subject: cut\r\n\r\nhalf a message\r\n");
        }

        using var good = await SmtpWire.ConnectAsync(SmtpPort);
        await good.ReplyAsync();
        await good.CommandAsync("EHLO good.test");
        var random = Enumerable.Range(0, 8).Select(_ => Task.Run(async () =>
        {
            using var noise = await SmtpWire.ConnectAsync(SmtpPort);
            for (var i = 0; i < 20; i++)
            {
                try
                {
                    await noise.SendAsync(RandomNumberGenerator.GetBytes(4096));
                }
                catch (IOException)
                {
                    return;
                }
            }
        })).ToList();
        for (var i = 0; i < 20; i++)
        {
            Assert.StartsWith("250", await good.CommandAsync("NOOP"));
        }

        await Task.WhenAll(random);
        Assert.StartsWith("250", await good.CommandAsync("MAIL FROM:<a@elsewhere.test>"));
        Assert.StartsWith("250", await good.CommandAsync("RCPT TO:<alice@example.org>"));
        Assert.StartsWith("354", await good.CommandAsync("DATA"));
        Assert.StartsWith("250", await good.CommandAsync("Subject: kept\r\n\r\nwhole\r\n."));
        Assert.Equal("kept", (await SingleMessageAsync(mail, "alice")).Subject);
    }

    [Fact]
    public async Task Lmtp_answers_once_per_recipient_after_the_data()
    {
        deployment.EditManifest(m => m["Listeners"]!["lmtp"] = new JsonObject
        {
            ["Protocol"] = "lmtp",
            ["Bind"] = new JsonArray("127.0.0.1:2424"),
            ["Tls"] = "None",
        });
        var (_, mail) = await StartAsync();
        using var wire = await SmtpWire.ConnectAsync(deployment.ListenerPorts["lmtp"]);
        Assert.StartsWith("220 ", await wire.ReplyAsync());
        Assert.StartsWith("500", await wire.CommandAsync("EHLO client.test"));
        Assert.Contains("CHUNKING", await wire.CommandAsync("LHLO client.test"));
        await wire.CommandAsync("MAIL FROM:<a@elsewhere.test>");
        Assert.StartsWith("250", await wire.CommandAsync("RCPT TO:<alice@example.org>"));
        Assert.StartsWith("550 5.1.1", await wire.CommandAsync("RCPT TO:<nobody@example.org>"));
        Assert.StartsWith("550", await wire.CommandAsync("RCPT TO:<x@elsewhere.test>"));
        Assert.StartsWith("250", await wire.CommandAsync("RCPT TO:<bob@example.org>"));
        Assert.StartsWith("354", await wire.CommandAsync("DATA"));
        await wire.SendAsync("Subject: over LMTP\r\n\r\nhello\r\n.\r\n");
        Assert.StartsWith("250 2.1.5 <alice@example.org>", await wire.ReplyAsync());
        Assert.StartsWith("250 2.1.5 <bob@example.org>", await wire.ReplyAsync());
        Assert.Equal("over LMTP", (await SingleMessageAsync(mail, "alice")).Subject);
        Assert.Equal("over LMTP", (await SingleMessageAsync(mail, "bob")).Subject);
    }

    [Fact]
    public async Task Smtp_refuses_connections_over_the_limit_and_keeps_serving()
    {
        // 1,000 clients at once against a limit of 800 in total: the rest get the refusal line, the 800 are all
        // served at once (no thread starvation), and mail still flows through a session opened while they wait.
        deployment.EditManifest(m =>
        {
            m["Listeners"]!["smtp"]!["MaxConnections"] = 800;
            m["Listeners"]!["smtp"]!["MaxConnectionsPerIp"] = 1000;
        });
        var (_, mail) = await StartAsync();
        var wires = new List<SmtpWire>();
        try
        {
            var opened = await Task.WhenAll(Enumerable.Range(0, 1000).Select(_ => SmtpWire.ConnectAsync(SmtpPort)));
            wires.AddRange(opened);
            var greetings = await Task.WhenAll(wires.Select(w => w.ReplyAsync()));
            Assert.Equal(800, greetings.Count(g => g.StartsWith("220 ", StringComparison.Ordinal)));
            Assert.Equal(200, greetings.Count(g => g.StartsWith("421 4.7.0", StringComparison.Ordinal)));
            var served = wires.Where((_, i) => greetings[i].StartsWith("220 ", StringComparison.Ordinal)).ToList();
            var noops = await Task.WhenAll(served.Select(w => w.CommandAsync("NOOP")));
            Assert.All(noops, n => Assert.StartsWith("250", n));

            // One of the 800 sessions carries a message while the other 799 stay open.
            var carrier = served[^1];
            Assert.StartsWith("250", await carrier.CommandAsync("EHLO busy.test"));
            Assert.StartsWith("250", await carrier.CommandAsync("MAIL FROM:<sender@elsewhere.test>"));
            Assert.StartsWith("250", await carrier.CommandAsync("RCPT TO:<alice@example.org>"));
            Assert.StartsWith("354", await carrier.CommandAsync("DATA"));
            await carrier.SendAsync(DotStuff(Message("Under load", "Sent while 799 other sessions were open.\r\n")));
            await carrier.SendAsync(".\r\n");
            Assert.StartsWith("250 2.0.0", await carrier.ReplyAsync());
            Assert.Equal("Under load", (await SingleMessageAsync(mail, "alice")).Subject);
        }
        finally
        {
            foreach (var wire in wires)
            {
                wire.Dispose();
            }
        }

        // Closed sessions free their slots.
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (true)
        {
            using var again = await SmtpWire.ConnectAsync(SmtpPort);
            var greeting = await again.ReplyAsync();
            if (greeting.StartsWith("220 ", StringComparison.Ordinal) || DateTime.UtcNow > deadline)
            {
                Assert.StartsWith("220 ", greeting);
                break;
            }

            await Task.Delay(100);
        }
    }

    private async Task<(ServerProcess Server, MailClient Mail)> StartAsync()
    {
        var server = await deployment.StartServerAsync(Environment);
        var mail = new MailClient(server.Http, AdminPassword);
        await mail.AddDomainAsync("example.org");
        await mail.AddAccountAsync("alice", "alice@example.org");
        await mail.AddAccountAsync("bob", "bob@example.org");
        return (server, mail);
    }

    private static async Task<StoredMessage> SingleMessageAsync(MailClient mail, string principal)
    {
        var info = Assert.Single(await mail.MessagesAsync(principal));
        return new StoredMessage(info.Subject, await mail.RawAsync(principal, info.EmailId));
    }

    private static void AssertReceivedThenExact(StoredMessage stored, byte[] sent)
    {
        var text = Encoding.UTF8.GetString(stored.Raw);
        Assert.StartsWith("Received: from ", text);
        Assert.True(stored.Raw.Length > sent.Length, text);
        Assert.Equal(sent, stored.Raw[^sent.Length..]);
        var header = Encoding.UTF8.GetString(stored.Raw[..^sent.Length]);
        Assert.EndsWith("\r\n", header);
        Assert.Contains("by localhost (Mail Host) with ", header);
    }

    private static byte[] Message(string subject, string body)
        => Encoding.UTF8.GetBytes($"From: Sender <sender@elsewhere.test>\r\nTo: alice@example.org\r\nSubject: {subject}\r\nMessage-ID: <{Guid.NewGuid():N}@test>\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n{body}");

    private static byte[] DotStuff(byte[] message)
    {
        var text = Encoding.UTF8.GetString(message).Replace("\r\n.", "\r\n..", StringComparison.Ordinal);
        return Encoding.UTF8.GetBytes(text.StartsWith('.') ? "." + text : text);
    }

    private static MimeMessage MimeMessage(string subject, string from, params string[] to)
    {
        var message = new MimeMessage();
        message.From.Add(MailboxAddress.Parse(from));
        foreach (var address in to)
        {
            message.To.Add(MailboxAddress.Parse(address));
        }

        message.Subject = subject;
        message.Body = new TextPart("plain") { Text = "Hello from MailKit" };
        return message;
    }

    private static SmtpClient NewClient() => new() { ServerCertificateValidationCallback = (_, _, _, _) => true, Timeout = 30_000 };

    private static async Task<(int ExitCode, string Output)> RunAsync(string file, params string[] arguments)
    {
        var start = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await process.WaitForExitAsync(timeout.Token);
        return (process.ExitCode, await output + await error);
    }

    private sealed record StoredMessage(string? Subject, byte[] Raw);
}
