using System.Text.Json.Nodes;
using static Mail.Host.IntegrationTests.JmapConformance.PartCHelpers;

namespace Mail.Host.IntegrationTests.JmapConformance;

/// <summary>
/// RFC 8621 §7: a submission to a recipient of another domain goes through the outbound queue to that domain's MX (an
/// SMTP server run by the test on 127.0.0.10, named by dnsmasq as the MX of far.test), with the envelope the
/// submission gives and without the Bcc header field.
/// </summary>
[Collection(DeploymentCollection.Name)]
public sealed class Rfc8621SubmissionRemoteTests(DeploymentFixture fixture) : IDisposable
{
    private const string AdminPassword = "Submission-Admin-2026";
    private const string RemoteAddress = "127.0.0.10";
    private readonly List<IDisposable> owned = [];

    public void Dispose()
    {
        foreach (var item in Enumerable.Reverse(owned))
        {
            item.Dispose();
        }
    }

    [Fact]
    public async Task Rfc8621_7_5_a_remote_recipient_is_queued_and_delivered_to_its_mx_without_the_bcc_header()
    {
        var domain = await RemoteMailDomain.StartAsync(fixture, "far.test", RemoteAddress, "mx.near.test");
        owned.Add(domain);
        var remote = domain.Mx;
        var deployment = domain.Deployment;
        var server = await deployment.StartServerAsync(new Dictionary<string, string?> { ["MAILHOST_ADMIN_PASSWORD"] = AdminPassword });
        var mail = new MailClient(server.Http, AdminPassword);
        await mail.AddDomainAsync("near.test");
        await mail.AddAccountAsync("writer", "writer@near.test");
        using var writer = new JmapClient(deployment.HttpUrl, "writer", "writer@near.test");
        writer.UseBasic("writer", JmapTestServer.PasswordOf("writer"));
        await writer.LoadSessionAsync();

        var email = await CreateDraftAsync(writer, new JsonObject
        {
            ["subject"] = "Across the wire",
            ["to"] = new JsonArray(new JsonObject { ["email"] = "reader@far.test" }),
            ["bcc"] = new JsonArray(new JsonObject { ["email"] = "hidden@far.test" }),
        });
        var set = await SubmitAsync(writer, new JsonObject { ["identityId"] = await IdentityIdAsync(writer), ["emailId"] = email });
        var id = Created(set);
        var got = (await writer.OkAsync("EmailSubmission/get", new JsonObject { ["ids"] = Ids(id) }, Submission))["list"]![0]!;

        // RFC 8621 §7: delivered "queued: The message is in a local mail queue and the status will change once it exits".
        Assert.Equal("queued", got["deliveryStatus"]!["reader@far.test"]!["delivered"]!.GetValue<string>());
        Assert.Equal("queued", got["deliveryStatus"]!["hidden@far.test"]!["delivered"]!.GetValue<string>());

        using var cancel = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var received = await remote.Received.ReadAsync(cancel.Token);
        Assert.Equal("writer@near.test", received.From);
        Assert.Equal(new[] { "hidden@far.test", "reader@far.test" }, received.To.Order());
        Assert.Contains("Subject: Across the wire", received.Data, StringComparison.Ordinal);
        Assert.DoesNotContain("\nBcc:", received.Data, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("hidden@far.test", received.Data, StringComparison.OrdinalIgnoreCase);
    }
}
