using System.Text.Json;
using System.Text.Json.Nodes;
using static Mail.Host.IntegrationTests.JmapConformance.PartCHelpers;

namespace Mail.Host.IntegrationTests.JmapConformance;

/// <summary>
/// RFC 8621 §1.3: the mail and submission capabilities, their account capabilities, and the limits the server
/// advertises there being the ones it enforces.
/// </summary>
[Collection(DeploymentCollection.Name)]
public sealed class Rfc8621SubmissionCapabilitiesTests(DeploymentFixture fixture)
{
    private const string Mail = "urn:ietf:params:jmap:mail";

    [Fact]
    public async Task Rfc8621_1_3_1_session_mail_capability_is_an_empty_object()
    {
        // RFC 8621 §1.3.1: "The value of this property in the JMAP Session capabilities property is an empty object."
        using var client = await (await JmapTestServer.GetAsync(fixture)).NewUserAsync("cap");
        Assert.Empty(client.Session["capabilities"]![Mail]!.AsObject());
        Assert.Empty(client.Session["capabilities"]![Submission]!.AsObject());
        Assert.Empty(client.Session["capabilities"]![Vacation]!.AsObject());
    }

    [Fact]
    public async Task Rfc8621_1_3_1_account_mail_capability_has_every_property_with_its_type()
    {
        using var client = await (await JmapTestServer.GetAsync(fixture)).NewUserAsync("cap");
        var mail = client.Session["accounts"]![client.AccountId]!["accountCapabilities"]![Mail]!.AsObject();

        // RFC 8621 §1.3.1: maxMailboxesPerEmail "UnsignedInt|null ... If not null, the value MUST be at least 1".
        Assert.True(mail.ContainsKey("maxMailboxesPerEmail"));
        Assert.True(mail["maxMailboxesPerEmail"] is null || mail["maxMailboxesPerEmail"]!.GetValue<long>() >= 1);
        Assert.True(mail.ContainsKey("maxMailboxDepth"));
        Assert.True(mail["maxMailboxDepth"] is null || mail["maxMailboxDepth"]!.GetValue<long>() >= 0);

        // RFC 8621 §1.3.1: maxSizeMailboxName "This MUST be at least 100".
        Assert.True(mail["maxSizeMailboxName"]!.GetValue<long>() >= 100);
        Assert.True(mail["maxSizeAttachmentsPerEmail"]!.GetValue<long>() > 0);
        Assert.Equal(JsonValueKind.True, mail["mayCreateTopLevelMailbox"]!.GetValueKind());
        var sorts = mail["emailQuerySortOptions"]!.AsArray().Select(s => s!.GetValue<string>()).ToList();
        Assert.Contains("receivedAt", sorts);
    }

    [Fact]
    public async Task Rfc8621_1_3_1_every_advertised_sort_option_is_accepted_by_Email_query()
    {
        // RFC 8621 §1.3.1: emailQuerySortOptions is "a list of all the values the server supports for the property
        // field of the Comparator object in an Email/query sort".
        using var client = await (await JmapTestServer.GetAsync(fixture)).NewUserAsync("cap");
        var mail = client.Session["accounts"]![client.AccountId]!["accountCapabilities"]![Mail]!;
        foreach (var option in mail["emailQuerySortOptions"]!.AsArray().Select(s => s!.GetValue<string>()))
        {
            var sort = new JsonObject { ["property"] = option, ["isAscending"] = false };
            if (option is "hasKeyword" or "allInThreadHaveKeyword" or "someInThreadHaveKeyword")
            {
                sort["keyword"] = "$flagged";
            }

            var response = await client.CallOneAsync("Email/query", new JsonObject { ["sort"] = new JsonArray(sort) });
            Assert.True(response[0]!.GetValue<string>() == "Email/query", option + ": " + response.ToJsonString());
        }
    }

    [Fact]
    public async Task Rfc8621_1_3_2_account_submission_capability_has_maxDelayedSend_and_submissionExtensions()
    {
        using var client = await (await JmapTestServer.GetAsync(fixture)).NewUserAsync("cap");
        var submission = client.Session["accounts"]![client.AccountId]!["accountCapabilities"]![Submission]!.AsObject();

        // RFC 8621 §1.3.2: maxDelayedSend "UnsignedInt ... 0 if the server does not support delayed send".
        Assert.True(submission["maxDelayedSend"]!.GetValue<long>() >= 0);

        // RFC 8621 §1.3.2: submissionExtensions "String[String[]]", the SMTP extensions the server supports.
        var extensions = submission["submissionExtensions"]!.AsObject();
        Assert.All(extensions, e => Assert.All(e.Value!.AsArray(), v => Assert.Equal(JsonValueKind.String, v!.GetValueKind())));
        Assert.Equal(client.AccountId, client.Session["primaryAccounts"]![Submission]!.GetValue<string>());
        Assert.Equal(client.AccountId, client.Session["primaryAccounts"]![Vacation]!.GetValue<string>());
    }

    [Fact]
    public async Task Rfc8621_1_3_1_a_mailbox_name_over_maxSizeMailboxName_octets_is_refused_and_one_at_the_limit_accepted()
    {
        using var client = await (await JmapTestServer.GetAsync(fixture)).NewUserAsync("cap");
        var max = client.Session["accounts"]![client.AccountId]!["accountCapabilities"]![Mail]!["maxSizeMailboxName"]!.GetValue<int>();

        // RFC 8621 §1.3.1: maxSizeMailboxName is "the maximum length, in (UTF-8) octets, allowed for the name of a Mailbox".
        var set = await client.OkAsync("Mailbox/set", new JsonObject
        {
            ["create"] = new JsonObject
            {
                ["ok"] = new JsonObject { ["name"] = new string('a', max) },
                ["long"] = new JsonObject { ["name"] = new string('b', max + 1) },
                ["octets"] = new JsonObject { ["name"] = new string('é', (max / 2) + 1) },
            },
        });
        Assert.NotNull(set["created"]!["ok"]);
        Assert.Equal("invalidProperties", set["notCreated"]!["long"]!["type"]!.GetValue<string>());
        Assert.Equal("invalidProperties", set["notCreated"]!["octets"]!["type"]!.GetValue<string>());
    }

    [Fact]
    public async Task Rfc8621_1_3_1_attachments_over_maxSizeAttachmentsPerEmail_are_tooLarge()
    {
        // RFC 8621 §4.6: "tooLarge: The email size limit is exceeded" (maxSizeAttachmentsPerEmail, §1.3.1).
        using var client = await PartCLimitsServer.NewUserAsync(fixture);
        var mail = client.Session["accounts"]![client.AccountId]!["accountCapabilities"]![Mail]!;
        var max = mail["maxSizeAttachmentsPerEmail"]!.GetValue<long>();
        Assert.Equal(PartCLimitsServer.MaxSizeUpload, max);
        var part = (int)(max / 2) + 1000;
        var first = await UploadAsync(client, new byte[part], "application/octet-stream");
        var second = await UploadAsync(client, Enumerable.Repeat((byte)1, part).ToArray(), "application/octet-stream");
        var drafts = await client.MailboxIdAsync("drafts");
        JsonObject Draft(params string[] blobs) => new()
        {
            ["mailboxIds"] = new JsonObject { [drafts] = true },
            ["from"] = new JsonArray(new JsonObject { ["email"] = client.Address }),
            ["subject"] = "Attachments",
            ["textBody"] = new JsonArray(new JsonObject { ["partId"] = "1" }),
            ["bodyValues"] = new JsonObject { ["1"] = new JsonObject { ["value"] = "See attached." } },
            ["attachments"] = new JsonArray([.. blobs.Select(b => (JsonNode)new JsonObject { ["blobId"] = b, ["type"] = "application/octet-stream", ["name"] = b + ".bin" })]),
        };
        var set = await client.OkAsync("Email/set", new JsonObject { ["create"] = new JsonObject { ["one"] = Draft(first), ["two"] = Draft(first, second) } });
        Assert.NotNull(set["created"]?["one"]);
        Assert.Equal("tooLarge", set["notCreated"]!["two"]!["type"]!.GetValue<string>());
    }
}
