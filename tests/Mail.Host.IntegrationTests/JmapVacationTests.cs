using System.Text.Json.Nodes;
using MailKit.Net.Smtp;
using MimeKit;

namespace Mail.Host.IntegrationTests;

/// <summary>
/// VacationResponse auto-replies (RFC 8621 §8 with the rules of RFC 3834 and RFC 5230): mail arrives over SMTP, the
/// reply lands in the local sender's Inbox, once per sender per period, never for bulk mail or while disabled.
/// Replies are sent in the order deliveries happen, so a reply to a later message proves the earlier ones were judged.
/// </summary>
[Collection(DeploymentCollection.Name)]
public sealed class JmapVacationTests(DeploymentFixture fixture)
{
    private const string Vacation = "urn:ietf:params:jmap:vacationresponse";

    [Fact]
    public async Task One_reply_per_sender_lands_in_the_local_senders_inbox_and_bulk_mail_gets_none()
    {
        var server = await JmapTestServer.GetAsync(fixture);
        using var alice = await server.NewUserAsync("away");
        using var bob = await server.NewUserAsync("sender");
        using var dave = await server.NewUserAsync("bulk");
        using var carol = await server.NewUserAsync("late");
        await EnableAsync(alice, "Out of office", "Back on Monday.", "<p>Back on <b>Monday</b>.</p>");

        var firstId = await SendAsync(server, bob.Address, alice.Address, "Question one");
        var reply = await WaitForOneAsync(bob);
        var email = (await bob.OkAsync("Email/get", new JsonObject
        {
            ["ids"] = new JsonArray(reply),
            ["properties"] = new JsonArray("from", "to", "subject", "inReplyTo", "references", "header:Auto-Submitted:asText", "bodyStructure", "textBody", "htmlBody", "bodyValues", "header:Return-Path"),
            ["fetchAllBodyValues"] = true,
        }))["list"]![0]!;
        Assert.Equal("Out of office", email["subject"]!.GetValue<string>());
        Assert.Equal(alice.Address, email["from"]![0]!["email"]!.GetValue<string>());
        Assert.Equal(bob.Address, email["to"]![0]!["email"]!.GetValue<string>());
        Assert.Equal("auto-replied", email["header:Auto-Submitted:asText"]!.GetValue<string>());
        Assert.Equal(firstId, email["inReplyTo"]![0]!.GetValue<string>());
        Assert.Equal(firstId, email["references"]!.AsArray().Last()!.GetValue<string>());
        Assert.Equal("multipart/alternative", email["bodyStructure"]!["type"]!.GetValue<string>());
        var text = email["textBody"]![0]!["partId"]!.GetValue<string>();
        var html = email["htmlBody"]![0]!["partId"]!.GetValue<string>();
        Assert.Contains("Back on Monday.", email["bodyValues"]![text]!["value"]!.GetValue<string>());
        Assert.Contains("<b>Monday</b>", email["bodyValues"]![html]!["value"]!.GetValue<string>());

        // Within the period the same sender gets nothing more; bulk mail gets nothing; a new sender gets its reply.
        await SendAsync(server, bob.Address, alice.Address, "Question two");
        await SendAsync(server, dave.Address, alice.Address, "Newsletter", "Precedence: bulk");
        await SendAsync(server, dave.Address, alice.Address, "Automatic notice", "Auto-Submitted: auto-generated");
        await SendAsync(server, carol.Address, alice.Address, "Question three");
        await WaitForOneAsync(carol);
        Assert.Single(await IdsAsync(bob));
        Assert.Empty(await IdsAsync(dave));

        // Alice got all five messages; the replies did not reach her (they go to the senders only).
        Assert.Equal(5, (await IdsAsync(alice)).Count);
    }

    [Fact]
    public async Task A_disabled_or_future_vacation_response_sends_nothing_and_the_default_subject_quotes_the_original()
    {
        var server = await JmapTestServer.GetAsync(fixture);
        using var idle = await server.NewUserAsync("idle");
        using var later = await server.NewUserAsync("later");
        using var away = await server.NewUserAsync("away");
        using var sender = await server.NewUserAsync("sender");
        await EnableAsync(later, null, "Soon away.", null, fromDate: DateTimeOffset.UtcNow.AddDays(2));
        await EnableAsync(away, null, "Away.", null);
        var disabled = await idle.OkAsync("VacationResponse/get", new JsonObject(), Vacation);
        Assert.False(disabled["list"]![0]!["isEnabled"]!.GetValue<bool>());

        await SendAsync(server, sender.Address, idle.Address, "To the idle one");
        await SendAsync(server, sender.Address, later.Address, "To the one away later");
        await SendAsync(server, sender.Address, away.Address, "Lunch plans");
        var reply = await WaitForOneAsync(sender);
        var email = (await sender.OkAsync("Email/get", new JsonObject { ["ids"] = new JsonArray(reply), ["properties"] = new JsonArray("from", "subject", "bodyStructure") }))["list"]![0]!;
        Assert.Equal(away.Address, email["from"]![0]!["email"]!.GetValue<string>());
        Assert.Equal("Auto: Lunch plans", email["subject"]!.GetValue<string>());
        Assert.Equal("text/plain", email["bodyStructure"]!["type"]!.GetValue<string>());
        Assert.Single(await IdsAsync(sender));
    }

    private static async Task EnableAsync(JmapClient client, string? subject, string? text, string? html, DateTimeOffset? fromDate = null)
    {
        var result = await client.OkAsync("VacationResponse/set", new JsonObject
        {
            ["update"] = new JsonObject
            {
                ["singleton"] = new JsonObject
                {
                    ["isEnabled"] = true,
                    ["subject"] = subject,
                    ["textBody"] = text,
                    ["htmlBody"] = html,
                    ["fromDate"] = fromDate?.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", System.Globalization.CultureInfo.InvariantCulture),
                },
            },
        }, Vacation);
        Assert.True(result["updated"]!.AsObject().ContainsKey("singleton"), result.ToJsonString());
    }

    /// <summary>Sends a message over SMTP with the sender as MAIL FROM; returns its Message-ID.</summary>
    internal static async Task<string> SendAsync(JmapTestServer server, string from, string to, string subject, string? extraHeader = null)
    {
        var message = new MimeMessage();
        message.From.Add(MailboxAddress.Parse(from));
        message.To.Add(MailboxAddress.Parse(to));
        message.Subject = subject;
        message.MessageId = $"{Guid.NewGuid():N}@example.org";
        if (extraHeader is not null)
        {
            var colon = extraHeader.IndexOf(':', StringComparison.Ordinal);
            message.Headers.Add(extraHeader[..colon], extraHeader[(colon + 1)..].Trim());
        }

        message.Body = new TextPart("plain") { Text = "Hello." };
        using var smtp = new SmtpClient();
        await smtp.ConnectAsync("127.0.0.1", server.SmtpPort, MailKit.Security.SecureSocketOptions.None);
        await smtp.SendAsync(message, MailboxAddress.Parse(from), [MailboxAddress.Parse(to)]);
        await smtp.DisconnectAsync(true);
        return message.MessageId;
    }

    private static async Task<List<string>> IdsAsync(JmapClient client)
    {
        var query = await client.OkAsync("Email/query", new JsonObject());
        return [.. query["ids"]!.AsArray().Select(i => i!.GetValue<string>())];
    }

    private static async Task<string> WaitForOneAsync(JmapClient client)
    {
        var until = DateTime.UtcNow.AddSeconds(15);
        while (DateTime.UtcNow < until)
        {
            var ids = await IdsAsync(client);
            if (ids.Count > 0)
            {
                return Assert.Single(ids);
            }

            await Task.Delay(100);
        }

        Assert.Fail($"No auto-reply reached {client.Address} within 15 seconds.");
        return string.Empty;
    }
}
