using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace Mail.Host.IntegrationTests.JmapConformance;

/// <summary>RFC 8620 §1.2-§1.4: the Id, Int/UnsignedInt and Date/UTCDate data types.</summary>
[Collection(DeploymentCollection.Name)]
public sealed partial class Rfc8620DataTypesTests(DeploymentFixture fixture)
{
    [Fact]
    public async Task Rfc8620_1_2_every_id_the_server_gives_is_1_to_255_url_safe_base64_characters()
    {
        // RFC 8620 §1.2: "An 'Id' is a String of at least 1 and a maximum of 255 octets ... using the 'URL and Filename Safe' base64 alphabet"
        var server = await JmapTestServer.GetAsync(fixture);
        using var client = await server.NewUserAsync();
        var emailId = await server.DeliverAndFindAsync(client, "Ids");
        var email = await client.OkAsync("Email/get", new JsonObject { ["ids"] = new JsonArray(emailId), ["properties"] = new JsonArray("id", "blobId", "threadId", "mailboxIds") });
        var mailboxes = await client.OkAsync("Mailbox/get", new JsonObject { ["ids"] = null });
        var identities = await client.OkAsync("Identity/get", new JsonObject { ["ids"] = null }, "urn:ietf:params:jmap:submission");
        var ids = new List<string> { client.AccountId, emailId };
        var e = email["list"]![0]!;
        ids.Add(e["blobId"]!.GetValue<string>());
        ids.Add(e["threadId"]!.GetValue<string>());
        ids.AddRange(e["mailboxIds"]!.AsObject().Select(p => p.Key));
        ids.AddRange(mailboxes["list"]!.AsArray().Select(m => m!["id"]!.GetValue<string>()));
        ids.AddRange(identities["list"]!.AsArray().Select(m => m!["id"]!.GetValue<string>()));
        var (_, uploaded) = await client.UploadAsync([1, 2, 3]);
        ids.Add(uploaded!["blobId"]!.GetValue<string>());
        Assert.All(ids, id => Assert.Matches(IdPattern(), id));
    }

    [Theory]
    [InlineData("")]
    [InlineData("M 1")]
    [InlineData("M1/..")]
    [InlineData("é")]
    [InlineData("M1=")]
    [InlineData("NIL")]
    public async Task Rfc8620_1_2_ids_not_of_the_id_syntax_are_not_found_never_an_error(string id)
    {
        // RFC 8620 §1.2: ids are 1-255 URL-safe base64 characters; anything else can name no object.
        var server = await JmapTestServer.GetAsync(fixture);
        var client = await server.SharedClientAsync();
        var mailbox = await client.OkAsync("Mailbox/get", new JsonObject { ["ids"] = new JsonArray(id) });
        Assert.Equal(id, Assert.Single(mailbox["notFound"]!.AsArray())!.GetValue<string>());
        var email = await client.OkAsync("Email/get", new JsonObject { ["ids"] = new JsonArray(id) });
        Assert.Single(email["notFound"]!.AsArray());
        var update = await client.OkAsync("Mailbox/set", new JsonObject { ["update"] = new JsonObject { [id] = new JsonObject { ["name"] = "x" } } });
        Assert.Equal("notFound", update["notUpdated"]![id]!["type"]!.GetValue<string>());
    }

    [Fact]
    public async Task Rfc8620_1_2_an_id_of_256_characters_is_not_found()
    {
        // RFC 8620 §1.2: "a maximum of 255 octets"
        var server = await JmapTestServer.GetAsync(fixture);
        var client = await server.SharedClientAsync();
        var id = "M" + new string('1', 255);
        var result = await client.OkAsync("Mailbox/get", new JsonObject { ["ids"] = new JsonArray(id) });
        Assert.Single(result["notFound"]!.AsArray());
    }

    [Theory]
    [InlineData("position", 9007199254740992.0)]
    [InlineData("position", 1.5)]
    [InlineData("limit", -1.0)]
    [InlineData("limit", 1e300)]
    public async Task Rfc8620_1_3_Int_and_UnsignedInt_arguments_out_of_range_are_invalidArguments(string argument, double value)
    {
        // RFC 8620 §1.3: an Int is in the range -2^53+1 <= value <= 2^53-1; an UnsignedInt is 0 <= value <= 2^53-1.
        var server = await JmapTestServer.GetAsync(fixture);
        var client = await server.SharedClientAsync();
        Assert.Equal("invalidArguments", await client.ErrorAsync("Mailbox/query", new JsonObject { [argument] = value }));
    }

    [Fact]
    public async Task Rfc8620_1_4_UTCDate_values_use_uppercase_T_and_Z()
    {
        // RFC 8620 §1.4: "the time-offset component MUST be 'Z' ... the letters MUST be uppercase"
        var server = await JmapTestServer.GetAsync(fixture);
        using var client = await server.NewUserAsync();
        var emailId = await server.DeliverAndFindAsync(client, "Dates");
        var email = await client.OkAsync("Email/get", new JsonObject { ["ids"] = new JsonArray(emailId), ["properties"] = new JsonArray("receivedAt", "sentAt") });
        var receivedAt = email["list"]![0]!["receivedAt"]!.GetValue<string>();
        Assert.Matches(UtcDatePattern(), receivedAt);
        var sentAt = email["list"]![0]!["sentAt"]!.GetValue<string>();
        Assert.Matches(DatePattern(), sentAt);
    }

    [Fact]
    public async Task Rfc8620_1_4_a_UTCDate_in_a_filter_not_in_the_rfc3339_form_is_invalidArguments()
    {
        // RFC 8620 §1.4: a UTCDate is a date-time string with "Z"; a malformed one is not a valid argument.
        var server = await JmapTestServer.GetAsync(fixture);
        using var client = await server.NewUserAsync();
        var response = await client.CallOneAsync("Email/query", new JsonObject { ["filter"] = new JsonObject { ["before"] = "yesterday" } });
        Assert.Equal("error", response[0]!.GetValue<string>());
        Assert.Contains(response[1]!["type"]!.GetValue<string>(), new[] { "invalidArguments", "unsupportedFilter" });
    }

    [GeneratedRegex("^[A-Za-z0-9_-]{1,255}$")]
    private static partial Regex IdPattern();

    [GeneratedRegex(@"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$")]
    private static partial Regex UtcDatePattern();

    [GeneratedRegex(@"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$")]
    private static partial Regex DatePattern();
}
