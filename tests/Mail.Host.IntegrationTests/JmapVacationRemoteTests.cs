using System.Text.Json.Nodes;
using MailKit.Net.Smtp;
using MimeKit;

namespace Mail.Host.IntegrationTests;

/// <summary>
/// A VacationResponse auto-reply to a sender of another domain (RFC 8621 §8, RFC 3834 §3): the reply goes through the
/// outbound queue to the sender's MX, here an SMTP server run by the test on 127.0.0.9 that dnsmasq names as the MX of
/// remote.test, with the null envelope sender <c>&lt;&gt;</c> and <c>Auto-Submitted: auto-replied</c>.
/// </summary>
[Collection(DeploymentCollection.Name)]
public sealed class JmapVacationRemoteTests(DeploymentFixture fixture) : IDisposable
{
    private const string AdminPassword = "Vacation-Admin-2026";
    private const string RemoteAddress = "127.0.0.9";
    private readonly List<IDisposable> owned = [];

    public void Dispose()
    {
        foreach (var item in Enumerable.Reverse(owned))
        {
            item.Dispose();
        }
    }

    [Fact]
    public async Task A_remote_sender_gets_the_reply_from_the_outbound_queue_with_a_null_sender_once()
    {
        var domain = await RemoteMailDomain.StartAsync(fixture, "remote.test", RemoteAddress, "mx.vacation.test");
        owned.Add(domain);
        var remote = domain.Mx;
        var deployment = domain.Deployment;
        var server = await deployment.StartServerAsync(new Dictionary<string, string?> { ["MAILHOST_ADMIN_PASSWORD"] = AdminPassword });
        var mail = new MailClient(server.Http, AdminPassword);
        await mail.AddDomainAsync("vacation.test");
        await mail.AddAccountAsync("away", "away@vacation.test");
        using var away = new JmapClient(deployment.HttpUrl, "away", "away@vacation.test");
        away.UseBasic("away", "Pass-away-2026!");
        await away.LoadSessionAsync();
        var enabled = await away.OkAsync("VacationResponse/set", new JsonObject
        {
            ["update"] = new JsonObject
            {
                ["singleton"] = new JsonObject { ["isEnabled"] = true, ["subject"] = "Away until Monday", ["textBody"] = "I read mail on Monday." },
            },
        }, "urn:ietf:params:jmap:vacationresponse");
        Assert.True(enabled["updated"]!.AsObject().ContainsKey("singleton"), enabled.ToJsonString());

        var first = await SendAsync(deployment.ListenerPorts["smtp"], "friend@remote.test", "away@vacation.test", "Dinner on Friday?");
        var reply = await NextAsync(remote, TimeSpan.FromSeconds(30));
        Assert.Equal(string.Empty, reply.From);
        Assert.Equal(["friend@remote.test"], reply.To);
        var message = MimeMessage.Load(new MemoryStream(System.Text.Encoding.UTF8.GetBytes(reply.Data)));
        Assert.Equal("auto-replied", message.Headers["Auto-Submitted"]);
        Assert.Equal("Away until Monday", message.Subject);
        Assert.Equal("away@vacation.test", message.From.Mailboxes.Single().Address);
        Assert.Equal("friend@remote.test", message.To.Mailboxes.Single().Address);
        Assert.Equal(first, message.InReplyTo);
        Assert.Contains("I read mail on Monday.", message.TextBody, StringComparison.Ordinal);

        // The same sender again within the period gets nothing more; the original still reached the mailbox both times.
        await SendAsync(deployment.ListenerPorts["smtp"], "friend@remote.test", "away@vacation.test", "Or Saturday?");
        var inbox = await WaitForCountAsync(mail, "away", 2);
        Assert.Equal(2, inbox);
        await Task.Delay(3000);
        Assert.False(remote.Received.TryRead(out var extra), extra?.Data);
        Assert.Equal(1, remote.Messages);
    }

    private static async Task<string> SendAsync(int smtpPort, string from, string to, string subject)
    {
        var message = new MimeMessage();
        message.From.Add(MailboxAddress.Parse(from));
        message.To.Add(MailboxAddress.Parse(to));
        message.Subject = subject;
        message.MessageId = $"{Guid.NewGuid():N}@remote.test";
        message.Body = new TextPart("plain") { Text = "Hello." };
        using var smtp = new SmtpClient();
        await smtp.ConnectAsync("127.0.0.1", smtpPort, MailKit.Security.SecureSocketOptions.None);
        await smtp.SendAsync(message, MailboxAddress.Parse(from), [MailboxAddress.Parse(to)]);
        await smtp.DisconnectAsync(true);
        return message.MessageId;
    }

    private static async Task<ReceivedMessage> NextAsync(FakeServer server, TimeSpan timeout)
    {
        using var cancel = new CancellationTokenSource(timeout);
        try
        {
            return await server.Received.ReadAsync(cancel.Token);
        }
        catch (OperationCanceledException)
        {
            Assert.Fail($"No message reached the remote server within {timeout.TotalSeconds} s.");
            throw;
        }
    }

    private static async Task<int> WaitForCountAsync(MailClient mail, string principal, int count)
    {
        var until = DateTime.UtcNow.AddSeconds(15);
        var seen = 0;
        while (DateTime.UtcNow < until)
        {
            seen = (await mail.MessagesAsync(principal)).Count;
            if (seen >= count)
            {
                return seen;
            }

            await Task.Delay(100);
        }

        return seen;
    }
}
