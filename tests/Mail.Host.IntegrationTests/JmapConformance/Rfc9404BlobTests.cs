using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using static Mail.Host.IntegrationTests.JmapConformance.PartCHelpers;

namespace Mail.Host.IntegrationTests.JmapConformance;

/// <summary>RFC 9404: the blob capability, Blob/upload, Blob/get and Blob/lookup.</summary>
[Collection(DeploymentCollection.Name)]
public sealed class Rfc9404BlobTests(DeploymentFixture fixture)
{
    private static async Task<JsonObject> UploadAsync(JmapClient client, JsonObject create)
        => await client.OkAsync("Blob/upload", new JsonObject { ["create"] = create }, Blob);

    private static JsonObject Source(string text) => new() { ["data:asText"] = text };

    private static async Task<string> UploadTextAsync(JmapClient client, string text)
    {
        var result = await UploadAsync(client, new JsonObject { ["b"] = new JsonObject { ["data"] = new JsonArray(Source(text)) } });
        return result["created"]!["b"]!["id"]!.GetValue<string>();
    }

    private static async Task<JsonObject> GetOneAsync(JmapClient client, string id, JsonArray properties, long? offset = null, long? length = null)
    {
        var arguments = new JsonObject { ["ids"] = Ids(id), ["properties"] = properties };
        if (offset is not null)
        {
            arguments["offset"] = offset;
        }

        if (length is not null)
        {
            arguments["length"] = length;
        }

        var result = await client.OkAsync("Blob/get", arguments, Blob);
        return Assert.Single(result["list"]!.AsArray())!.AsObject();
    }

    [Fact]
    public async Task Rfc9404_3_account_capability_has_every_limit_and_list()
    {
        using var client = await (await JmapTestServer.GetAsync(fixture)).NewUserAsync("blob");
        Assert.Empty(client.Session["capabilities"]![Blob]!.AsObject());
        var blob = client.Session["accounts"]![client.AccountId]!["accountCapabilities"]![Blob]!;
        Assert.True(blob["maxSizeBlobSet"] is null || blob["maxSizeBlobSet"]!.GetValue<long>() > 0);
        Assert.True(blob["maxDataSources"]!.GetValue<int>() >= 1);
        Assert.Equal(new[] { "Email", "Mailbox", "Thread" }, blob["supportedTypeNames"]!.AsArray().Select(t => t!.GetValue<string>()).Order());
        var digests = blob["supportedDigestAlgorithms"]!.AsArray().Select(t => t!.GetValue<string>()).ToList();
        Assert.Contains("sha", digests);
        Assert.Contains("sha-256", digests);
    }

    [Fact]
    public async Task Rfc9404_4_1_upload_concatenates_text_base64_and_blob_ranges_in_order()
    {
        using var client = await (await JmapTestServer.GetAsync(fixture)).NewUserAsync("blob");
        var source = await UploadTextAsync(client, "0123456789");
        var result = await UploadAsync(client, new JsonObject
        {
            ["c"] = new JsonObject
            {
                ["type"] = "text/plain",
                ["data"] = new JsonArray(
                    Source("A"),
                    new JsonObject { ["data:asBase64"] = Convert.ToBase64String("B"u8.ToArray()) },
                    new JsonObject { ["blobId"] = source, ["offset"] = 2, ["length"] = 3 },
                    new JsonObject { ["blobId"] = source, ["offset"] = 8 },
                    new JsonObject { ["blobId"] = source }),
            },
        });
        var created = result["created"]!["c"]!;
        Assert.Equal(17, created["size"]!.GetValue<int>());
        Assert.Equal("text/plain", created["type"]!.GetValue<string>());
        var got = await GetOneAsync(client, created["id"]!.GetValue<string>(), new JsonArray("data:asText"));
        Assert.Equal("AB234890123456789", got["data:asText"]!.GetValue<string>());
    }

    [Fact]
    public async Task Rfc9404_4_1_a_creation_id_from_the_same_call_can_be_a_data_source()
    {
        // RFC 9404 §4.1: a blobId data source may be a creation id reference ("#" and the creation id) from the same request.
        using var client = await (await JmapTestServer.GetAsync(fixture)).NewUserAsync("blob");
        var responses = await client.CallAsync([.. JmapClient.MailUsing, Blob],
            new JsonArray("Blob/upload", new JsonObject
            {
                ["accountId"] = client.AccountId,
                ["create"] = new JsonObject
                {
                    ["first"] = new JsonObject { ["data"] = new JsonArray(Source("hello")) },
                    ["second"] = new JsonObject { ["data"] = new JsonArray(new JsonObject { ["blobId"] = "#first" }, Source(" world")) },
                },
            }, "u"),
            new JsonArray("Blob/get", new JsonObject { ["accountId"] = client.AccountId, ["ids"] = Ids("#second"), ["properties"] = new JsonArray("data:asText") }, "g"));
        Assert.Equal("hello world", responses[1]![1]!["list"]![0]!["data:asText"]!.GetValue<string>());
    }

    [Theory]
    [InlineData("{\"data:asText\":\"a\",\"data:asBase64\":\"Yg==\"}")]
    [InlineData("{\"data:asText\":\"a\",\"blobId\":\"Gx\"}")]
    [InlineData("{}")]
    [InlineData("{\"data:asBase64\":\"***\"}")]
    [InlineData("{\"data:asText\":5}")]
    [InlineData("{\"blobId\":\"#b\",\"offset\":\"two\"}")]
    [InlineData("{\"blobId\":\"#b\",\"offset\":-1}")]
    public async Task Rfc9404_4_1_an_invalid_data_source_is_invalidProperties(string source)
    {
        // RFC 9404 §4.1: a DataSourceObject is exactly one of data:asText, data:asBase64 or blobId (with offset and length).
        using var client = await (await JmapTestServer.GetAsync(fixture)).NewUserAsync("blob");
        var result = await UploadAsync(client, new JsonObject
        {
            ["b"] = new JsonObject { ["data"] = new JsonArray(Source("x")) },
            ["bad"] = new JsonObject { ["data"] = new JsonArray(JsonNode.Parse(source)) },
        });
        Assert.NotNull(result["created"]!["b"]);
        Assert.Equal("invalidProperties", result["notCreated"]!["bad"]!["type"]!.GetValue<string>());
    }

    [Fact]
    public async Task Rfc9404_4_1_a_range_past_the_end_of_the_source_blob_is_refused()
    {
        // RFC 9404 §4.1: "If the range cannot be fully satisfied (i.e., it begins or extends past the end of the data in the blob), then the DataSourceObject is invalid".
        using var client = await (await JmapTestServer.GetAsync(fixture)).NewUserAsync("blob");
        var source = await UploadTextAsync(client, "short");
        var result = await UploadAsync(client, new JsonObject
        {
            ["past"] = new JsonObject { ["data"] = new JsonArray(new JsonObject { ["blobId"] = source, ["offset"] = 2, ["length"] = 10 }) },
            ["beyond"] = new JsonObject { ["data"] = new JsonArray(new JsonObject { ["blobId"] = source, ["offset"] = 6 }) },
        });
        Assert.Equal("invalidProperties", result["notCreated"]!["past"]!["type"]!.GetValue<string>());
        Assert.Equal("invalidProperties", result["notCreated"]!["beyond"]!["type"]!.GetValue<string>());
    }

    [Fact]
    public async Task Rfc9404_4_1_an_unknown_source_blob_is_blobNotFound()
    {
        using var client = await (await JmapTestServer.GetAsync(fixture)).NewUserAsync("blob");
        var result = await UploadAsync(client, new JsonObject { ["x"] = new JsonObject { ["data"] = new JsonArray(new JsonObject { ["blobId"] = "G" + new string('0', 64) }) } });
        Assert.Equal("blobNotFound", result["notCreated"]!["x"]!["type"]!.GetValue<string>());
    }

    [Fact]
    public async Task Rfc9404_4_1_more_than_maxDataSources_sources_is_refused()
    {
        using var client = await (await JmapTestServer.GetAsync(fixture)).NewUserAsync("blob");
        var max = client.Session["accounts"]![client.AccountId]!["accountCapabilities"]![Blob]!["maxDataSources"]!.GetValue<int>();
        var result = await UploadAsync(client, new JsonObject
        {
            ["ok"] = new JsonObject { ["data"] = new JsonArray([.. Enumerable.Range(0, max).Select(i => (JsonNode)Source("x"))]) },
            ["over"] = new JsonObject { ["data"] = new JsonArray([.. Enumerable.Range(0, max + 1).Select(i => (JsonNode)Source("x"))]) },
        });
        Assert.Equal(max, result["created"]!["ok"]!["size"]!.GetValue<int>());
        Assert.NotNull(result["notCreated"]!["over"]!["type"]);
    }

    [Fact]
    public async Task Rfc9404_4_1_a_blob_over_maxSizeBlobSet_is_tooLarge()
    {
        using var client = await PartCLimitsServer.NewUserAsync(fixture);
        var max = client.Session["accounts"]![client.AccountId]!["accountCapabilities"]![Blob]!["maxSizeBlobSet"]!.GetValue<int>();
        var half = Convert.ToBase64String(new byte[(max / 2) + 1]);
        var result = await UploadAsync(client, new JsonObject
        {
            ["big"] = new JsonObject { ["data"] = new JsonArray(new JsonObject { ["data:asBase64"] = half }, new JsonObject { ["data:asBase64"] = half }) },
        });
        Assert.Equal("tooLarge", result["notCreated"]!["big"]!["type"]!.GetValue<string>());
    }

    [Fact]
    public async Task Rfc9404_4_2_get_returns_text_base64_size_and_both_digests()
    {
        using var client = await (await JmapTestServer.GetAsync(fixture)).NewUserAsync("blob");
        var id = await UploadTextAsync(client, "The quick brown fox");
        var bytes = Encoding.UTF8.GetBytes("The quick brown fox");
        var got = await GetOneAsync(client, id, new JsonArray("data:asText", "data:asBase64", "size", "digest:sha", "digest:sha-256"));
        Assert.Equal(id, got["id"]!.GetValue<string>());
        Assert.Equal("The quick brown fox", got["data:asText"]!.GetValue<string>());
        Assert.Equal(Convert.ToBase64String(bytes), got["data:asBase64"]!.GetValue<string>());
        Assert.Equal(bytes.Length, got["size"]!.GetValue<int>());

        // RFC 9404 §4.2: digest:<algorithm> is "the base64 encoding of the digest of the octets in the selected range".
        Assert.Equal(Convert.ToBase64String(SHA1.HashData(bytes)), got["digest:sha"]!.GetValue<string>());
        Assert.Equal(Convert.ToBase64String(SHA256.HashData(bytes)), got["digest:sha-256"]!.GetValue<string>());
        Assert.Null(got["isEncodingProblem"]);
        Assert.Null(got["isTruncated"]);
    }

    [Fact]
    public async Task Rfc9404_4_2_data_is_text_for_utf8_and_base64_with_isEncodingProblem_otherwise()
    {
        // RFC 9404 §4.2: "data: ... if the data is valid UTF-8, data:asText is returned, otherwise data:asBase64".
        using var client = await (await JmapTestServer.GetAsync(fixture)).NewUserAsync("blob");
        var text = await UploadTextAsync(client, "plain");
        var got = await GetOneAsync(client, text, new JsonArray("data"));
        Assert.Equal("plain", got["data:asText"]!.GetValue<string>());
        Assert.Null(got["data:asBase64"]);

        var binary = (await UploadAsync(client, new JsonObject { ["b"] = new JsonObject { ["data"] = new JsonArray(new JsonObject { ["data:asBase64"] = Convert.ToBase64String(new byte[] { 0xff, 0xfe, 0x41 }) }) } }))["created"]!["b"]!["id"]!.GetValue<string>();
        got = await GetOneAsync(client, binary, new JsonArray("data"));
        Assert.Equal(Convert.ToBase64String(new byte[] { 0xff, 0xfe, 0x41 }), got["data:asBase64"]!.GetValue<string>());
        Assert.True(got["isEncodingProblem"]!.GetValue<bool>());

        // RFC 9404 §4.2: asked for data:asText of non-UTF-8 octets, "isEncodingProblem" is true and the text is null.
        got = await GetOneAsync(client, binary, new JsonArray("data:asText"));
        Assert.Null(got["data:asText"]);
        Assert.True(got["isEncodingProblem"]!.GetValue<bool>());
    }

    [Fact]
    public async Task Rfc9404_4_2_offset_and_length_select_a_range_and_past_the_end_isTruncated()
    {
        using var client = await (await JmapTestServer.GetAsync(fixture)).NewUserAsync("blob");
        var id = await UploadTextAsync(client, "0123456789");
        var got = await GetOneAsync(client, id, new JsonArray("data:asText", "size", "digest:sha-256"), offset: 3, length: 4);
        Assert.Equal("3456", got["data:asText"]!.GetValue<string>());
        Assert.Equal(10, got["size"]!.GetValue<int>());
        Assert.Equal(Convert.ToBase64String(SHA256.HashData("3456"u8)), got["digest:sha-256"]!.GetValue<string>());
        Assert.Null(got["isTruncated"]);

        // RFC 9404 §4.2: "isTruncated: true if the selected range goes past the end of the blob".
        got = await GetOneAsync(client, id, new JsonArray("data:asText"), offset: 8, length: 5);
        Assert.Equal("89", got["data:asText"]!.GetValue<string>());
        Assert.True(got["isTruncated"]!.GetValue<bool>());
        got = await GetOneAsync(client, id, new JsonArray("data:asText"), offset: 20);
        Assert.Equal(string.Empty, got["data:asText"]!.GetValue<string>());
        Assert.True(got["isTruncated"]!.GetValue<bool>());
    }

    [Fact]
    public async Task Rfc9404_4_2_unknown_ids_are_notFound_and_bad_arguments_invalidArguments()
    {
        using var client = await (await JmapTestServer.GetAsync(fixture)).NewUserAsync("blob");
        var id = await UploadTextAsync(client, "x");
        var result = await client.OkAsync("Blob/get", new JsonObject { ["ids"] = Ids(id, "G" + new string('1', 64), "B99999999", "nonsense") }, Blob);
        Assert.Single(result["list"]!.AsArray());
        Assert.Equal(3, result["notFound"]!.AsArray().Count);
        Assert.Equal("invalidArguments", await client.ErrorAsync("Blob/get", new JsonObject { ["ids"] = Ids(id), ["offset"] = -1 }, Blob));
        Assert.Equal("invalidArguments", await client.ErrorAsync("Blob/get", new JsonObject { ["ids"] = Ids(id), ["properties"] = new JsonArray("digest:md5") }, Blob));
    }

    [Fact]
    public async Task Rfc9404_4_2_get_reads_an_emails_raw_blob_and_a_parts_blob()
    {
        var server = await JmapTestServer.GetAsync(fixture);
        using var client = await server.NewUserAsync("blob");
        await server.DeliverAsync(client.Address, "Blob source", "Body for the blob test");
        var email = (await EmailIdsAsync(client))[0];
        var props = (await client.OkAsync("Email/get", new JsonObject { ["ids"] = Ids(email), ["properties"] = new JsonArray("blobId", "size", "textBody") }))["list"]![0]!;
        var raw = await GetOneAsync(client, props["blobId"]!.GetValue<string>(), new JsonArray("data:asText", "size"));
        Assert.Contains("Subject: Blob source", raw["data:asText"]!.GetValue<string>());
        Assert.Equal(props["size"]!.GetValue<long>(), raw["size"]!.GetValue<long>());
        var part = await GetOneAsync(client, props["textBody"]![0]!["blobId"]!.GetValue<string>(), new JsonArray("data:asText"));
        Assert.Contains("Body for the blob test", part["data:asText"]!.GetValue<string>());
    }

    [Fact]
    public async Task Rfc9404_4_3_lookup_finds_the_email_its_thread_and_mailboxes()
    {
        var server = await JmapTestServer.GetAsync(fixture);
        using var client = await server.NewUserAsync("blob");
        await server.DeliverAsync(client.Address, "Find my blob");
        var email = (await EmailIdsAsync(client))[0];
        var props = (await client.OkAsync("Email/get", new JsonObject { ["ids"] = Ids(email), ["properties"] = new JsonArray("blobId", "threadId", "mailboxIds") }))["list"]![0]!;
        var blobId = props["blobId"]!.GetValue<string>();
        var uploaded = await UploadTextAsync(client, "unreferenced");
        var lookup = await client.OkAsync("Blob/lookup", new JsonObject { ["typeNames"] = new JsonArray("Mailbox", "Thread", "Email"), ["ids"] = Ids(blobId, uploaded, "G" + new string('2', 64)) }, Blob);
        var list = lookup["list"]!.AsArray();
        var found = list.Single(i => i!["id"]!.GetValue<string>() == blobId)!["matchedIds"]!;
        Assert.Equal([email], found["Email"]!.AsArray().Select(i => i!.GetValue<string>()));
        Assert.Equal([props["threadId"]!.GetValue<string>()], found["Thread"]!.AsArray().Select(i => i!.GetValue<string>()));
        Assert.Equal(props["mailboxIds"]!.AsObject().Select(m => m.Key), found["Mailbox"]!.AsArray().Select(i => i!.GetValue<string>()));

        // RFC 9404 §4.3: a blob that exists but nothing references has empty lists for every type.
        var empty = list.Single(i => i!["id"]!.GetValue<string>() == uploaded)!["matchedIds"]!.AsObject();
        Assert.Equal(3, empty.Count);
        Assert.All(empty, e => Assert.Empty(e.Value!.AsArray()));
        Assert.Single(lookup["notFound"]!.AsArray());
    }

    [Fact]
    public async Task Rfc9404_4_3_lookup_of_an_unknown_type_is_unknownDataType()
    {
        // RFC 9404 §4.3: "If the type name is not supported by the server, then the server MUST respond with an error of type unknownDataType".
        using var client = await (await JmapTestServer.GetAsync(fixture)).NewUserAsync("blob");
        Assert.Equal("unknownDataType", await client.ErrorAsync("Blob/lookup", new JsonObject { ["typeNames"] = new JsonArray("Email", "CalendarEvent"), ["ids"] = new JsonArray() }, Blob));
    }
}
