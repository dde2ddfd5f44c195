using System.Text.Json.Nodes;
using static Mail.Host.IntegrationTests.JmapConformance.PartBHelpers;

namespace Mail.Host.IntegrationTests.JmapConformance;

/// <summary>RFC 8621 §4.1.1–§4.1.3: metadata, every parsed header form and the convenience header properties.</summary>
[Collection(DeploymentCollection.Name)]
public sealed class Rfc8621EmailHeaderTests(DeploymentFixture fixture)
{
    private const string Message = """
        Return-Path: <bounce@elsewhere.test>
        From: =?UTF-8?Q?J=C3=B6rg_M=C3=BCller?= <jorg@elsewhere.test>
        Sender: Secretary <sec@elsewhere.test>
        Reply-To: replies@elsewhere.test
        To: Ann <ann@example.org>, Team: bob@example.org, "Carl C" <carl@example.org>;
        Cc: cc@example.org
        Bcc: hidden@example.org
        Subject: =?UTF-8?B?R3LDvMOfZQ==?= and
         folded words
        Date: Sat, 28 Nov 2026 10:00:00 +0100
        Message-ID: <msg-1@elsewhere.test>
        In-Reply-To: <parent@elsewhere.test>
        References: <root@elsewhere.test>
         <parent@elsewhere.test>
        List-Unsubscribe: <mailto:leave@elsewhere.test>, <https://elsewhere.test/leave>
        Comments: first comment
        Comments: second comment
        X-Spaced:    padded value   
        MIME-Version: 1.0
        Content-Type: text/plain; charset=utf-8

        Body text.

        """;

    private static async Task<(JmapClient Client, string Id)> ImportMessageAsync(DeploymentFixture fixture)
    {
        var server = await JmapTestServer.GetAsync(fixture);
        var client = await server.NewUserAsync();
        return (client, await ImportAsync(client, Crlf(Message), receivedAt: "2026-11-28T09:30:00Z"));
    }

    [Fact]
    public async Task S4_1_1_metadata_properties()
    {
        var (client, id) = await ImportMessageAsync(fixture);
        using var _ = client;
        var email = await EmailAsync(client, id, ["id", "blobId", "threadId", "mailboxIds", "keywords", "size", "receivedAt"]);
        Assert.Equal(id, email["id"]!.GetValue<string>());
        Assert.False(string.IsNullOrEmpty(email["blobId"]!.GetValue<string>()));
        Assert.False(string.IsNullOrEmpty(email["threadId"]!.GetValue<string>()));
        Assert.Equal([await client.MailboxIdAsync("inbox")], Keys(email["mailboxIds"]));
        Assert.Empty(email["keywords"]!.AsObject());
        // RFC 8621 §4.1.1: size: "The size, in octets, of the raw data for the message".
        Assert.Equal(Crlf(Message).Length, email["size"]!.GetValue<int>());
        Assert.Equal("2026-11-28T09:30:00Z", email["receivedAt"]!.GetValue<string>());
    }

    [Fact]
    public async Task S4_1_1_the_email_blobId_downloads_the_raw_message()
    {
        var (client, id) = await ImportMessageAsync(fixture);
        using var _ = client;
        var blobId = (await EmailAsync(client, id, ["blobId"]))["blobId"]!.GetValue<string>();
        using var response = await client.Http.GetAsync($"/jmap/download/{client.AccountId}/{blobId}/m.eml");
        Assert.Equal(Crlf(Message), await response.Content.ReadAsByteArrayAsync());
    }

    [Fact]
    public async Task S4_1_2_1_asRaw_is_the_raw_value_after_the_colon_with_folding_kept()
    {
        var (client, id) = await ImportMessageAsync(fixture);
        using var _ = client;
        var email = await EmailAsync(client, id, ["header:Subject", "header:Subject:asRaw", "header:X-Spaced:asRaw"]);
        Assert.Equal(" =?UTF-8?B?R3LDvMOfZQ==?= and\r\n folded words", email["header:Subject"]!.GetValue<string>());
        Assert.Equal(email["header:Subject"]!.GetValue<string>(), email["header:Subject:asRaw"]!.GetValue<string>());
        Assert.Equal("    padded value   ", email["header:X-Spaced:asRaw"]!.GetValue<string>());
    }

    [Fact]
    public async Task S4_1_2_2_asText_decodes_encoded_words_unfolds_and_trims()
    {
        var (client, id) = await ImportMessageAsync(fixture);
        using var _ = client;
        var email = await EmailAsync(client, id, ["header:Subject:asText", "header:X-Spaced:asText", "subject"]);
        Assert.Equal("Grüße and folded words", email["header:Subject:asText"]!.GetValue<string>());
        Assert.Equal("Grüße and folded words", email["subject"]!.GetValue<string>());
        Assert.Equal("padded value", email["header:X-Spaced:asText"]!.GetValue<string>());
    }

    [Fact]
    public async Task S4_1_2_3_asAddresses_flattens_groups_and_decodes_names()
    {
        var (client, id) = await ImportMessageAsync(fixture);
        using var _ = client;
        var email = await EmailAsync(client, id, ["header:To:asAddresses", "header:From:asAddresses"]);
        var to = email["header:To:asAddresses"]!.AsArray();
        Assert.Equal(["ann@example.org", "bob@example.org", "carl@example.org"], to.Select(a => a!["email"]!.GetValue<string>()).ToList());
        Assert.Equal("Ann", to[0]!["name"]!.GetValue<string>());
        Assert.Null(to[1]!["name"]);
        Assert.Equal("Carl C", to[2]!["name"]!.GetValue<string>());
        Assert.Equal("Jörg Müller", email["header:From:asAddresses"]![0]!["name"]!.GetValue<string>());
    }

    [Fact]
    public async Task S4_1_2_4_asGroupedAddresses_keeps_the_groups()
    {
        var (client, id) = await ImportMessageAsync(fixture);
        using var _ = client;
        var email = await EmailAsync(client, id, ["header:To:asGroupedAddresses"]);
        var groups = email["header:To:asGroupedAddresses"]!.AsArray();
        // RFC 8621 §4.1.2.4: addresses not in a group are in an EmailAddressGroup with a null name.
        var ungrouped = groups.Where(g => g!["name"] is null).SelectMany(g => g!["addresses"]!.AsArray()).Select(a => a!["email"]!.GetValue<string>()).ToList();
        Assert.Equal(["ann@example.org"], ungrouped);
        var team = groups.Single(g => g!["name"]?.GetValue<string>() == "Team")!;
        Assert.Equal(["bob@example.org", "carl@example.org"], team["addresses"]!.AsArray().Select(a => a!["email"]!.GetValue<string>()).ToList());
    }

    [Fact]
    public async Task S4_1_2_5_asMessageIds_strips_the_angle_brackets()
    {
        var (client, id) = await ImportMessageAsync(fixture);
        using var _ = client;
        var email = await EmailAsync(client, id, ["header:References:asMessageIds", "header:Message-ID:asMessageIds", "messageId", "inReplyTo", "references"]);
        Assert.Equal(["root@elsewhere.test", "parent@elsewhere.test"], Ids(email["header:References:asMessageIds"]));
        Assert.Equal(["msg-1@elsewhere.test"], Ids(email["header:Message-ID:asMessageIds"]));
        Assert.Equal(["msg-1@elsewhere.test"], Ids(email["messageId"]));
        Assert.Equal(["parent@elsewhere.test"], Ids(email["inReplyTo"]));
        Assert.Equal(["root@elsewhere.test", "parent@elsewhere.test"], Ids(email["references"]));
    }

    [Fact]
    public async Task S4_1_2_6_asDate_and_sentAt_keep_the_instant()
    {
        var (client, id) = await ImportMessageAsync(fixture);
        using var _ = client;
        var email = await EmailAsync(client, id, ["header:Date:asDate", "sentAt"]);
        var expected = new DateTimeOffset(2026, 11, 28, 9, 0, 0, TimeSpan.Zero);
        Assert.Equal(expected, DateTimeOffset.Parse(email["header:Date:asDate"]!.GetValue<string>(), System.Globalization.CultureInfo.InvariantCulture));
        // RFC 8621 §4.1.3: sentAt is a Date (with the zone of the header): 2026-11-28T10:00:00+01:00.
        var sentAt = DateTimeOffset.Parse(email["sentAt"]!.GetValue<string>(), System.Globalization.CultureInfo.InvariantCulture);
        Assert.Equal(expected, sentAt);
        Assert.Equal(TimeSpan.FromHours(1), sentAt.Offset);
    }

    [Fact]
    public async Task S4_1_2_7_asURLs_lists_the_bracketed_urls()
    {
        var (client, id) = await ImportMessageAsync(fixture);
        using var _ = client;
        var email = await EmailAsync(client, id, ["header:List-Unsubscribe:asURLs"]);
        Assert.Equal(["mailto:leave@elsewhere.test", "https://elsewhere.test/leave"], Ids(email["header:List-Unsubscribe:asURLs"]));
    }

    [Fact]
    public async Task S4_1_3_all_returns_every_instance_in_order_and_an_empty_array_when_absent()
    {
        // RFC 8621 §4.1.3: with ":all", "the value is an array, with the values for every instance of the header field"; without it, the last instance.
        var (client, id) = await ImportMessageAsync(fixture);
        using var _ = client;
        var email = await EmailAsync(client, id, ["header:Comments:asText:all", "header:Comments:asText", "header:X-Absent:all", "header:X-Absent"]);
        Assert.Equal(["first comment", "second comment"], Ids(email["header:Comments:asText:all"]));
        Assert.Equal("second comment", email["header:Comments:asText"]!.GetValue<string>());
        Assert.Empty(email["header:X-Absent:all"]!.AsArray());
        Assert.True(email.ContainsKey("header:X-Absent"));
        Assert.Null(email["header:X-Absent"]);
    }

    [Fact]
    public async Task S4_1_3_header_names_are_matched_without_case()
    {
        var (client, id) = await ImportMessageAsync(fixture);
        using var _ = client;
        var email = await EmailAsync(client, id, ["header:SUBJECT:asText", "header:message-id:asMessageIds"]);
        Assert.Equal("Grüße and folded words", email["header:SUBJECT:asText"]!.GetValue<string>());
        Assert.Equal(["msg-1@elsewhere.test"], Ids(email["header:message-id:asMessageIds"]));
    }

    [Theory]
    [InlineData("header:From:asDate")]
    [InlineData("header:Subject:asAddresses")]
    [InlineData("header:Date:asURLs")]
    [InlineData("header:To:asMessageIds")]
    [InlineData("header:Message-ID:asText")]
    [InlineData("header:Subject:asBogus")]
    public async Task S4_1_2_a_form_not_allowed_for_the_header_is_invalidArguments(string property)
    {
        // RFC 8621 §4.1.2: "Attempting to fetch a form that is forbidden (e.g., "header:From:asDate") MUST result in an invalidArguments error."
        var (client, id) = await ImportMessageAsync(fixture);
        using var _ = client;
        Assert.Equal("invalidArguments", await client.ErrorAsync("Email/get", new JsonObject { ["ids"] = new JsonArray(id), ["properties"] = new JsonArray(property) }));
    }

    [Fact]
    public async Task S4_1_3_convenience_address_properties()
    {
        var (client, id) = await ImportMessageAsync(fixture);
        using var _ = client;
        var email = await EmailAsync(client, id, ["sender", "from", "to", "cc", "bcc", "replyTo"]);
        Assert.Equal("sec@elsewhere.test", email["sender"]![0]!["email"]!.GetValue<string>());
        Assert.Equal("Secretary", email["sender"]![0]!["name"]!.GetValue<string>());
        Assert.Equal("jorg@elsewhere.test", email["from"]![0]!["email"]!.GetValue<string>());
        Assert.Equal(3, email["to"]!.AsArray().Count);
        Assert.Equal("cc@example.org", email["cc"]![0]!["email"]!.GetValue<string>());
        Assert.Equal("hidden@example.org", email["bcc"]![0]!["email"]!.GetValue<string>());
        Assert.Equal("replies@elsewhere.test", email["replyTo"]![0]!["email"]!.GetValue<string>());
    }

    [Fact]
    public async Task S4_1_3_convenience_properties_are_null_when_the_header_is_absent()
    {
        var server = await JmapTestServer.GetAsync(fixture);
        using var client = await server.NewUserAsync();
        var id = await ImportAsync(client, Crlf("From: a@elsewhere.test\nContent-Type: text/plain\n\nNo other headers.\n"));
        var email = await EmailAsync(client, id, ["messageId", "inReplyTo", "references", "sender", "to", "cc", "bcc", "replyTo", "subject", "sentAt"]);
        foreach (var property in new[] { "messageId", "inReplyTo", "references", "sender", "to", "cc", "bcc", "replyTo", "subject", "sentAt" })
        {
            Assert.True(email.ContainsKey(property), property);
            Assert.True(email[property] is null, $"{property}: {email[property]?.ToJsonString()}");
        }
    }

    [Fact]
    public async Task S4_1_3_headers_lists_every_header_field_in_order_with_raw_values()
    {
        var (client, id) = await ImportMessageAsync(fixture);
        using var _ = client;
        var email = await EmailAsync(client, id, ["headers"]);
        var names = email["headers"]!.AsArray().Select(h => h!["name"]!.GetValue<string>()).ToList();
        Assert.Equal("Return-Path", names[0]);
        Assert.Equal(2, names.Count(n => n == "Comments"));
        Assert.Equal("Content-Type", names[^1]);
        var subject = email["headers"]!.AsArray().First(h => h!["name"]!.GetValue<string>() == "Subject")!;
        Assert.Equal(" =?UTF-8?B?R3LDvMOfZQ==?= and\r\n folded words", subject["value"]!.GetValue<string>());
    }

    [Fact]
    public async Task S4_2_without_properties_the_rfc_default_properties_and_body_properties_are_returned()
    {
        // RFC 8621 §4.2: properties and bodyProperties default to the lists the RFC gives.
        var (client, id) = await ImportMessageAsync(fixture);
        using var _ = client;
        var result = await client.OkAsync("Email/get", new JsonObject { ["ids"] = new JsonArray(id) });
        var email = result["list"]![0]!.AsObject();
        string[] expected =
        [
            "id", "blobId", "threadId", "mailboxIds", "keywords", "size", "receivedAt", "messageId", "inReplyTo", "references", "sender", "from",
            "to", "cc", "bcc", "replyTo", "subject", "sentAt", "hasAttachment", "preview", "bodyValues", "textBody", "htmlBody", "attachments",
        ];
        Assert.Equal(expected.Order(), Keys(email).Order());
        Assert.Equal(
            new[] { "partId", "blobId", "size", "name", "type", "charset", "disposition", "cid", "language", "location" }.Order(),
            Keys(email["textBody"]![0]).Order());
    }

    [Fact]
    public async Task S4_1_3_all_works_with_a_parsed_form()
    {
        var server = await JmapTestServer.GetAsync(fixture);
        using var client = await server.NewUserAsync();
        var id = await ImportAsync(client, Crlf("From: a@elsewhere.test\nResent-To: one@example.org\nResent-To: Two <two@example.org>\nSubject: Resent\n\nbody\n"));
        var email = await EmailAsync(client, id, ["header:Resent-To:asAddresses:all"]);
        var all = email["header:Resent-To:asAddresses:all"]!.AsArray();
        Assert.Equal(2, all.Count);
        Assert.Equal("one@example.org", all[0]![0]!["email"]!.GetValue<string>());
        Assert.Equal("Two", all[1]![0]!["name"]!.GetValue<string>());
    }
}
