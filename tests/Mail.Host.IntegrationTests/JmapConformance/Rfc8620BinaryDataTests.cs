using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using static Mail.Host.IntegrationTests.JmapConformance.PartAHelpers;

namespace Mail.Host.IntegrationTests.JmapConformance;

/// <summary>RFC 8620 §6: uploading and downloading binary data, and Blob/copy.</summary>
[Collection(DeploymentCollection.Name)]
public sealed class Rfc8620BinaryDataTests(DeploymentFixture fixture)
{
    private static string DownloadPath(JmapClient client, string accountId, string blobId, string type, string name)
    {
        var template = client.Session["downloadUrl"]!.GetValue<string>();
        return template.Replace("{accountId}", Uri.EscapeDataString(accountId)).Replace("{blobId}", Uri.EscapeDataString(blobId))
            .Replace("{type}", Uri.EscapeDataString(type)).Replace("{name}", Uri.EscapeDataString(name));
    }

    [Fact]
    public async Task Rfc8620_6_1_the_upload_response_has_accountId_blobId_type_and_size()
    {
        // RFC 8620 §6.1: the response is a JSON object with accountId, blobId, type and size.
        var server = await JmapTestServer.GetAsync(fixture);
        using var client = await server.NewUserAsync();
        var (status, body) = await client.UploadAsync(Encoding.UTF8.GetBytes("hello blob"), "text/plain");
        Assert.Equal(HttpStatusCode.Created, status);
        Assert.Equal(client.AccountId, body!["accountId"]!.GetValue<string>());
        Assert.False(string.IsNullOrEmpty(body["blobId"]!.GetValue<string>()));
        Assert.StartsWith("text/plain", body["type"]!.GetValue<string>());
        Assert.Equal(10, body["size"]!.GetValue<int>());
    }

    [Fact]
    public async Task Rfc8620_6_1_the_same_content_uploaded_twice_may_get_the_same_blobId_and_an_empty_upload_works()
    {
        // RFC 8620 §6.1: blob ids identify content; an empty upload is a valid blob of size 0.
        var server = await JmapTestServer.GetAsync(fixture);
        using var client = await server.NewUserAsync();
        var (_, first) = await client.UploadAsync([9, 8, 7]);
        var (_, second) = await client.UploadAsync([9, 8, 7]);
        Assert.Equal(first!["blobId"]!.GetValue<string>(), second!["blobId"]!.GetValue<string>());
        var (status, empty) = await client.UploadAsync([]);
        Assert.Equal(HttpStatusCode.Created, status);
        Assert.Equal(0, empty!["size"]!.GetValue<int>());
    }

    [Fact]
    public async Task Rfc8620_6_2_download_uses_the_type_and_name_from_the_url_template()
    {
        // RFC 8620 §6.2: "type: The type for the server to set in the Content-Type header"; "name: The name for the file in the Content-Disposition header"
        var server = await JmapTestServer.GetAsync(fixture);
        using var client = await server.NewUserAsync();
        var data = Encoding.UTF8.GetBytes("%PDF-1.4 not really");
        var (_, uploaded) = await client.UploadAsync(data, "application/octet-stream");
        var blobId = uploaded!["blobId"]!.GetValue<string>();
        using var response = await client.Http.GetAsync(DownloadPath(client, client.AccountId, blobId, "application/pdf", "report 2026.pdf"));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/pdf", response.Content.Headers.ContentType?.MediaType);
        var disposition = response.Content.Headers.ContentDisposition;
        Assert.NotNull(disposition);
        Assert.Equal("report 2026.pdf", (disposition!.FileNameStar ?? disposition.FileName)!.Trim('"'));
        Assert.Equal(data, await response.Content.ReadAsByteArrayAsync());
    }

    [Fact]
    public async Task Rfc8620_6_2_an_unknown_blob_is_404()
    {
        // RFC 8620 §6.2: a blob the account does not have is not found (an HTTP 404).
        var server = await JmapTestServer.GetAsync(fixture);
        using var client = await server.NewUserAsync();
        using var response = await client.Http.GetAsync(DownloadPath(client, client.AccountId, "Gnothere", "text/plain", "x.txt"));
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }

    [Fact]
    public async Task Rfc8620_6_1_an_upload_to_another_users_account_is_refused()
    {
        // RFC 8620 §6.1: the accountId in the upload URL must be an account the user can write to.
        var server = await JmapTestServer.GetAsync(fixture);
        using var client = await server.NewUserAsync();
        using var other = await server.NewUserAsync();
        var (status, _) = await client.UploadAsync([1], accountId: other.AccountId);
        Assert.True(status is HttpStatusCode.NotFound or HttpStatusCode.Forbidden, status.ToString());
        var (unknown, _) = await client.UploadAsync([1], accountId: "Anowhere");
        Assert.True(unknown is HttpStatusCode.NotFound or HttpStatusCode.Forbidden, unknown.ToString());
    }

    [Fact]
    public async Task Rfc8620_6_1_up_to_maxConcurrentUpload_uploads_run_at_once()
    {
        // RFC 8620 §2: "maxConcurrentUpload: The maximum number of concurrent requests the server will accept to the upload endpoint."
        var server = await JmapTestServer.GetAsync(fixture);
        using var client = await server.NewUserAsync();
        var max = (int)client.CoreLimit("maxConcurrentUpload");
        var results = await Task.WhenAll(Enumerable.Range(0, max).Select(i => client.UploadAsync(Encoding.UTF8.GetBytes("parallel " + i))));
        Assert.All(results, r => Assert.Equal(HttpStatusCode.Created, r.Status));
    }

    [Fact]
    public async Task Rfc8620_6_3_Blob_copy_within_the_users_account_copies_known_blobs_and_reports_unknown_ones_notFound()
    {
        // RFC 8620 §6.3: "copied: Id[Id]|null A map of the blobId in the fromAccount to the id for the blob in the account it was copied to"; notCopied with a SetError.
        var server = await JmapTestServer.GetAsync(fixture);
        using var client = await server.NewUserAsync();
        var (_, uploaded) = await client.UploadAsync(Encoding.UTF8.GetBytes("copy this"));
        var blobId = uploaded!["blobId"]!.GetValue<string>();
        var responses = await client.CallAsync([Core], Call("Blob/copy", new JsonObject
        {
            ["fromAccountId"] = client.AccountId,
            ["accountId"] = client.AccountId,
            ["blobIds"] = new JsonArray(blobId, "Gnope"),
        }, "c"));
        var result = responses[0]![1]!;
        Assert.Equal("Blob/copy", responses[0]![0]!.GetValue<string>());
        Assert.Equal(client.AccountId, result["fromAccountId"]!.GetValue<string>());
        Assert.Equal(client.AccountId, result["accountId"]!.GetValue<string>());
        var copiedId = result["copied"]![blobId]!.GetValue<string>();
        Assert.Equal("notFound", result["notCopied"]!["Gnope"]!["type"]!.GetValue<string>());
        using var download = await client.Http.GetAsync(DownloadPath(client, client.AccountId, copiedId, "text/plain", "c.txt"));
        Assert.Equal("copy this", await download.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Rfc8620_6_3_Blob_copy_from_another_users_account_is_fromAccountNotFound()
    {
        // RFC 8620 §6.3: "fromAccountNotFound: The fromAccountId included with the request does not correspond to a valid account."
        var server = await JmapTestServer.GetAsync(fixture);
        using var client = await server.NewUserAsync();
        using var other = await server.NewUserAsync();
        var (_, uploaded) = await other.UploadAsync(Encoding.UTF8.GetBytes("not yours"));
        var responses = await client.CallAsync([Core], Call("Blob/copy", new JsonObject
        {
            ["fromAccountId"] = other.AccountId,
            ["accountId"] = client.AccountId,
            ["blobIds"] = new JsonArray(uploaded!["blobId"]!.GetValue<string>()),
        }, "c"));
        Assert.Equal("fromAccountNotFound", ErrorType(responses[0]));
        responses = await client.CallAsync([Core], Call("Blob/copy", new JsonObject
        {
            ["fromAccountId"] = client.AccountId,
            ["accountId"] = other.AccountId,
            ["blobIds"] = new JsonArray(),
        }, "d"));
        Assert.Equal("accountNotFound", ErrorType(responses[0]));
    }
}
