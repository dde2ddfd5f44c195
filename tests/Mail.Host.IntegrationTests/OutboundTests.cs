using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using MailKit.Net.Smtp;
using MailKit.Security;
using MimeKit;
using MimeKit.Cryptography;
using Xunit.Abstractions;

namespace Mail.Host.IntegrationTests;

/// <summary>
/// Outbound delivery and mail authentication with real parts: dnsmasq serving the zones (MX, A, SPF, DKIM, DMARC),
/// two mailhost processes on loopback acting as the domains a.test and b.test, Postfix's smtp-sink as a refusing
/// destination, and misbehaving servers of the test's own (garbage, a drop in the middle of DATA, silence).
/// </summary>
[Collection(DeploymentCollection.Name)]
public sealed class OutboundTests(DeploymentFixture fixture, ITestOutputHelper output) : IDisposable
{
    private const string AdminPassword = "Outbound-Admin-2026";
    private static readonly Dictionary<string, string?> Environment = new() { ["MAILHOST_ADMIN_PASSWORD"] = AdminPassword };
    private readonly List<IDisposable> owned = [];
    private readonly int remotePort = FreePortOnEvery("127.0.0.2", "127.0.0.3", "127.0.0.4", "127.0.0.5", "127.0.0.6");

    /// <summary>The key of origin.test, a third domain whose server sealed a message before a.test relays it (PEM, TXT).</summary>
    private static readonly Lazy<(string Pem, string Txt)> OriginKey = new(() =>
    {
        using var rsa = RSA.Create(2048);
        return (rsa.ExportPkcs8PrivateKeyPem(), "v=DKIM1; k=rsa; p=" + Convert.ToBase64String(rsa.ExportSubjectPublicKeyInfo()));
    });

    public void Dispose()
    {
        foreach (var item in Enumerable.Reverse(owned))
        {
            item.Dispose();
        }
    }

    [Fact]
    public async Task Mail_submitted_on_one_host_arrives_in_the_others_inbox_with_dkim_spf_and_dmarc_pass_and_a_forged_from_fails_dmarc()
    {
        var (a, b, _) = await StartPairAsync();
        await SubmitAsync(a, "alice@a.test", "Across domains", "bob@b.test");

        var arrived = await WaitForMessageAsync(b.Mail, "bob", "INBOX", m => m.Subject == "Across domains");
        var raw = Encoding.UTF8.GetString(await b.Mail.RawAsync("bob", arrived.EmailId));
        output.WriteLine(raw[..Math.Min(raw.Length, 3000)]);
        if (!raw.Contains("Authentication-Results:", StringComparison.Ordinal))
        {
            output.WriteLine(b.Server.Output);
        }

        var results = ResultsHeader(raw);
        Assert.Contains("spf=pass", results);
        Assert.Contains("dkim=pass header.d=a.test header.s=mail", results);
        Assert.Contains("dmarc=pass", results);
        Assert.Contains("header.from=a.test", results);
        Assert.Contains("DKIM-Signature:", raw);
        Assert.Contains("arc=none", results);
        Assert.DoesNotContain("ARC-Seal:", raw);
        await WaitForEmptyQueueAsync(a);

        // A forged From (a.test, which publishes p=reject) from a server a.test's SPF does not list and with no signature.
        var forged = "From: alice@a.test\r\nTo: bob@b.test\r\nSubject: Forged\r\nMessage-ID: <forged@elsewhere.test>\r\n\r\nPay this invoice.\r\n";
        using (var wire = await SmtpWire.ConnectAsync(b.Deployment.ListenerPorts["smtp"]))
        {
            await wire.ReplyAsync();
            await wire.CommandAsync("EHLO elsewhere.test");
            Assert.StartsWith("250", await wire.CommandAsync("MAIL FROM:<mallory@elsewhere.test>"));
            Assert.StartsWith("250", await wire.CommandAsync("RCPT TO:<bob@b.test>"));
            Assert.StartsWith("354", await wire.CommandAsync("DATA"));
            await wire.SendAsync(forged + ".\r\n");
            var reply = await wire.ReplyAsync();
            Assert.StartsWith("550 5.7.1", reply);
            Assert.Contains("DMARC", reply);
        }

        // The second listener quarantines instead: the message lands in Junk with dmarc=fail.
        using (var wire = await SmtpWire.ConnectAsync(b.Deployment.ListenerPorts["quarantine"]))
        {
            await wire.ReplyAsync();
            await wire.CommandAsync("EHLO elsewhere.test");
            Assert.StartsWith("250", await wire.CommandAsync("MAIL FROM:<mallory@elsewhere.test>"));
            Assert.StartsWith("250", await wire.CommandAsync("RCPT TO:<bob@b.test>"));
            Assert.StartsWith("354", await wire.CommandAsync("DATA"));
            await wire.SendAsync(forged + ".\r\n");
            Assert.StartsWith("250", await wire.ReplyAsync());
        }

        var junk = await WaitForMessageAsync(b.Mail, "bob", "Junk", m => m.Subject == "Forged");
        var junkRaw = Encoding.UTF8.GetString(await b.Mail.RawAsync("bob", junk.EmailId));
        Assert.Contains("dmarc=fail", ResultsHeader(junkRaw));
        Assert.Contains("spf=none", ResultsHeader(junkRaw));
        Assert.DoesNotContain(await b.Mail.MessagesAsync("bob"), m => m.Subject == "Forged");
    }

    [Fact]
    public async Task A_relayed_message_with_an_arc_chain_is_sealed_by_the_relaying_host_and_the_receiving_host_reports_arc_pass()
    {
        var (a, b, _) = await StartPairAsync();

        // A message origin.test's server handled first (ARC set i=1), passed on by alice through a.test's submission.
        var message = new MimeMessage();
        message.From.Add(MailboxAddress.Parse("announce@origin.test"));
        message.To.Add(MailboxAddress.Parse("bob@b.test"));
        message.Subject = "Relayed with ARC";
        message.Date = DateTimeOffset.UtcNow;
        message.MessageId = MimeKit.Utils.MimeUtils.GenerateMessageId("origin.test");
        message.Body = new TextPart("plain") { Text = "Passed along by a relay.\r\n" };
        using (var pem = new MemoryStream(Encoding.ASCII.GetBytes(OriginKey.Value.Pem)))
        {
            var origin = new OriginArcSigner(pem)
            {
                HeaderCanonicalizationAlgorithm = DkimCanonicalizationAlgorithm.Relaxed,
                BodyCanonicalizationAlgorithm = DkimCanonicalizationAlgorithm.Relaxed,
            };
            await origin.SignAsync(FormatOptions.Default, message, [HeaderId.From, HeaderId.To, HeaderId.Subject, HeaderId.Date, HeaderId.MessageId]);
        }

        using (var client = new SmtpClient { ServerCertificateValidationCallback = (_, _, _, _) => true })
        {
            await client.ConnectAsync("127.0.0.1", a.Deployment.ListenerPorts["submission"], SecureSocketOptions.StartTls);
            await client.AuthenticateAsync("alice", "Pass-alice-2026!");
            await client.SendAsync(message, MailboxAddress.Parse("alice@a.test"), [MailboxAddress.Parse("bob@b.test")]);
            await client.DisconnectAsync(true);
        }

        var arrived = await WaitForMessageAsync(b.Mail, "bob", "INBOX", m => m.Subject == "Relayed with ARC");
        var raw = Encoding.UTF8.GetString(await b.Mail.RawAsync("bob", arrived.EmailId));
        output.WriteLine(raw[..Math.Min(raw.Length, 5000)]);
        var results = ResultsHeader(raw);
        Assert.StartsWith("Authentication-Results: mx.b.test", results);
        Assert.Contains("arc=pass", results);
        var received = MimeMessage.Load(new MemoryStream(Encoding.UTF8.GetBytes(raw)));
        var seals = received.Headers.Where(h => h.Id == HeaderId.ArcSeal).Select(h => h.Value).ToList();
        Assert.Equal(2, seals.Count);
        var seal = Assert.Single(seals, v => v.StartsWith("i=2;", StringComparison.Ordinal));
        Assert.Contains("cv=pass", seal);
        Assert.Contains("d=a.test", seal);
        Assert.Contains("s=mail", seal);
        Assert.Single(received.Headers, h => h.Id == HeaderId.ArcMessageSignature && h.Value.StartsWith("i=2;", StringComparison.Ordinal) && h.Value.Contains("d=a.test", StringComparison.Ordinal));
        var sealResults = Assert.Single(received.Headers, h => h.Id == HeaderId.ArcAuthenticationResults && h.Value.StartsWith("i=2;", StringComparison.Ordinal)).Value;
        Assert.Contains("mx.a.test", sealResults);
        Assert.Contains("smtp.auth=alice", sealResults);
        Assert.Contains("arc=pass", sealResults);
        await WaitForEmptyQueueAsync(a);
    }

    [Fact]
    public async Task A_destination_that_defers_then_refuses_gets_retries_a_delay_notice_then_a_bounce_in_the_senders_inbox()
    {
        var (a, _, _) = await StartPairAsync(delayNoticeSeconds: 2);
        var sink = await SmtpSink.StartAsync("127.0.0.3", remotePort, "-r", "RCPT");
        owned.Add(sink);
        await SubmitAsync(a, "alice@a.test", "To a refusing host", "carol@sink.test");

        var queued = await WaitForQueueAsync(a, q => q.Count == 1 && q[0].GetProperty("attempts").GetInt32() >= 2);
        var recipient = queued[0].GetProperty("recipients")[0];
        Assert.Equal("pending", recipient.GetProperty("status").GetString());
        Assert.StartsWith("4", recipient.GetProperty("detail").GetString());

        // The CLI shows the same queue.
        var list = await a.Deployment.RunCliAsync(CliEnvironment(a), null, "queue", "list");
        Assert.Equal(0, list.ExitCode);
        Assert.Contains("carol@sink.test", list.Output);
        var delay = await WaitForMessageAsync(a.Mail, "alice", "INBOX", m => m.Subject?.StartsWith("Delivery delayed", StringComparison.Ordinal) == true);
        Assert.Contains("Action: delayed", Encoding.UTF8.GetString(await a.Mail.RawAsync("alice", delay.EmailId)));

        sink.Dispose();
        owned.Add(await SmtpSink.StartAsync("127.0.0.3", remotePort, "-f", "RCPT"));
        var bounce = await WaitForMessageAsync(a.Mail, "alice", "INBOX", m => m.Subject == "Undelivered Mail Returned to Sender");
        var report = MimeMessage.Load(new MemoryStream(await a.Mail.RawAsync("alice", bounce.EmailId)));
        var multipart = Assert.IsType<MultipartReport>(report.Body);
        Assert.Equal("delivery-status", multipart.ReportType);
        var status = Assert.Single(multipart.OfType<MessageDeliveryStatus>());
        var fields = status.StatusGroups[1];
        Assert.Equal("failed", fields["Action"]);
        Assert.StartsWith("5.", fields["Status"]);
        Assert.Equal("rfc822; carol@sink.test", fields["Final-Recipient"]);
        Assert.Contains(multipart, p => p is MessagePart { Message.Subject: "To a refusing host" });
        await WaitForEmptyQueueAsync(a);
    }

    [Fact]
    public async Task Nxdomain_bounces_while_servfail_garbage_a_drop_mid_data_and_a_stalled_server_are_retried()
    {
        // After its first retries the message waits long enough between attempts for the CLI to remove it: with
        // attempts every two seconds, each several seconds long, it was almost never idle.
        var (a, _, _) = await StartPairAsync(finalRetrySeconds: 600);
        using var garbage = FakeServer.Start("127.0.0.4", remotePort, FakeServer.Garbage);
        using var drop = FakeServer.Start("127.0.0.5", remotePort, FakeServer.DropMidData);
        using var stall = FakeServer.Start("127.0.0.6", remotePort, FakeServer.Stall);
        await SubmitAsync(a, "alice@a.test", "Nowhere", "x@nx.test");
        await SubmitAsync(a, "alice@a.test", "Bad servers", "x@servfail.test", "x@garbage.test", "x@drop.test", "x@stall.test");

        var bounce = await WaitForMessageAsync(a.Mail, "alice", "INBOX", m => m.Subject == "Undelivered Mail Returned to Sender");
        var bounceText = Encoding.UTF8.GetString(await a.Mail.RawAsync("alice", bounce.EmailId));
        Assert.Contains("5.1.2", bounceText);
        Assert.Contains("x@nx.test", bounceText);

        var queued = await WaitForQueueAsync(a, q => q.Count == 1 && q[0].GetProperty("attempts").GetInt32() >= 2, TimeSpan.FromSeconds(90));
        var details = queued[0].GetProperty("recipients").EnumerateArray().ToDictionary(r => r.GetProperty("address").GetString()!, r => r);
        foreach (var (address, state) in details)
        {
            output.WriteLine($"{address}: {state.GetProperty("status").GetString()} {state.GetProperty("detail").GetString()}");
            Assert.Equal("pending", state.GetProperty("status").GetString());
        }

        Assert.StartsWith("4.4.3", details["x@servfail.test"].GetProperty("detail").GetString());
        Assert.Contains("SmtpProtocolException", details["x@garbage.test"].GetProperty("detail").GetString());
        Assert.StartsWith("4.4.2", details["x@drop.test"].GetProperty("detail").GetString());
        Assert.Contains("did not answer", details["x@stall.test"].GetProperty("detail").GetString());
        Assert.True(drop.SawData, "the dropping server never got as far as DATA");

        // Retry and remove through the CLI.
        var id = queued[0].GetProperty("id").GetString()!;
        var show = await a.Deployment.RunCliAsync(CliEnvironment(a), null, "queue", "show", id);
        Assert.Equal(0, show.ExitCode);
        Assert.Contains("x@stall.test", show.Output);
        var removed = await RemoveWhenIdleAsync(a, id);
        Assert.Contains("removed", removed);
        Assert.Empty(await QueueAsync(a));
        var missing = await a.Deployment.RunCliAsync(CliEnvironment(a), null, "queue", "show", id);
        Assert.Equal(1, missing.ExitCode);
        Assert.Contains("404", missing.Error);
    }

    [Fact]
    public async Task Mta_sts_enforce_delivers_over_verified_tls_to_a_matching_mx_and_never_in_clear_to_an_mx_outside_the_policy_or_without_starttls()
    {
        // A CA of the test's own issues the receiving MX's certificate and the policy server's; the sending host
        // trusts it through Outbound:TrustedCaFiles. The policies are served over HTTPS on 127.0.0.7:443.
        var ca = new TestCertificateAuthority(Path.Combine(Path.GetTempPath(), "mailhost-mta-sts-" + Guid.NewGuid().ToString("N")));
        owned.Add(ca);
        var mx = ca.Issue("mx.b.test", "mx.b.test");
        var web = ca.Issue("mta-sts", "mta-sts.b.test", "mta-sts.nomatch.test", "mta-sts.notls.test");
        mx.Certificate.Dispose();
        const string Enforce = "version: STSv1\r\nmode: enforce\r\nmx: {0}\r\nmax_age: 86400\r\n";
        var policies = MtaStsPolicyServer.Start("127.0.0.7", web.Certificate, new Dictionary<string, string>
        {
            ["b.test"] = string.Format(System.Globalization.CultureInfo.InvariantCulture, Enforce, "mx.b.test"),
            ["nomatch.test"] = string.Format(System.Globalization.CultureInfo.InvariantCulture, Enforce, "mx.b.test"),
            ["notls.test"] = string.Format(System.Globalization.CultureInfo.InvariantCulture, Enforce, "*.notls.test"),
        });
        owned.Add(policies);
        var outside = FakeServer.Start("127.0.0.5", remotePort, FakeServer.PlainOnly);
        owned.Add(outside);
        var plain = FakeServer.Start("127.0.0.4", remotePort, FakeServer.PlainOnly);
        owned.Add(plain);
        var (a, b, _) = await StartPairAsync(
            extraDns:
            [
                "--host-record=mta-sts.b.test,127.0.0.7", TestDns.Txt("_mta-sts.b.test", "v=STSv1; id=20261129T000000"),
                "--mx-host=nomatch.test,mx.nomatch.test,10", "--host-record=mx.nomatch.test,127.0.0.5",
                "--host-record=mta-sts.nomatch.test,127.0.0.7", TestDns.Txt("_mta-sts.nomatch.test", "v=STSv1; id=1"),
                "--mx-host=notls.test,mx.notls.test,10", "--host-record=mx.notls.test,127.0.0.4",
                "--host-record=mta-sts.notls.test,127.0.0.7", TestDns.Txt("_mta-sts.notls.test", "v=STSv1; id=1"),
            ],
            configureA: m =>
            {
                m["Outbound"]!["TrustedCaFiles"] = new JsonArray(ca.CertificatePath);
                m["Outbound"]!["ExpireAfterSeconds"] = 25;
            },
            configureB: m =>
            {
                m["Listeners"]!["smtp"]!["CertificatePath"] = mx.CertificatePath;
                m["Listeners"]!["smtp"]!["KeyPath"] = mx.KeyPath;
            });
        await SubmitAsync(a, "alice@a.test", "Under MTA-STS", "bob@b.test", "x@nomatch.test", "x@notls.test");

        // b.test: its MX matches the policy and presents a certificate for its name: delivered over TLS.
        var arrived = await WaitForMessageAsync(b.Mail, "bob", "INBOX", m => m.Subject == "Under MTA-STS");
        var raw = Encoding.UTF8.GetString(await b.Mail.RawAsync("bob", arrived.EmailId));
        var received = raw[..raw.IndexOf("\r\n\t(", StringComparison.Ordinal)];
        output.WriteLine(raw[..Math.Min(raw.Length, 1500)]);
        Assert.Contains("by mx.b.test (Mail Host) with ESMTPS", received);

        // nomatch.test's MX is not in its policy: never contacted. notls.test's MX matches but offers no STARTTLS:
        // contacted, but the message is not sent in clear. Both are deferred (RFC 8461 section 5) and retried.
        var queued = await WaitForQueueAsync(a, q => q.Count == 1 && q[0].GetProperty("attempts").GetInt32() >= 2);
        var details = queued[0].GetProperty("recipients").EnumerateArray().ToDictionary(r => r.GetProperty("address").GetString()!, r => r);
        foreach (var (address, state) in details)
        {
            output.WriteLine($"{address}: {state.GetProperty("status").GetString()} {state.GetProperty("detail").GetString()}");
        }

        Assert.Equal("delivered", details["bob@b.test"].GetProperty("status").GetString());
        Assert.Equal("pending", details["x@nomatch.test"].GetProperty("status").GetString());
        Assert.StartsWith("4.7.5 no MX host of nomatch.test matches its MTA-STS policy", details["x@nomatch.test"].GetProperty("detail").GetString());
        Assert.Equal("pending", details["x@notls.test"].GetProperty("status").GetString());
        Assert.Contains("does not offer STARTTLS", details["x@notls.test"].GetProperty("detail").GetString());
        Assert.Equal(0, outside.Connections);
        Assert.True(plain.Connections >= 2, $"the MX without STARTTLS was contacted {plain.Connections} times");
        Assert.False(plain.SawMail, "a message was started in clear to an MX that offers no STARTTLS");
        Assert.True(policies.PoliciesServed >= 3, $"only {policies.PoliciesServed} policies were fetched");

        // When the message expires, the sender gets a bounce for both, with the MTA-STS reason.
        var bounce = await WaitForMessageAsync(a.Mail, "alice", "INBOX", m => m.Subject == "Undelivered Mail Returned to Sender", TimeSpan.FromSeconds(90));
        var bounceText = Encoding.UTF8.GetString(await a.Mail.RawAsync("alice", bounce.EmailId));
        Assert.Contains("x@nomatch.test", bounceText);
        Assert.Contains("x@notls.test", bounceText);
        Assert.Contains("4.4.7", bounceText);
        Assert.Contains("MTA-STS", bounceText);
        Assert.DoesNotContain("rfc822; bob@b.test", bounceText);
        Assert.False(plain.SawMail);
        await WaitForEmptyQueueAsync(a);
    }

    [Fact]
    public async Task Messages_to_one_server_in_quick_succession_share_one_smtp_connection()
    {
        var (a, _, _) = await StartPairAsync(extraDns: ["--mx-host=reuse.test,mx.reuse.test,10", "--host-record=mx.reuse.test,127.0.0.6"]);
        using var server = FakeServer.Start("127.0.0.6", remotePort, FakeServer.Recording);
        for (var i = 1; i <= 3; i++)
        {
            await SubmitAsync(a, "alice@a.test", $"Reuse {i}", "x@reuse.test");
            await WaitForEmptyQueueAsync(a);
        }

        Assert.Equal(3, server.Messages);
        Assert.Equal(1, server.Connections);
    }

    private async Task<string> RemoveWhenIdleAsync(Host host, string id)
    {
        // A message being delivered right now is refused with 409; try again when the attempt is over.
        for (var i = 0; i < 60; i++)
        {
            var result = await host.Deployment.RunCliAsync(CliEnvironment(host), null, "queue", "remove", id);
            if (result.ExitCode == 0)
            {
                return result.Output;
            }

            Assert.Contains("409", result.Error);
            await Task.Delay(500);
        }

        throw new TimeoutException($"{id} was never idle long enough to be removed");
    }

    private static Dictionary<string, string?> CliEnvironment(Host host) => new()
    {
        ["MAILHOST_URL"] = host.Deployment.HttpUrl,
        ["MAILHOST_ADMIN_PASSWORD"] = AdminPassword,
    };

    private sealed record Host(TestDeployment Deployment, ServerProcess Server, MailClient Mail);

    /// <summary>The first handler's ARC set (i=1, cv=none), as origin.test's server would add it.</summary>
    private sealed class OriginArcSigner(Stream key) : ArcSigner(key, "origin.test", "mail")
    {
        protected override AuthenticationResults GenerateArcAuthenticationResults(FormatOptions options, MimeMessage message, CancellationToken cancellationToken)
            => new("mx.origin.test") { Results = { new AuthenticationMethodResult("spf", "pass") } };

        protected override Task<AuthenticationResults> GenerateArcAuthenticationResultsAsync(FormatOptions options, MimeMessage message, CancellationToken cancellationToken)
            => Task.FromResult(GenerateArcAuthenticationResults(options, message, cancellationToken));
    }

    /// <summary>dnsmasq with the zones, then a.test (alice, signing with a key made by mailhost dkim generate) and b.test (bob).</summary>
    private async Task<(Host A, Host B, TestDns Dns)> StartPairAsync(
        int delayNoticeSeconds = 3600,
        int? finalRetrySeconds = null,
        IEnumerable<string>? extraDns = null,
        Action<JsonNode>? configureA = null,
        Action<JsonNode>? configureB = null)
    {
        var a = new TestDeployment(fixture);
        owned.Add(a);
        var keyPath = Path.Combine(a.Folder, "dkim-a.pem");
        var generated = await a.RunCliAsync(new Dictionary<string, string?>(), null, "dkim", "generate", "a.test", "--selector", "mail", "--output", keyPath);
        Assert.Equal(0, generated.ExitCode);
        var txt = generated.Output.Split('\n').Single(l => l.StartsWith("mail._domainkey.a.test. IN TXT ", StringComparison.Ordinal));
        var record = string.Concat(txt["mail._domainkey.a.test. IN TXT ".Length..].Trim().Split("\" \"")).Trim('"');
        Assert.StartsWith("v=DKIM1; k=rsa; p=", record);

        var dns = await TestDns.StartAsync(
        [
            "--mx-host=a.test,mx.a.test,10", "--host-record=mx.a.test,127.0.0.1",
            "--mx-host=b.test,mx.b.test,10", "--host-record=mx.b.test,127.0.0.2",
            "--mx-host=sink.test,mx.sink.test,10", "--host-record=mx.sink.test,127.0.0.3",
            "--host-record=garbage.test,127.0.0.4", "--host-record=drop.test,127.0.0.5", "--host-record=stall.test,127.0.0.6",
            "--server=/servfail.test/127.0.0.1#9",
            TestDns.Txt("a.test", "v=spf1 ip4:127.0.0.0/8 -all"),
            TestDns.Txt("mail._domainkey.a.test", record),
            TestDns.Txt("_dmarc.a.test", "v=DMARC1; p=reject; adkim=r; aspf=r"),
            TestDns.Txt("b.test", "v=spf1 ip4:127.0.0.0/8 -all"),
            TestDns.Txt("mail._domainkey.origin.test", OriginKey.Value.Txt),
            .. extraDns ?? [],
        ]);
        owned.Add(dns);
        var dnsServers = new JsonArray(dns.Endpoint);
        a.EditManifest(m =>
        {
            m["Server"]!["Hostname"] = "mx.a.test";
            m["Listeners"]!["smtp"]!["DnsServers"] = dnsServers.DeepClone();
            m["Outbound"] = Outbound(dnsServers, delayNoticeSeconds, finalRetrySeconds, new JsonObject { ["a.test"] = new JsonObject { ["Selector"] = "mail", ["KeyPath"] = keyPath } });
            configureA?.Invoke(m);
        });
        var b = new TestDeployment(fixture);
        owned.Add(b);
        b.EditManifest(m =>
        {
            m["Server"]!["Hostname"] = "mx.b.test";
            var smtp = m["Listeners"]!["smtp"]!.AsObject();
            smtp["Bind"] = new JsonArray("127.0.0.1:2525", $"127.0.0.2:{remotePort}");
            smtp["DnsServers"] = dnsServers.DeepClone();
            m["Listeners"]!["quarantine"] = new JsonObject
            {
                ["Protocol"] = "smtp",
                ["Bind"] = new JsonArray("127.0.0.1:2526"),
                ["Tls"] = "None",
                ["DnsServers"] = dnsServers.DeepClone(),
                ["DmarcFailure"] = "quarantine",
            };
            m["Outbound"] = Outbound(dnsServers, delayNoticeSeconds, finalRetrySeconds, new JsonObject());
            configureB?.Invoke(m);
        });

        var hostA = await StartAsync(a, "a.test", "alice");
        var hostB = await StartAsync(b, "b.test", "bob");
        return (hostA, hostB, dns);
    }

    private JsonObject Outbound(JsonArray dnsServers, int delayNoticeSeconds, int? finalRetrySeconds, JsonObject dkim) => new()
    {
        ["DnsServers"] = dnsServers.DeepClone(),
        ["DnsTimeoutSeconds"] = 2,
        ["Port"] = remotePort,
        ["RetryIntervalsSeconds"] = finalRetrySeconds is { } final ? new JsonArray(1, 2, final) : new JsonArray(1, 2),
        ["PollIntervalSeconds"] = 1,
        ["ConnectTimeoutSeconds"] = 3,
        ["CommandTimeoutSeconds"] = 3,
        ["DelayNoticeAfterSeconds"] = delayNoticeSeconds,
        ["Dkim"] = dkim,
    };

    private static async Task<Host> StartAsync(TestDeployment deployment, string domain, string user)
    {
        var server = await deployment.StartServerAsync(Environment);
        var mail = new MailClient(server.Http, AdminPassword);
        await mail.AddDomainAsync(domain);
        await mail.AddAccountAsync(user, $"{user}@{domain}");
        return new Host(deployment, server, mail);
    }

    private static async Task SubmitAsync(Host host, string from, string subject, params string[] to)
    {
        var message = new MimeMessage();
        message.From.Add(MailboxAddress.Parse(from));
        foreach (var address in to)
        {
            message.To.Add(MailboxAddress.Parse(address));
        }

        message.Subject = subject;
        message.MessageId = MimeKit.Utils.MimeUtils.GenerateMessageId("a.test");
        message.Body = new TextPart("plain") { Text = "Hello from the other side.\r\n" };
        using var client = new SmtpClient { ServerCertificateValidationCallback = (_, _, _, _) => true };
        await client.ConnectAsync("127.0.0.1", host.Deployment.ListenerPorts["submission"], SecureSocketOptions.StartTls);
        var user = from[..from.IndexOf('@', StringComparison.Ordinal)];
        await client.AuthenticateAsync(user, $"Pass-{user}-2026!");
        await client.SendAsync(message);
        await client.DisconnectAsync(true);
    }

    private static async Task<MailClient.MessageInfo> WaitForMessageAsync(MailClient mail, string principal, string mailbox, Func<MailClient.MessageInfo, bool> match, TimeSpan? timeout = null)
    {
        var until = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(60));
        while (true)
        {
            try
            {
                if ((await mail.MessagesAsync(principal, mailbox)).FirstOrDefault(match) is { } found)
                {
                    return found;
                }
            }
            catch (HttpRequestException) when (DateTime.UtcNow < until)
            {
                // The mailbox (Junk) may not exist yet.
            }

            if (DateTime.UtcNow > until)
            {
                throw new TimeoutException($"no matching message in {principal}'s {mailbox}");
            }

            await Task.Delay(250);
        }
    }

    private static async Task<List<JsonElement>> QueueAsync(Host host)
    {
        using var response = await host.Mail.SendAsync(HttpMethod.Get, "/api/admin/queue");
        response.EnsureSuccessStatusCode();
        using var document = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return [.. document.RootElement.EnumerateArray().Select(e => e.Clone())];
    }

    private static async Task<List<JsonElement>> WaitForQueueAsync(Host host, Func<List<JsonElement>, bool> condition, TimeSpan? timeout = null)
    {
        var until = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(60));
        while (true)
        {
            var queue = await QueueAsync(host);
            if (condition(queue))
            {
                return queue;
            }

            if (DateTime.UtcNow > until)
            {
                throw new TimeoutException("the queue never reached the expected state: " + string.Join("\n", queue.Select(q => q.GetRawText())));
            }

            await Task.Delay(250);
        }
    }

    private static Task WaitForEmptyQueueAsync(Host host) => WaitForQueueAsync(host, q => q.Count == 0);

    private static string ResultsHeader(string raw)
    {
        var start = raw.IndexOf("Authentication-Results:", StringComparison.Ordinal);
        Assert.True(start >= 0, "no Authentication-Results header:\n" + raw);
        var end = start;
        do
        {
            end = raw.IndexOf("\r\n", end + 2, StringComparison.Ordinal);
        }
        while (end >= 0 && end + 2 < raw.Length && raw[end + 2] is ' ' or '\t');
        return raw[start..end];
    }

    private static int FreePortOnEvery(params string[] addresses)
    {
        while (true)
        {
            using var first = new TcpListener(IPAddress.Loopback, 0);
            first.Start();
            var port = ((IPEndPoint)first.LocalEndpoint).Port;
            var free = true;
            foreach (var address in addresses)
            {
                try
                {
                    using var probe = new TcpListener(IPAddress.Parse(address), port);
                    probe.Start();
                    probe.Stop();
                }
                catch (SocketException)
                {
                    free = false;
                    break;
                }
            }

            if (free)
            {
                return port;
            }
        }
    }
}
