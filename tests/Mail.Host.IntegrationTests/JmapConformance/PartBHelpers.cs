using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using MimeKit;

namespace Mail.Host.IntegrationTests.JmapConformance;

/// <summary>
/// Helpers of the RFC 8621 mail conformance tests: messages uploaded and imported (faster than SMTP), emails read,
/// mailboxes made, and the small JSON conveniences the tests share.
/// </summary>
public static class PartBHelpers
{
    /// <summary>Uploads bytes to the account and returns the blobId.</summary>
    public static async Task<string> UploadAsync(JmapClient client, byte[] bytes, string type = "message/rfc822")
    {
        using var content = new ByteArrayContent(bytes);
        content.Headers.ContentType = MediaTypeHeaderValue.Parse(type);
        using var response = await client.Http.PostAsync($"/jmap/upload/{client.AccountId}/", content);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, text);
        return JsonNode.Parse(text)!["blobId"]!.GetValue<string>();
    }

    /// <summary>Literal RFC 5322 text with CRLF line ends (a lone LF in the source becomes CRLF).</summary>
    public static byte[] Crlf(string text) => Encoding.UTF8.GetBytes(text.Replace("\r\n", "\n", StringComparison.Ordinal).Replace("\n", "\r\n", StringComparison.Ordinal));

    /// <summary>Serializes a MimeKit message.</summary>
    public static byte[] Bytes(MimeMessage message)
    {
        using var stream = new MemoryStream();
        message.WriteTo(FormatOptions.Default, stream);
        return stream.ToArray();
    }

    /// <summary>A plain text message.</summary>
    public static MimeMessage Simple(string subject, string body = "Hello there", string from = "sender@elsewhere.test", string to = "rcpt@example.org", DateTimeOffset? date = null)
    {
        var message = new MimeMessage();
        message.From.Add(MailboxAddress.Parse(from));
        message.To.Add(MailboxAddress.Parse(to));
        message.Subject = subject;
        message.Date = date ?? new DateTimeOffset(2026, 11, 28, 10, 0, 0, TimeSpan.Zero);
        message.MessageId = Guid.NewGuid().ToString("N") + "@test";
        message.Body = new TextPart("plain") { Text = body };
        return message;
    }

    /// <summary>Imports a message into the given mailbox (the Inbox by default); returns the email id.</summary>
    public static async Task<string> ImportAsync(JmapClient client, byte[] raw, string? mailboxId = null, JsonObject? keywords = null, string? receivedAt = null, params string[] moreMailboxes)
    {
        var blobId = await UploadAsync(client, raw);
        var mailboxes = new JsonObject { [mailboxId ?? await client.MailboxIdAsync("inbox")] = true };
        foreach (var more in moreMailboxes)
        {
            mailboxes[more] = true;
        }

        var item = new JsonObject { ["blobId"] = blobId, ["mailboxIds"] = mailboxes };
        if (keywords is not null)
        {
            item["keywords"] = keywords;
        }

        if (receivedAt is not null)
        {
            item["receivedAt"] = receivedAt;
        }

        var result = await client.OkAsync("Email/import", new JsonObject { ["emails"] = new JsonObject { ["i"] = item } });
        Assert.True(result["created"]?["i"] is not null, result.ToJsonString());
        return result["created"]!["i"]!["id"]!.GetValue<string>();
    }

    /// <summary>Imports a MimeKit message.</summary>
    public static Task<string> ImportAsync(JmapClient client, MimeMessage message, string? mailboxId = null, JsonObject? keywords = null, string? receivedAt = null)
        => ImportAsync(client, Bytes(message), mailboxId, keywords, receivedAt);

    /// <summary>Email/get of one email with the given properties (and any extra arguments).</summary>
    public static async Task<JsonObject> EmailAsync(JmapClient client, string id, string[] properties, JsonObject? extra = null)
    {
        var arguments = extra ?? [];
        arguments["ids"] = new JsonArray(id);
        arguments["properties"] = new JsonArray([.. properties.Select(p => (JsonNode)p)]);
        var result = await client.OkAsync("Email/get", arguments);
        Assert.True(result["list"]!.AsArray().Count == 1, result.ToJsonString());
        return result["list"]![0]!.AsObject();
    }

    /// <summary>Mailbox/get of one mailbox.</summary>
    public static async Task<JsonObject> MailboxAsync(JmapClient client, string id)
    {
        var result = await client.OkAsync("Mailbox/get", new JsonObject { ["ids"] = new JsonArray(id) });
        return result["list"]![0]!.AsObject();
    }

    /// <summary>Creates a mailbox; returns its id.</summary>
    public static async Task<string> CreateMailboxAsync(JmapClient client, string name, string? parentId = null, JsonObject? more = null)
    {
        var item = more ?? [];
        item["name"] = name;
        if (parentId is not null)
        {
            item["parentId"] = parentId;
        }

        var result = await client.OkAsync("Mailbox/set", new JsonObject { ["create"] = new JsonObject { ["m"] = item } });
        Assert.True(result["created"]?["m"] is not null, result.ToJsonString());
        return result["created"]!["m"]!["id"]!.GetValue<string>();
    }

    /// <summary>Email/set update of one email; returns the SetError type or null when updated.</summary>
    public static async Task<string?> UpdateEmailAsync(JmapClient client, string id, JsonObject patch)
    {
        var result = await client.OkAsync("Email/set", new JsonObject { ["update"] = new JsonObject { [id] = patch } });
        return result["updated"]?.AsObject().ContainsKey(id) == true ? null : result["notUpdated"]![id]!["type"]!.GetValue<string>();
    }

    /// <summary>Email/set create of one email; returns the created object or the SetError.</summary>
    public static async Task<(JsonObject? Created, JsonObject? Error)> CreateEmailAsync(JmapClient client, JsonObject email)
    {
        var result = await client.OkAsync("Email/set", new JsonObject { ["create"] = new JsonObject { ["k"] = email } });
        return (result["created"]?["k"]?.AsObject(), result["notCreated"]?["k"]?.AsObject());
    }

    /// <summary>Email/query ids for a filter (and optional sort).</summary>
    public static async Task<List<string>> QueryAsync(JmapClient client, JsonObject? filter, JsonArray? sort = null, bool collapseThreads = false)
    {
        var arguments = new JsonObject { ["filter"] = filter, ["collapseThreads"] = collapseThreads };
        if (sort is not null)
        {
            arguments["sort"] = sort;
        }

        return Ids((await client.OkAsync("Email/query", arguments))["ids"]);
    }

    /// <summary>The strings of a JSON array (empty for null).</summary>
    public static List<string> Ids(JsonNode? node) => node is JsonArray array ? [.. array.Select(i => i!.GetValue<string>())] : [];

    /// <summary>The keys of a JSON object (empty for null).</summary>
    public static List<string> Keys(JsonNode? node) => node is JsonObject obj ? [.. obj.Select(p => p.Key)] : [];

    /// <summary>A sort comparator.</summary>
    public static JsonArray Sort(string property, bool ascending = true, string? keyword = null)
    {
        var comparator = new JsonObject { ["property"] = property, ["isAscending"] = ascending };
        if (keyword is not null)
        {
            comparator["keyword"] = keyword;
        }

        return new JsonArray(comparator);
    }
}
