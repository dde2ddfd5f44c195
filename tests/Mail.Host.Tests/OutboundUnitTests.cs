using System.Text;
using Mail.Host.Outbound;
using Microsoft.Extensions.Configuration;
using MimeKit;
using Xunit;

namespace Mail.Host.Tests;

/// <summary>The outbound pieces that need no network: MTA-STS policy files, the Outbound settings, delivery reports, DKIM keys.</summary>
public sealed class OutboundUnitTests
{
    [Fact]
    public void Mta_sts_policy_is_parsed_and_matches_mx_hosts_by_exact_name_or_one_wildcard_label()
    {
        var policy = MtaStsPolicy.Parse("version: STSv1\r\nmode: enforce\r\nmx: mail.example.com\r\nmx: *.example.net\r\nmax_age: 604800\r\n");
        Assert.NotNull(policy);
        Assert.True(policy.Enforced);
        Assert.Equal(TimeSpan.FromDays(7), policy.MaxAge);
        Assert.True(policy.Allows("mail.example.com."));
        Assert.True(policy.Allows("MX1.example.net"));
        Assert.False(policy.Allows("a.b.example.net"));
        Assert.False(policy.Allows("example.net"));
        Assert.False(policy.Allows("evil.example.com"));
        Assert.Null(MtaStsPolicy.Parse("version: STSv1\nmode: enforce\nmax_age: 10\n"));
        Assert.Null(MtaStsPolicy.Parse("version: STSv2\nmode: enforce\nmx: a.example\nmax_age: 10\n"));
        Assert.Equal(MtaStsPolicy.MaxMaxAge, MtaStsPolicy.Parse("version: STSv1\nmode: testing\nmx: a.example\nmax_age: 999999999\n")!.MaxAge);
    }

    [Fact]
    public void Outbound_settings_report_every_bad_value_with_its_key()
    {
        var section = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Outbound:Port"] = "0",
            ["Outbound:DnsServers:0"] = "not-an-address",
            ["Outbound:RetryIntervalsSeconds:0"] = "-5",
            ["Outbound:Relay:Port"] = "587",
            ["Outbound:Dkim:example.org:Selector"] = "mail",
            ["Outbound:Retries"] = "3",
        }).Build().GetSection("Outbound");
        var (_, problems) = OutboundOptions.Read(section, p => p);
        Assert.Contains(problems, p => p.Contains("Outbound:Port", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.Contains("not-an-address", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.Contains("RetryIntervalsSeconds", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.Contains("Relay needs a Host", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.Contains("Outbound:Dkim:example.org", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.Contains("unknown setting Outbound:Retries", StringComparison.Ordinal));

        var good = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Outbound:DnsServers:0"] = "127.0.0.1:5353",
            ["Outbound:RetryIntervalsSeconds:0"] = "0.5",
            ["Outbound:ExpireAfterSeconds"] = "60",
        }).Build().GetSection("Outbound");
        var (options, none) = OutboundOptions.Read(good, p => p);
        Assert.Empty(none);
        Assert.Equal(5353, Assert.Single(options.DnsServers).Port);
        Assert.Equal(TimeSpan.FromMilliseconds(500), Assert.Single(options.RetryIntervals));
        Assert.Equal(TimeSpan.FromMinutes(1), options.ExpireAfter);
        Assert.Equal(25, options.Port);
    }

    [Fact]
    public void A_failure_report_is_an_rfc3464_multipart_report_with_the_original_message_or_its_headers()
    {
        var original = Encoding.ASCII.GetBytes("From: a@example.org\r\nTo: b@remote.test\r\nSubject: Hello\r\n\r\nBody line\r\n");
        var entry = new QueueEntry
        {
            Id = new string('0', 32),
            From = "a@example.org",
            EnvelopeId = "env-1",
            ReceivedAt = DateTimeOffset.UtcNow.AddHours(-1),
        };
        var recipient = new QueueRecipientState { Address = "b@remote.test", OriginalRecipient = "rfc822;b@remote.test", Status = "failed", StatusCode = "5.1.1", Detail = "550 5.1.1 no such user", RemoteMta = "mx.remote.test" };
        var report = DeliveryReports.Build(entry, [recipient], delayed: false, "mx.example.org", new MemoryStream(original), DateTimeOffset.UtcNow, null);
        using var buffer = new MemoryStream();
        report.WriteTo(buffer);
        buffer.Position = 0;
        var parsed = MimeMessage.Load(buffer);
        var multipart = Assert.IsType<MultipartReport>(parsed.Body);
        Assert.Equal("delivery-status", multipart.ReportType);
        var status = Assert.Single(multipart.OfType<MessageDeliveryStatus>());
        Assert.Equal("env-1", status.StatusGroups[0]["Original-Envelope-Id"]);
        Assert.Equal("dns; mx.example.org", status.StatusGroups[0]["Reporting-MTA"]);
        Assert.Equal("failed", status.StatusGroups[1]["Action"]);
        Assert.Equal("5.1.1", status.StatusGroups[1]["Status"]);
        Assert.Equal("rfc822; b@remote.test", status.StatusGroups[1]["Final-Recipient"]);
        Assert.Equal("smtp; 550 5.1.1 no such user", status.StatusGroups[1]["Diagnostic-Code"]);
        Assert.Equal("Hello", Assert.Single(multipart.OfType<MessagePart>()).Message!.Subject);
        Assert.Equal("MAILER-DAEMON@mx.example.org", parsed.From.Mailboxes.Single().Address);
        Assert.Equal("auto-replied", parsed.Headers["Auto-Submitted"]);

        entry.Ret = "HDRS";
        var headersOnly = DeliveryReports.Build(entry, [recipient], delayed: false, "mx.example.org", new MemoryStream(original), DateTimeOffset.UtcNow, null);
        var part = ((MultipartReport)headersOnly.Body!).OfType<MimePart>().Single(p => p.ContentType.MimeType == "text/rfc822-headers");
        using var text = new MemoryStream();
        part.Content!.DecodeTo(text);
        var headers = Encoding.ASCII.GetString(text.ToArray());
        Assert.Contains("Subject: Hello", headers);
        Assert.DoesNotContain("Body line", headers);
    }

    [Theory]
    [InlineData(false, "k=rsa")]
    [InlineData(true, "k=ed25519")]
    public void Generated_dkim_keys_load_back_for_signing_and_sign_a_message(bool ed25519, string kind)
    {
        var (pem, txt) = DkimKeys.Generate(ed25519);
        Assert.StartsWith("v=DKIM1; " + kind + "; p=", txt);
        var path = Path.Combine(Path.GetTempPath(), "dkim-" + Guid.NewGuid().ToString("N") + ".pem");
        File.WriteAllText(path, pem);
        try
        {
            var signing = new DkimSigning([new DkimKeyOptions("example.org", "sel", path)]);
            var message = new MimeMessage();
            message.From.Add(MailboxAddress.Parse("a@example.org"));
            message.To.Add(MailboxAddress.Parse("b@remote.test"));
            message.Subject = "Signed";
            message.Body = new TextPart("plain") { Text = "Hello" };
            Assert.True(signing.TrySign(message));
            var signature = message.Headers[HeaderId.DkimSignature];
            Assert.Contains("d=example.org", signature);
            Assert.Contains("s=sel", signature);
            Assert.Contains(ed25519 ? "a=ed25519-sha256" : "a=rsa-sha256", signature);

            var other = new MimeMessage();
            other.From.Add(MailboxAddress.Parse("a@elsewhere.test"));
            other.Body = new TextPart("plain") { Text = "Hello" };
            Assert.False(signing.TrySign(other));
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void Long_txt_records_are_quoted_in_strings_of_at_most_255_characters()
    {
        var quoted = DkimKeys.Quote(new string('a', 300));
        Assert.Equal("\"" + new string('a', 255) + "\" \"" + new string('a', 45) + "\"", quoted);
    }
}
