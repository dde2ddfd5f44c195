using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using MailKit.Net.Imap;
using MailKit.Security;

namespace Mail.Host.IntegrationTests.JmapConformance;

/// <summary>
/// Shared steps of the RFC 8621 (identity, submission, vacation), RFC 9404, RFC 9425, authorization and consistency
/// conformance tests: accounts with quotas, drafts, raw imports, submissions and IMAP sessions.
/// </summary>
public static class PartCHelpers
{
    public const string Submission = "urn:ietf:params:jmap:submission";
    public const string Vacation = "urn:ietf:params:jmap:vacationresponse";
    public const string Blob = "urn:ietf:params:jmap:blob";
    public const string Quota = "urn:ietf:params:jmap:quota";

    private static int counter;

    /// <summary>A new account with the given quotas (null: none) and a client logged in to it with HTTP Basic.</summary>
    public static async Task<JmapClient> NewUserAsync(JmapTestServer server, string prefix, long? quotaBytes = null, long? quotaMessages = null, params string[] extraAddresses)
    {
        var name = $"{prefix}{Interlocked.Increment(ref counter)}c{Environment.ProcessId}";
        var address = $"{name}@example.org";
        string[] addresses = [address, .. extraAddresses.Select(a => a.Replace("{name}", name, StringComparison.Ordinal))];
        using var response = await server.Mail.SendAsync(HttpMethod.Post, "/api/admin/accounts", JsonContent.Create(new
        {
            name,
            password = JmapTestServer.PasswordOf(name),
            addresses,
            quotaBytes,
            quotaMessages,
        }));
        Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync());
        var client = new JmapClient(server.BaseUrl, name, address);
        client.UseBasic(name, JmapTestServer.PasswordOf(name));
        await client.LoadSessionAsync();
        return client;
    }

    public static async Task<string> IdentityIdAsync(JmapClient client)
        => (await client.OkAsync("Identity/get", new JsonObject(), Submission))["list"]![0]!["id"]!.GetValue<string>();

    /// <summary>Creates an email in Drafts from JMAP properties (from the client's address unless given); returns its id.</summary>
    public static async Task<string> CreateDraftAsync(JmapClient client, JsonObject properties)
    {
        var drafts = await client.MailboxIdAsync("drafts");
        properties["mailboxIds"] ??= new JsonObject { [drafts] = true };
        properties["from"] ??= new JsonArray(new JsonObject { ["email"] = client.Address });
        properties["subject"] ??= "Draft";
        if (!properties.ContainsKey("textBody"))
        {
            properties["textBody"] = new JsonArray(new JsonObject { ["partId"] = "1" });
            properties["bodyValues"] = new JsonObject { ["1"] = new JsonObject { ["value"] = "Body text." } };
        }

        var set = await client.OkAsync("Email/set", new JsonObject { ["create"] = new JsonObject { ["d"] = properties } });
        Assert.True(set["created"]?["d"] is not null, set.ToJsonString());
        return set["created"]!["d"]!["id"]!.GetValue<string>();
    }

    /// <summary>A draft to the given recipients.</summary>
    public static Task<string> DraftToAsync(JmapClient client, string subject, params string[] to)
        => CreateDraftAsync(client, new JsonObject
        {
            ["subject"] = subject,
            ["to"] = new JsonArray([.. to.Select(t => (JsonNode)new JsonObject { ["email"] = t })]),
        });

    /// <summary>Uploads a raw message and imports it into Drafts; returns the email id.</summary>
    public static async Task<string> ImportRawAsync(JmapClient client, string raw)
    {
        var blobId = await UploadAsync(client, Encoding.UTF8.GetBytes(raw.ReplaceLineEndings("\r\n")), "message/rfc822");
        var drafts = await client.MailboxIdAsync("drafts");
        var imported = await client.OkAsync("Email/import", new JsonObject
        {
            ["emails"] = new JsonObject { ["i"] = new JsonObject { ["blobId"] = blobId, ["mailboxIds"] = new JsonObject { [drafts] = true } } },
        });
        Assert.True(imported["created"]?["i"] is not null, imported.ToJsonString());
        return imported["created"]!["i"]!["id"]!.GetValue<string>();
    }

    public static async Task<string> UploadAsync(JmapClient client, byte[] data, string type = "application/octet-stream")
    {
        using var content = new ByteArrayContent(data);
        content.Headers.ContentType = MediaTypeHeaderValue.Parse(type);
        using var response = await client.Http.PostAsync($"/jmap/upload/{client.AccountId}/", content);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.Created, text);
        return JsonNode.Parse(text)!["blobId"]!.GetValue<string>();
    }

    /// <summary>One EmailSubmission/set with a single create "s" (and any extra arguments); returns its arguments.</summary>
    public static Task<JsonObject> SubmitAsync(JmapClient client, JsonObject create, JsonObject? extra = null)
    {
        var arguments = extra ?? [];
        arguments["create"] = new JsonObject { ["s"] = create };
        return client.OkAsync("EmailSubmission/set", arguments, Submission);
    }

    /// <summary>The SetError type of a create that must fail.</summary>
    public static string NotCreated(JsonObject setResult, string creationId = "s")
    {
        Assert.True(setResult["notCreated"]?[creationId] is not null, setResult.ToJsonString());
        return setResult["notCreated"]![creationId]!["type"]!.GetValue<string>();
    }

    /// <summary>The id of a create that must succeed.</summary>
    public static string Created(JsonObject setResult, string creationId = "s")
    {
        Assert.True(setResult["created"]?[creationId] is not null, setResult.ToJsonString());
        return setResult["created"]![creationId]!["id"]!.GetValue<string>();
    }

    /// <summary>The ids of the emails in the account (newest first).</summary>
    public static async Task<List<string>> EmailIdsAsync(JmapClient client, JsonObject? filter = null)
    {
        var query = await client.OkAsync("Email/query", new JsonObject { ["filter"] = filter });
        return [.. query["ids"]!.AsArray().Select(i => i!.GetValue<string>())];
    }

    /// <summary>The raw bytes of an email, downloaded through its blobId.</summary>
    public static async Task<string> RawEmailAsync(JmapClient client, string emailId)
    {
        var email = await client.OkAsync("Email/get", new JsonObject { ["ids"] = new JsonArray(emailId), ["properties"] = new JsonArray("blobId") });
        var blobId = email["list"]![0]!["blobId"]!.GetValue<string>();
        using var response = await client.Http.GetAsync($"/jmap/download/{client.AccountId}/{blobId}/m.eml");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await response.Content.ReadAsStringAsync();
    }

    public static async Task<ImapClient> ImapAsync(JmapTestServer server, JmapClient user)
    {
        var imap = new ImapClient();
        imap.ServerCertificateValidationCallback = (_, _, _, _) => true;
        await imap.ConnectAsync("127.0.0.1", server.ImapPort, SecureSocketOptions.None);
        await imap.AuthenticateAsync(user.Name, JmapTestServer.PasswordOf(user.Name));
        return imap;
    }

    public static JsonArray Ids(params string[] ids) => new([.. ids.Select(i => (JsonNode)i)]);
}
