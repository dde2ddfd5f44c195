using System.Text;
using System.Text.Json.Nodes;
using MimeKit;
using static Mail.Host.IntegrationTests.JmapConformance.PartBHelpers;

namespace Mail.Host.IntegrationTests.JmapConformance;

/// <summary>RFC 8621 §4.1.4 body parts and the textBody/htmlBody/attachments algorithm, and §4.2 body values.</summary>
[Collection(DeploymentCollection.Name)]
public sealed class Rfc8621EmailBodyTests(DeploymentFixture fixture)
{
    private static readonly string[] Lists = ["textBody", "htmlBody", "attachments", "hasAttachment", "bodyStructure"];

    private static List<string> Types(JsonNode? parts) => [.. parts!.AsArray().Select(p => p!["type"]!.GetValue<string>())];

    private static List<string> PartIds(JsonNode? parts) => [.. parts!.AsArray().Select(p => p!["partId"]!.GetValue<string>())];

    private async Task<(JmapClient Client, string Id)> ImportAsync(byte[] raw)
    {
        var server = await JmapTestServer.GetAsync(fixture);
        var client = await server.NewUserAsync();
        return (client, await PartBHelpers.ImportAsync(client, raw));
    }

    [Fact]
    public async Task S4_1_4_text_plain_only_is_both_textBody_and_htmlBody()
    {
        var (client, id) = await ImportAsync(Bytes(Simple("Plain only")));
        using var _ = client;
        var email = await EmailAsync(client, id, Lists);
        Assert.Equal(["text/plain"], Types(email["textBody"]));
        Assert.Equal(PartIds(email["textBody"]), PartIds(email["htmlBody"]));
        Assert.Empty(email["attachments"]!.AsArray());
        Assert.False(email["hasAttachment"]!.GetValue<bool>());
        Assert.Null(email["bodyStructure"]!["subParts"]);
    }

    [Fact]
    public async Task S4_1_4_html_only_is_both_htmlBody_and_textBody()
    {
        var message = Simple("Html only");
        message.Body = new TextPart("html") { Text = "<p>Hi <b>there</b></p>" };
        var (client, id) = await ImportAsync(Bytes(message));
        using var _ = client;
        var email = await EmailAsync(client, id, Lists);
        Assert.Equal(["text/html"], Types(email["htmlBody"]));
        Assert.Equal(["text/html"], Types(email["textBody"]));
    }

    [Fact]
    public async Task S4_1_4_multipart_alternative_splits_text_and_html()
    {
        var message = Simple("Alternative");
        message.Body = new MultipartAlternative { new TextPart("plain") { Text = "plain" }, new TextPart("html") { Text = "<p>html</p>" } };
        var (client, id) = await ImportAsync(Bytes(message));
        using var _ = client;
        var email = await EmailAsync(client, id, Lists);
        Assert.Equal(["text/plain"], Types(email["textBody"]));
        Assert.Equal(["text/html"], Types(email["htmlBody"]));
        Assert.Empty(email["attachments"]!.AsArray());
        var structure = email["bodyStructure"]!;
        Assert.Equal("multipart/alternative", structure["type"]!.GetValue<string>());
        // RFC 8621 §4.1.4: partId and blobId are null for a multipart.
        Assert.Null(structure["partId"]);
        Assert.Null(structure["blobId"]);
        Assert.Equal(["text/plain", "text/html"], Types(structure["subParts"]));
    }

    [Fact]
    public async Task S4_1_4_multipart_mixed_with_an_inline_image_between_texts_puts_the_image_in_both_bodies()
    {
        var message = Simple("Mixed inline");
        var image = new MimePart("image", "png") { Content = new MimeContent(new MemoryStream([137, 80, 78, 71])), ContentDisposition = new ContentDisposition(ContentDisposition.Inline) };
        message.Body = new Multipart("mixed") { new TextPart("plain") { Text = "before" }, image, new TextPart("plain") { Text = "after" } };
        var (client, id) = await ImportAsync(Bytes(message));
        using var _ = client;
        var email = await EmailAsync(client, id, Lists);
        Assert.Equal(["text/plain", "image/png", "text/plain"], Types(email["textBody"]));
        Assert.Equal(["text/plain", "image/png", "text/plain"], Types(email["htmlBody"]));
        Assert.Empty(email["attachments"]!.AsArray());
    }

    [Fact]
    public async Task S4_1_4_multipart_related_image_is_an_attachment_of_the_html_body()
    {
        var message = Simple("Related");
        var image = new MimePart("image", "gif") { Content = new MimeContent(new MemoryStream(Encoding.ASCII.GetBytes("GIF89a"))), ContentId = "logo@test", ContentTransferEncoding = ContentEncoding.Base64 };
        var related = new MultipartRelated { new TextPart("html") { Text = "<img src=\"cid:logo@test\">" }, image };
        message.Body = new MultipartAlternative { new TextPart("plain") { Text = "text version" }, related };
        var (client, id) = await ImportAsync(Bytes(message));
        using var _ = client;
        var email = await EmailAsync(client, id, Lists);
        Assert.Equal(["text/plain"], Types(email["textBody"]));
        Assert.Equal(["text/html"], Types(email["htmlBody"]));
        var attachment = Assert.Single(email["attachments"]!.AsArray())!;
        Assert.Equal("image/gif", attachment["type"]!.GetValue<string>());
        // RFC 8621 §4.1.4: cid is the Content-Id "without the surrounding angle brackets".
        Assert.Equal("logo@test", attachment["cid"]!.GetValue<string>());
    }

    [Fact]
    public async Task S4_1_4_a_message_rfc822_attachment_is_one_leaf_part()
    {
        var inner = Simple("Forwarded inner", "inner body");
        var message = Simple("Forward");
        message.Body = new Multipart("mixed") { new TextPart("plain") { Text = "see attached" }, new MessagePart { Message = inner } };
        var (client, id) = await ImportAsync(Bytes(message));
        using var _ = client;
        var email = await EmailAsync(client, id, Lists);
        Assert.Equal(["text/plain"], Types(email["textBody"]));
        var attachment = Assert.Single(email["attachments"]!.AsArray())!;
        Assert.Equal("message/rfc822", attachment["type"]!.GetValue<string>());
        Assert.True(email["hasAttachment"]!.GetValue<bool>());
        var leaf = email["bodyStructure"]!["subParts"]![1]!;
        Assert.Equal("message/rfc822", leaf["type"]!.GetValue<string>());
        Assert.Null(leaf["subParts"]);

        // The part's blob is the attached message, which Email/parse reads.
        var parsed = await client.OkAsync("Email/parse", new JsonObject { ["blobIds"] = new JsonArray(attachment["blobId"]!.DeepClone()) });
        Assert.Equal("Forwarded inner", parsed["parsed"]![attachment["blobId"]!.GetValue<string>()]!["subject"]!.GetValue<string>());
    }

    [Fact]
    public async Task S4_1_4_body_part_properties_name_type_charset_disposition_language_location()
    {
        var raw = Crlf("""
            From: a@elsewhere.test
            Subject: Part properties
            MIME-Version: 1.0
            Content-Type: multipart/mixed; boundary="b1"

            --b1
            Content-Type: text/plain; charset=ISO-8859-1
            Content-Language: en, de
            Content-Location: https://elsewhere.test/body

            Caf=E9
            --b1
            Content-Type: application/octet-stream
            Content-Disposition: attachment; filename*=utf-8''r%C3%A9sum%C3%A9.bin
            Content-Transfer-Encoding: base64

            AAECAwQFBgcICQ==
            --b1--
            """);
        var (client, id) = await ImportAsync(raw);
        using var _ = client;
        var email = await EmailAsync(client, id, ["bodyStructure"], new JsonObject
        {
            ["bodyProperties"] = new JsonArray("partId", "blobId", "size", "name", "type", "charset", "disposition", "cid", "language", "location", "subParts", "headers"),
        });
        var parts = email["bodyStructure"]!["subParts"]!.AsArray();
        var text = parts[0]!;
        Assert.Equal("text/plain", text["type"]!.GetValue<string>());
        Assert.Equal("ISO-8859-1", text["charset"]!.GetValue<string>(), ignoreCase: true);
        Assert.Equal(["en", "de"], Ids(text["language"]));
        Assert.Equal("https://elsewhere.test/body", text["location"]!.GetValue<string>());
        Assert.Null(text["disposition"]);
        Assert.Null(text["name"]);
        Assert.Equal("Content-Type", text["headers"]![0]!["name"]!.GetValue<string>());
        var binary = parts[1]!;
        Assert.Equal("résumé.bin", binary["name"]!.GetValue<string>());
        Assert.Equal("attachment", binary["disposition"]!.GetValue<string>());
        // RFC 8621 §4.1.4: charset is null for a part that is not text; size is "after content transfer decoding".
        Assert.Null(binary["charset"]);
        Assert.Equal(10, binary["size"]!.GetValue<int>());
    }

    [Fact]
    public async Task S4_1_4_a_text_part_without_charset_defaults_to_us_ascii()
    {
        var raw = Crlf("From: a@elsewhere.test\nSubject: No charset\nContent-Type: text/plain\n\nascii\n");
        var (client, id) = await ImportAsync(raw);
        using var _ = client;
        var email = await EmailAsync(client, id, ["textBody"]);
        Assert.Equal("us-ascii", email["textBody"]![0]!["charset"]!.GetValue<string>());
    }

    [Fact]
    public async Task S4_1_4_a_part_blobId_downloads_the_decoded_content()
    {
        var raw = Crlf("From: a@elsewhere.test\nSubject: Decoded\nMIME-Version: 1.0\nContent-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: quoted-printable\n\nCaf=C3=A9 =\nau lait\n");
        var (client, id) = await ImportAsync(raw);
        using var _ = client;
        var part = (await EmailAsync(client, id, ["textBody"]))["textBody"]![0]!;
        using var response = await client.Http.GetAsync($"/jmap/download/{client.AccountId}/{part["blobId"]!.GetValue<string>()}/part.txt");
        var bytes = await response.Content.ReadAsByteArrayAsync();
        Assert.Equal("Café au lait\r\n", Encoding.UTF8.GetString(bytes));
        Assert.Equal(bytes.Length, part["size"]!.GetValue<int>());
    }

    [Fact]
    public async Task S4_1_4_preview_collapses_whitespace_and_is_at_most_256_characters()
    {
        // RFC 8621 §4.1.4: preview: "A plaintext fragment of the message body ... up to 256 characters ... whitespace SHOULD be collapsed".
        var body = "Start   of\r\n\r\n the\tbody " + string.Concat(Enumerable.Repeat("word ", 200));
        var (client, id) = await ImportAsync(Bytes(Simple("Preview", body)));
        using var _ = client;
        var preview = (await EmailAsync(client, id, ["preview"]))["preview"]!.GetValue<string>();
        Assert.StartsWith("Start of the body word", preview);
        Assert.True(preview.Length <= 256, preview.Length.ToString(System.Globalization.CultureInfo.InvariantCulture));
        Assert.DoesNotContain("  ", preview);
    }

    [Fact]
    public async Task S4_2_bodyProperties_limits_the_part_properties()
    {
        var (client, id) = await ImportAsync(Bytes(Simple("Body properties")));
        using var _ = client;
        var email = await EmailAsync(client, id, ["textBody"], new JsonObject { ["bodyProperties"] = new JsonArray("partId", "type") });
        Assert.Equal(["partId", "type"], Keys(email["textBody"]![0]).Order().ToList());
        Assert.Equal("invalidArguments", await client.ErrorAsync("Email/get", new JsonObject { ["ids"] = new JsonArray(id), ["bodyProperties"] = new JsonArray("colour") }));
    }

    [Fact]
    public async Task S4_2_fetchTextBodyValues_fetchHTMLBodyValues_and_fetchAllBodyValues_choose_the_parts()
    {
        var message = Simple("Body values");
        var alternative = new MultipartAlternative { new TextPart("plain") { Text = "plain text" }, new TextPart("html") { Text = "<p>html</p>" } };
        var note = new TextPart("plain") { Text = "attached note", FileName = "note.txt" };
        note.ContentDisposition = new ContentDisposition(ContentDisposition.Attachment) { FileName = "note.txt" };
        message.Body = new Multipart("mixed") { alternative, note };
        var (client, id) = await ImportAsync(Bytes(message));
        using var _ = client;
        var properties = new[] { "bodyValues", "textBody", "htmlBody", "attachments" };
        var none = await EmailAsync(client, id, properties);
        Assert.Empty(none["bodyValues"]!.AsObject());
        var text = await EmailAsync(client, id, properties, new JsonObject { ["fetchTextBodyValues"] = true });
        Assert.Equal(PartIds(text["textBody"]), Keys(text["bodyValues"]));
        Assert.Equal("plain text", text["bodyValues"]![PartIds(text["textBody"])[0]]!["value"]!.GetValue<string>().TrimEnd());
        var html = await EmailAsync(client, id, properties, new JsonObject { ["fetchHTMLBodyValues"] = true });
        Assert.Equal(PartIds(html["htmlBody"]), Keys(html["bodyValues"]));
        var all = await EmailAsync(client, id, properties, new JsonObject { ["fetchAllBodyValues"] = true });
        Assert.Equal(3, Keys(all["bodyValues"]).Count);
        Assert.Contains(PartIds(all["attachments"])[0], Keys(all["bodyValues"]));
    }

    [Fact]
    public async Task S4_2_maxBodyValueBytes_truncates_without_splitting_a_utf8_sequence()
    {
        // RFC 8621 §4.2: maxBodyValueBytes: "the value ... MUST be truncated ... the server MUST ensure the truncation results in valid UTF-8".
        var (client, id) = await ImportAsync(Bytes(Simple("Truncated", "aéééé")));
        using var _ = client;
        var email = await EmailAsync(client, id, ["bodyValues", "textBody"], new JsonObject { ["fetchTextBodyValues"] = true, ["maxBodyValueBytes"] = 4 });
        var value = email["bodyValues"]![PartIds(email["textBody"])[0]]!;
        Assert.Equal("aé", value["value"]!.GetValue<string>());
        Assert.True(value["isTruncated"]!.GetValue<bool>());
        Assert.False(value["isEncodingProblem"]!.GetValue<bool>());
        var full = await EmailAsync(client, id, ["bodyValues", "textBody"], new JsonObject { ["fetchTextBodyValues"] = true });
        Assert.False(full["bodyValues"]![PartIds(full["textBody"])[0]]!["isTruncated"]!.GetValue<bool>());
        Assert.Equal("invalidArguments", await client.ErrorAsync("Email/get", new JsonObject { ["ids"] = new JsonArray(id), ["maxBodyValueBytes"] = -1 }));
    }

    [Theory]
    [InlineData("Content-Type: text/plain; charset=x-no-such-charset\n\nbody\n")]
    [InlineData("Content-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: base64\n\n!!!not base64 at all!!!\n")]
    public async Task S4_2_isEncodingProblem_is_set_for_an_unknown_charset_or_a_broken_transfer_encoding(string part)
    {
        // RFC 8621 §4.1.4: isEncodingProblem: "This is true if malformed sections were found while decoding the charset, or the charset was unknown, or the content-transfer-encoding was unknown."
        var (client, id) = await ImportAsync(Crlf("From: a@elsewhere.test\nSubject: Encoding problem\nMIME-Version: 1.0\n" + part));
        using var _ = client;
        var email = await EmailAsync(client, id, ["bodyValues", "textBody"], new JsonObject { ["fetchTextBodyValues"] = true });
        var value = email["bodyValues"]![PartIds(email["textBody"])[0]]!;
        Assert.True(value["isEncodingProblem"]!.GetValue<bool>(), value.ToJsonString());
    }

    [Fact]
    public async Task S4_2_a_latin1_body_is_decoded_to_unicode()
    {
        var raw = Crlf("From: a@elsewhere.test\nSubject: Latin\nMIME-Version: 1.0\nContent-Type: text/plain; charset=iso-8859-1\nContent-Transfer-Encoding: quoted-printable\n\nna=EFve caf=E9\n");
        var (client, id) = await ImportAsync(raw);
        using var _ = client;
        var email = await EmailAsync(client, id, ["bodyValues", "textBody"], new JsonObject { ["fetchTextBodyValues"] = true });
        var value = email["bodyValues"]![PartIds(email["textBody"])[0]]!;
        Assert.Equal("naïve café", value["value"]!.GetValue<string>().TrimEnd());
        Assert.False(value["isEncodingProblem"]!.GetValue<bool>());
    }
}
