using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;

namespace Mail.Host.IntegrationTests;

/// <summary>
/// RFC 8620 (JMAP core) against the real server: the session resource, authentication, the API endpoint's
/// request-level errors (problem details) and method-level errors, result references, creation ids, limits, and
/// upload/download. Each test names the requirement it checks.
/// </summary>
[Collection(DeploymentCollection.Name)]
public sealed class JmapCoreTests(DeploymentFixture fixture)
{
    private static readonly string[] Core = ["urn:ietf:params:jmap:core"];

    [Fact]
    public async Task WellKnown_jmap_redirects_to_the_session_resource()
    {
        var server = await JmapTestServer.GetAsync(fixture);
        using var http = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false }) { BaseAddress = new Uri(server.BaseUrl) };
        using var response = await http.GetAsync("/.well-known/jmap");
        Assert.True((int)response.StatusCode is >= 300 and < 400, response.StatusCode.ToString());
        Assert.EndsWith("/jmap/session", response.Headers.Location!.ToString());
    }

    [Fact]
    public async Task Session_needs_credentials_and_refuses_wrong_ones_with_401()
    {
        var server = await JmapTestServer.GetAsync(fixture);
        using var http = new HttpClient { BaseAddress = new Uri(server.BaseUrl) };
        using var anonymous = await http.GetAsync("/jmap/session");
        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        Assert.Contains("Basic", anonymous.Headers.WwwAuthenticate.ToString());
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes("nobody:wrong")));
        using var wrong = await http.GetAsync("/jmap/session");
        Assert.Equal(HttpStatusCode.Unauthorized, wrong.StatusCode);
        Assert.Equal("application/problem+json", wrong.Content.Headers.ContentType?.MediaType);
        using var api = await http.PostAsync("/jmap/api/", new StringContent("{}", Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.Unauthorized, api.StatusCode);
    }

    [Fact]
    public async Task Session_lists_every_capability_with_its_limits_and_the_users_account()
    {
        var server = await JmapTestServer.GetAsync(fixture);
        using var client = await server.NewUserAsync();
        var session = client.Session;
        var core = session["capabilities"]!["urn:ietf:params:jmap:core"]!.AsObject();
        foreach (var limit in new[] { "maxSizeUpload", "maxConcurrentUpload", "maxSizeRequest", "maxConcurrentRequests", "maxCallsInRequest", "maxObjectsInGet", "maxObjectsInSet" })
        {
            Assert.True(core[limit]!.GetValue<long>() > 0, limit);
        }

        Assert.Contains("i;unicode-casemap", core["collationAlgorithms"]!.AsArray().Select(a => a!.GetValue<string>()));
        foreach (var capability in new[] { "urn:ietf:params:jmap:mail", "urn:ietf:params:jmap:submission", "urn:ietf:params:jmap:vacationresponse", "urn:ietf:params:jmap:websocket", "urn:ietf:params:jmap:blob", "urn:ietf:params:jmap:quota" })
        {
            Assert.NotNull(session["capabilities"]![capability]);
        }

        var account = session["accounts"]![client.AccountId]!.AsObject();
        Assert.True(account["isPersonal"]!.GetValue<bool>());
        Assert.False(account["isReadOnly"]!.GetValue<bool>());
        Assert.NotNull(account["accountCapabilities"]!["urn:ietf:params:jmap:mail"]!["emailQuerySortOptions"]);
        Assert.Equal(client.Name, session["username"]!.GetValue<string>());
        Assert.Contains("{accountId}", session["downloadUrl"]!.GetValue<string>());
        Assert.Contains("{blobId}", session["downloadUrl"]!.GetValue<string>());
        Assert.Contains("{accountId}", session["uploadUrl"]!.GetValue<string>());
        Assert.Contains("{types}", session["eventSourceUrl"]!.GetValue<string>());
        Assert.StartsWith("ws://", session["capabilities"]!["urn:ietf:params:jmap:websocket"]!["url"]!.GetValue<string>());
        Assert.False(string.IsNullOrEmpty(session["state"]!.GetValue<string>()));
    }

    [Fact]
    public async Task Bearer_tokens_are_issued_by_the_admin_api_authenticate_and_can_be_revoked()
    {
        var server = await JmapTestServer.GetAsync(fixture);
        using var basic = await server.NewUserAsync();
        var (status, body) = await server.IssueTokenAsync(basic.Name);
        Assert.Equal(HttpStatusCode.Created, status);
        var token = body!["token"]!.GetValue<string>();
        using var bearer = new JmapClient(server.BaseUrl, basic.Name, basic.Address);
        bearer.UseBearer(token);
        await bearer.LoadSessionAsync();
        Assert.Equal(basic.AccountId, bearer.AccountId);
        var echo = await bearer.OkAsync("Core/echo", new JsonObject { ["hello"] = true });
        Assert.True(echo["hello"]!.GetValue<bool>());

        // A user without the admin role cannot issue tokens.
        var request = new HttpRequestMessage(HttpMethod.Post, "/api/admin/jmap/tokens") { Content = new StringContent($"{{\"account\":\"{basic.Name}\"}}", Encoding.UTF8, "application/json") };
        using var forbidden = await basic.Http.SendAsync(request);
        Assert.Equal(HttpStatusCode.Forbidden, forbidden.StatusCode);

        using var revoke = await server.Mail.SendAsync(HttpMethod.Delete, "/api/admin/jmap/tokens", new StringContent($"{{\"token\":\"{token}\"}}", Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.NoContent, revoke.StatusCode);
        using var after = await bearer.Http.GetAsync("/jmap/session");
        Assert.Equal(HttpStatusCode.Unauthorized, after.StatusCode);

        bearer.UseBearer("mhj_not-a-token");
        using var bogus = await bearer.Http.GetAsync("/jmap/session");
        Assert.Equal(HttpStatusCode.Unauthorized, bogus.StatusCode);
    }

    [Fact]
    public async Task Core_echo_returns_its_arguments_with_the_method_call_id()
    {
        var server = await JmapTestServer.GetAsync(fixture);
        using var client = await server.NewUserAsync();
        var responses = await client.CallAsync(Core, new JsonArray("Core/echo", new JsonObject { ["a"] = 1, ["b"] = new JsonArray("x") }, "call-7"));
        var response = Assert.Single(responses)!.AsArray();
        Assert.Equal("Core/echo", response[0]!.GetValue<string>());
        Assert.Equal(1, response[1]!["a"]!.GetValue<int>());
        Assert.Equal("call-7", response[2]!.GetValue<string>());
    }

    [Theory]
    [InlineData("{\"using\": [", "application/json", "urn:ietf:params:jmap:error:notJSON")]
    [InlineData("{\"using\":[],\"methodCalls\":[]}", "text/plain", "urn:ietf:params:jmap:error:notJSON")]
    [InlineData("{\"using\":[],\"using\":[],\"methodCalls\":[]}", "application/json", "urn:ietf:params:jmap:error:notJSON")]
    [InlineData("[1,2,3]", "application/json", "urn:ietf:params:jmap:error:notRequest")]
    [InlineData("{\"methodCalls\":[]}", "application/json", "urn:ietf:params:jmap:error:notRequest")]
    [InlineData("{\"using\":[\"urn:ietf:params:jmap:core\"],\"methodCalls\":[[\"Core/echo\",{}]]}", "application/json", "urn:ietf:params:jmap:error:notRequest")]
    [InlineData("{\"using\":[\"urn:ietf:params:jmap:core\"],\"methodCalls\":[[\"Core/echo\",[],\"c\"]]}", "application/json", "urn:ietf:params:jmap:error:notRequest")]
    [InlineData("{\"using\":[\"urn:example:nope\"],\"methodCalls\":[]}", "application/json", "urn:ietf:params:jmap:error:unknownCapability")]
    public async Task Request_level_errors_are_problem_details_with_the_rfc_type(string body, string contentType, string type)
    {
        var server = await JmapTestServer.GetAsync(fixture);
        using var client = await server.NewUserAsync();
        var (status, mediaType, problem) = await client.PostRawAsync(Encoding.UTF8.GetBytes(body), contentType);
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal("application/problem+json", mediaType);
        Assert.Equal(type, problem!["type"]!.GetValue<string>());
        Assert.Equal(400, problem["status"]!.GetValue<int>());
    }

    [Fact]
    public async Task Requests_over_maxCallsInRequest_and_maxSizeRequest_get_the_limit_error_never_a_500()
    {
        var server = await JmapTestServer.GetAsync(fixture);
        using var client = await server.NewUserAsync();
        var core = client.Session["capabilities"]!["urn:ietf:params:jmap:core"]!;
        var maxCalls = core["maxCallsInRequest"]!.GetValue<int>();
        var calls = new JsonArray();
        for (var i = 0; i <= maxCalls; i++)
        {
            calls.Add(new JsonArray("Core/echo", new JsonObject(), "c" + i));
        }

        var (status, _, problem) = await client.PostAsync(new JsonObject { ["using"] = new JsonArray("urn:ietf:params:jmap:core"), ["methodCalls"] = calls });
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal("urn:ietf:params:jmap:error:limit", problem!["type"]!.GetValue<string>());
        Assert.Equal("maxCallsInRequest", problem["limit"]!.GetValue<string>());

        // A 10 MB string, over maxSizeRequest (10,000,000 bytes by default).
        var huge = new string('x', 10 * 1024 * 1024);
        var big = Encoding.UTF8.GetBytes($"{{\"using\":[\"urn:ietf:params:jmap:core\"],\"methodCalls\":[[\"Core/echo\",{{\"s\":\"{huge}\"}},\"c\"]]}}");
        (status, _, problem) = await client.PostRawAsync(big);
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal("urn:ietf:params:jmap:error:limit", problem!["type"]!.GetValue<string>());
        Assert.Equal("maxSizeRequest", problem["limit"]!.GetValue<string>());
    }

    [Fact]
    public async Task A_long_string_inside_the_limit_is_answered_by_the_method_not_a_500()
    {
        var server = await JmapTestServer.GetAsync(fixture);
        using var client = await server.NewUserAsync();
        var name = new string('n', 5 * 1024 * 1024);
        var result = await client.OkAsync("Mailbox/set", new JsonObject { ["create"] = new JsonObject { ["m"] = new JsonObject { ["name"] = name } } });
        Assert.Equal("invalidProperties", result["notCreated"]!["m"]!["type"]!.GetValue<string>());
        var query = await client.CallOneAsync("Email/query", new JsonObject { ["filter"] = new JsonObject { ["text"] = name } });
        Assert.Equal("error", query[0]!.GetValue<string>());
        Assert.Equal("invalidArguments", query[1]!["type"]!.GetValue<string>());
    }

    [Fact]
    public async Task Method_level_errors_unknownMethod_accountNotFound_invalidArguments_requestTooLarge()
    {
        var server = await JmapTestServer.GetAsync(fixture);
        using var client = await server.NewUserAsync();
        using var other = await server.NewUserAsync();
        Assert.Equal("unknownMethod", await client.ErrorAsync("Mailbox/fly", new JsonObject()));

        // A method of a capability the request is not using is unknown too.
        var responses = await client.CallAsync(Core, new JsonArray("Mailbox/get", new JsonObject { ["accountId"] = client.AccountId }, "c"));
        Assert.Equal("unknownMethod", responses[0]![1]!["type"]!.GetValue<string>());

        // Another user's account, or one that does not exist.
        Assert.Equal("accountNotFound", await client.ErrorAsync("Mailbox/get", new JsonObject { ["accountId"] = other.AccountId }));
        Assert.Equal("accountNotFound", await client.ErrorAsync("Mailbox/get", new JsonObject { ["accountId"] = "Anope" }));

        Assert.Equal("invalidArguments", await client.ErrorAsync("Mailbox/get", new JsonObject { ["ids"] = "M1" }));
        Assert.Equal("invalidArguments", await client.ErrorAsync("Mailbox/get", new JsonObject { ["accountId"] = 5 }));
        Assert.Equal("invalidArguments", await client.ErrorAsync("Mailbox/get", new JsonObject { ["properties"] = new JsonArray("flavour") }));

        var max = client.Session["capabilities"]!["urn:ietf:params:jmap:core"]!["maxObjectsInGet"]!.GetValue<int>();
        var ids = new JsonArray([.. Enumerable.Range(1, max + 1).Select(i => (JsonNode)("M" + i))]);
        Assert.Equal("requestTooLarge", await client.ErrorAsync("Mailbox/get", new JsonObject { ["ids"] = ids }));
        var maxSet = client.Session["capabilities"]!["urn:ietf:params:jmap:core"]!["maxObjectsInSet"]!.GetValue<int>();
        var destroy = new JsonArray([.. Enumerable.Range(1, maxSet + 1).Select(i => (JsonNode)("M" + i))]);
        Assert.Equal("requestTooLarge", await client.ErrorAsync("Mailbox/set", new JsonObject { ["destroy"] = destroy }));

        // The other calls of the request still run after one fails.
        responses = await client.CallAsync(JmapClient.MailUsing,
            new JsonArray("Nope/nope", new JsonObject(), "a"),
            new JsonArray("Core/echo", new JsonObject { ["x"] = 1 }, "b"));
        Assert.Equal("error", responses[0]![0]!.GetValue<string>());
        Assert.Equal("Core/echo", responses[1]![0]!.GetValue<string>());
    }

    [Fact]
    public async Task Ids_of_the_wrong_type_or_form_are_not_found()
    {
        var server = await JmapTestServer.GetAsync(fixture);
        using var client = await server.NewUserAsync();
        var inbox = await client.MailboxIdAsync("inbox");
        var result = await client.OkAsync("Email/get", new JsonObject { ["ids"] = new JsonArray(inbox, "E0", "E99999999999999999999999", "../etc", "E1") });
        Assert.Empty(result["list"]!.AsArray());
        Assert.Equal(5, result["notFound"]!.AsArray().Count);
        result = await client.OkAsync("Mailbox/get", new JsonObject { ["ids"] = new JsonArray("E1", "T1") });
        Assert.Equal(2, result["notFound"]!.AsArray().Count);
        result = await client.OkAsync("Thread/get", new JsonObject { ["ids"] = new JsonArray(inbox) });
        Assert.Single(result["notFound"]!.AsArray());
    }

    [Fact]
    public async Task Result_references_resolve_json_pointers_including_the_star_over_arrays()
    {
        var server = await JmapTestServer.GetAsync(fixture);
        using var client = await server.NewUserAsync();
        var responses = await client.CallAsync(JmapClient.MailUsing,
            new JsonArray("Mailbox/query", new JsonObject { ["accountId"] = client.AccountId, ["filter"] = new JsonObject { ["role"] = "inbox" } }, "q"),
            new JsonArray("Mailbox/get", new JsonObject
            {
                ["accountId"] = client.AccountId,
                ["#ids"] = new JsonObject { ["resultOf"] = "q", ["name"] = "Mailbox/query", ["path"] = "/ids" },
                ["properties"] = new JsonArray("name", "role"),
            }, "g"),
            new JsonArray("Core/echo", new JsonObject
            {
                ["#names"] = new JsonObject { ["resultOf"] = "g", ["name"] = "Mailbox/get", ["path"] = "/list/*/name" },
            }, "e"));
        Assert.Equal("inbox", responses[1]![1]!["list"]![0]!["role"]!.GetValue<string>());
        Assert.Equal("INBOX", responses[2]![1]!["names"]![0]!.GetValue<string>());
    }

    [Theory]
    [InlineData("q", "Mailbox/query", "/nothing/here")]
    [InlineData("missing", "Mailbox/query", "/ids")]
    [InlineData("q", "Mailbox/get", "/ids")]
    [InlineData("q", "Mailbox/query", "ids")]
    [InlineData("q", "Mailbox/query", "/ids/~2")]
    public async Task Invalid_result_references_give_invalidResultReference(string resultOf, string name, string path)
    {
        var server = await JmapTestServer.GetAsync(fixture);
        using var client = await server.NewUserAsync();
        var responses = await client.CallAsync(JmapClient.MailUsing,
            new JsonArray("Mailbox/query", new JsonObject { ["accountId"] = client.AccountId }, "q"),
            new JsonArray("Mailbox/get", new JsonObject
            {
                ["accountId"] = client.AccountId,
                ["#ids"] = new JsonObject { ["resultOf"] = resultOf, ["name"] = name, ["path"] = path },
            }, "g"));
        Assert.Equal("error", responses[1]![0]!.GetValue<string>());
        Assert.Equal("invalidResultReference", responses[1]![1]!["type"]!.GetValue<string>());
    }

    [Fact]
    public async Task A_reference_and_the_plain_argument_together_are_invalidArguments()
    {
        var server = await JmapTestServer.GetAsync(fixture);
        using var client = await server.NewUserAsync();
        var responses = await client.CallAsync(JmapClient.MailUsing,
            new JsonArray("Mailbox/query", new JsonObject { ["accountId"] = client.AccountId }, "q"),
            new JsonArray("Mailbox/get", new JsonObject
            {
                ["accountId"] = client.AccountId,
                ["ids"] = new JsonArray(),
                ["#ids"] = new JsonObject { ["resultOf"] = "q", ["name"] = "Mailbox/query", ["path"] = "/ids" },
            }, "g"));
        Assert.Equal("invalidArguments", responses[1]![1]!["type"]!.GetValue<string>());
    }

    [Fact]
    public async Task Creation_ids_are_usable_later_in_the_request_and_returned_in_createdIds()
    {
        var server = await JmapTestServer.GetAsync(fixture);
        using var client = await server.NewUserAsync();
        var request = new JsonObject
        {
            ["using"] = new JsonArray([.. JmapClient.MailUsing.Select(c => (JsonNode)c)]),
            ["methodCalls"] = new JsonArray(
                new JsonArray("Mailbox/set", new JsonObject { ["accountId"] = client.AccountId, ["create"] = new JsonObject { ["parent"] = new JsonObject { ["name"] = "Projects" } } }, "a"),
                new JsonArray("Mailbox/set", new JsonObject { ["accountId"] = client.AccountId, ["create"] = new JsonObject { ["child"] = new JsonObject { ["name"] = "Alpha", ["parentId"] = "#parent" } } }, "b"),
                new JsonArray("Mailbox/get", new JsonObject { ["accountId"] = client.AccountId, ["ids"] = new JsonArray("#child") }, "c")),
            ["createdIds"] = new JsonObject(),
        };
        var (status, _, body) = await client.PostAsync(request);
        Assert.Equal(HttpStatusCode.OK, status);
        var created = body!["createdIds"]!.AsObject();
        var parentId = created["parent"]!.GetValue<string>();
        var childId = created["child"]!.GetValue<string>();
        var child = body["methodResponses"]![2]![1]!["list"]![0]!;
        Assert.Equal(childId, child["id"]!.GetValue<string>());
        Assert.Equal(parentId, child["parentId"]!.GetValue<string>());
        Assert.Equal("Alpha", child["name"]!.GetValue<string>());
    }

    [Fact]
    public async Task State_checks_ifInState_mismatch_and_unknown_sinceState()
    {
        var server = await JmapTestServer.GetAsync(fixture);
        using var client = await server.NewUserAsync();
        Assert.Equal("stateMismatch", await client.ErrorAsync("Mailbox/set", new JsonObject { ["ifInState"] = "not-the-state", ["create"] = new JsonObject { ["x"] = new JsonObject { ["name"] = "X" } } }));
        Assert.Equal("cannotCalculateChanges", await client.ErrorAsync("Email/changes", new JsonObject { ["sinceState"] = "garbage" }));
        Assert.Equal("cannotCalculateChanges", await client.ErrorAsync("Mailbox/changes", new JsonObject { ["sinceState"] = "garbage" }));
        Assert.Equal("invalidArguments", await client.ErrorAsync("Email/changes", new JsonObject { ["sinceState"] = "x", ["maxChanges"] = 0 }));
    }

    [Fact]
    public async Task Upload_then_download_returns_the_same_bytes_and_never_another_accounts_blob()
    {
        var server = await JmapTestServer.GetAsync(fixture);
        using var alice = await server.NewUserAsync();
        using var bob = await server.NewUserAsync();
        var data = new byte[100_000];
        Random.Shared.NextBytes(data);
        var content = new ByteArrayContent(data);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/x-test");
        using var upload = await alice.Http.PostAsync($"/jmap/upload/{alice.AccountId}/", content);
        Assert.Equal(HttpStatusCode.Created, upload.StatusCode);
        var uploaded = JsonNode.Parse(await upload.Content.ReadAsStringAsync())!;
        var blobId = uploaded["blobId"]!.GetValue<string>();
        Assert.Equal(data.Length, uploaded["size"]!.GetValue<int>());
        Assert.Equal("application/x-test", uploaded["type"]!.GetValue<string>());
        Assert.Equal(alice.AccountId, uploaded["accountId"]!.GetValue<string>());

        using var download = await alice.Http.GetAsync($"/jmap/download/{alice.AccountId}/{blobId}/file.bin?accept=application/octet-stream");
        Assert.Equal(HttpStatusCode.OK, download.StatusCode);
        Assert.Equal(data, await download.Content.ReadAsByteArrayAsync());

        // Bob knows the id but it is not his: through his account, or through Alice's, it is not found.
        using var theirs = await bob.Http.GetAsync($"/jmap/download/{bob.AccountId}/{blobId}/file.bin");
        Assert.Equal(HttpStatusCode.NotFound, theirs.StatusCode);
        using var cross = await bob.Http.GetAsync($"/jmap/download/{alice.AccountId}/{blobId}/file.bin");
        Assert.Equal(HttpStatusCode.NotFound, cross.StatusCode);
        using var crossUpload = await bob.Http.PostAsync($"/jmap/upload/{alice.AccountId}/", new ByteArrayContent(data));
        Assert.Equal(HttpStatusCode.NotFound, crossUpload.StatusCode);

        // Email blobs of another account are not reachable either.
        await server.DeliverAsync(alice.Address, "Private");
        var query = await alice.OkAsync("Email/query", new JsonObject());
        var emailId = query["ids"]![0]!.GetValue<string>();
        var email = await alice.OkAsync("Email/get", new JsonObject { ["ids"] = new JsonArray(emailId), ["properties"] = new JsonArray("blobId") });
        var emailBlob = email["list"]![0]!["blobId"]!.GetValue<string>();
        using var own = await alice.Http.GetAsync($"/jmap/download/{alice.AccountId}/{emailBlob}/m.eml");
        Assert.Equal(HttpStatusCode.OK, own.StatusCode);
        Assert.Contains("Subject: Private", await own.Content.ReadAsStringAsync());
        using var stolen = await bob.Http.GetAsync($"/jmap/download/{bob.AccountId}/{emailBlob}/m.eml");
        Assert.Equal(HttpStatusCode.NotFound, stolen.StatusCode);
    }

    [Fact]
    public async Task Upload_over_maxSizeUpload_is_refused_with_the_limit()
    {
        var server = await JmapTestServer.GetAsync(fixture);
        using var client = await server.NewUserAsync();
        var max = client.Session["capabilities"]!["urn:ietf:params:jmap:core"]!["maxSizeUpload"]!.GetValue<long>();
        using var content = new ByteArrayContent(new byte[max + 1]);
        using var response = await client.Http.PostAsync($"/jmap/upload/{client.AccountId}/", content);
        Assert.True(response.StatusCode is HttpStatusCode.RequestEntityTooLarge or HttpStatusCode.BadRequest, response.StatusCode.ToString());
        Assert.Contains("maxSizeUpload", await response.Content.ReadAsStringAsync());
    }
}
