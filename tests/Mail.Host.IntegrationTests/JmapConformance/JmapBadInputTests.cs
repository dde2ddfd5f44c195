using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using static Mail.Host.IntegrationTests.JmapConformance.PartAHelpers;

namespace Mail.Host.IntegrationTests.JmapConformance;

/// <summary>
/// Bad input to the API endpoint: each gets the RFC's error (never a 500, never a dropped connection), and the
/// server answers the next request normally.
/// </summary>
[Collection(DeploymentCollection.Name)]
public sealed class JmapBadInputTests(DeploymentFixture fixture)
{
    private static async Task AssertStillAnsweringAsync(JmapClient client)
    {
        var responses = await client.CallAsync([Core], Call("Core/echo", new JsonObject { ["alive"] = true }, "alive"));
        Assert.True(responses[0]![1]!["alive"]!.GetValue<bool>());
    }

    private static async Task AssertProblemAsync(JmapClient client, byte[] body, string type, string contentType = "application/json")
    {
        var (status, mediaType, problem) = await client.PostRawAsync(body, contentType);
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal("application/problem+json", mediaType);
        Assert.Equal(type, problem!["type"]!.GetValue<string>());
        await AssertStillAnsweringAsync(client);
    }

    [Theory]
    [InlineData("{")]
    [InlineData("{\"using\":[],\"methodCalls\":[]")]
    [InlineData("{'using':[],'methodCalls':[]}")]
    [InlineData("{\"using\":[],\"methodCalls\":[],}")]
    [InlineData("{\"using\":[],\"methodCalls\":[]} trailing")]
    [InlineData("NaN")]
    public async Task Malformed_json_is_notJSON(string body)
    {
        // RFC 8620 §3.6.1: "notJSON: ... the request did not parse as I-JSON."
        var server = await JmapTestServer.GetAsync(fixture);
        var client = await server.SharedClientAsync();
        await AssertProblemAsync(client, Encoding.UTF8.GetBytes(body), "urn:ietf:params:jmap:error:notJSON");
    }

    [Theory]
    [InlineData("text/plain")]
    [InlineData("application/x-www-form-urlencoded")]
    [InlineData("multipart/form-data; boundary=x")]
    public async Task A_wrong_content_type_is_notJSON(string contentType)
    {
        // RFC 8620 §3.6.1: "notJSON: The content type of the request was not application/json"
        var server = await JmapTestServer.GetAsync(fixture);
        var client = await server.SharedClientAsync();
        await AssertProblemAsync(client, Encoding.UTF8.GetBytes("{\"using\":[],\"methodCalls\":[]}"), "urn:ietf:params:jmap:error:notJSON", contentType);
    }

    [Fact]
    public async Task No_content_type_at_all_is_notJSON()
    {
        // RFC 8620 §3.6.1: the content type must be application/json.
        var server = await JmapTestServer.GetAsync(fixture);
        var client = await server.SharedClientAsync();
        using var content = new ByteArrayContent(Encoding.UTF8.GetBytes("{\"using\":[],\"methodCalls\":[]}"));
        using var response = await client.Http.PostAsync("/jmap/api/", content);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("notJSON", await response.Content.ReadAsStringAsync());
        await AssertStillAnsweringAsync(client);
    }

    [Fact]
    public async Task An_unknown_capability_is_unknownCapability_and_the_server_goes_on()
    {
        // RFC 8620 §3.6.1: unknownCapability.
        var server = await JmapTestServer.GetAsync(fixture);
        var client = await server.SharedClientAsync();
        await AssertProblemAsync(client, Encoding.UTF8.GetBytes("{\"using\":[\"urn:ietf:params:jmap:core\",\"urn:ietf:params:jmap:calendars-not-here\"],\"methodCalls\":[]}"), "urn:ietf:params:jmap:error:unknownCapability");
    }

    [Fact]
    public async Task Over_maxSizeRequest_without_a_content_length_is_the_limit_error()
    {
        // RFC 8620 §3.6.1: "limit: A limit ... has been reached"; "the 'limit' property MUST name the limit" (a chunked body has no Content-Length).
        var server = await JmapTestServer.GetAsync(fixture);
        using var client = await server.NewUserAsync();
        var max = client.CoreLimit("maxSizeRequest");
        var body = new byte[max + 1024];
        Array.Fill(body, (byte)' ');
        using var content = new StreamContent(new MemoryStream(body));
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        using var request = new HttpRequestMessage(HttpMethod.Post, "/jmap/api/") { Content = content };
        request.Headers.TransferEncodingChunked = true;
        using var response = await client.Http.SendAsync(request);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var problem = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
        Assert.Equal("urn:ietf:params:jmap:error:limit", problem["type"]!.GetValue<string>());
        Assert.Equal("maxSizeRequest", problem["limit"]!.GetValue<string>());
        await AssertStillAnsweringAsync(client);
    }

    [Fact]
    public async Task Over_maxConcurrentRequests_is_the_limit_error_or_served()
    {
        // RFC 8620 §2: "maxConcurrentRequests: The maximum number of concurrent requests the server will accept to the API endpoint."
        var server = await JmapTestServer.GetAsync(fixture);
        using var client = await server.NewUserAsync();
        var max = (int)client.CoreLimit("maxConcurrentRequests");
        var request = Encoding.UTF8.GetBytes(Request(Call("Mailbox/get", new JsonObject { ["accountId"] = client.AccountId, ["ids"] = null }, "g")).ToJsonString());
        var results = await Task.WhenAll(Enumerable.Range(0, max * 4).Select(_ => client.PostRawAsync(request)));
        foreach (var (status, _, body) in results)
        {
            if (status == HttpStatusCode.OK)
            {
                continue;
            }

            Assert.Equal(HttpStatusCode.BadRequest, status);
            Assert.Equal("urn:ietf:params:jmap:error:limit", body!["type"]!.GetValue<string>());
            Assert.Equal("maxConcurrentRequests", body["limit"]!.GetValue<string>());
        }

        Assert.Contains(results, r => r.Status == HttpStatusCode.OK);
        await AssertStillAnsweringAsync(client);
    }

    [Fact]
    public async Task Over_maxObjectsInSet_on_create_is_requestTooLarge()
    {
        // RFC 8620 §5.3: requestTooLarge when create+update+destroy exceeds maxObjectsInSet.
        var server = await JmapTestServer.GetAsync(fixture);
        using var client = await server.NewUserAsync();
        var max = (int)client.CoreLimit("maxObjectsInSet");
        var create = new JsonObject();
        for (var i = 0; i <= max; i++)
        {
            create["c" + i] = new JsonObject { ["name"] = "Too many " + i };
        }

        Assert.Equal("requestTooLarge", await client.ErrorAsync("Mailbox/set", new JsonObject { ["create"] = create }));
        var list = await client.OkAsync("Mailbox/get", new JsonObject { ["ids"] = null, ["properties"] = new JsonArray("name") });
        Assert.DoesNotContain(list["list"]!.AsArray(), m => m!["name"]!.GetValue<string>().StartsWith("Too many", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("42")]
    [InlineData("{\"id\":\"M1\"}")]
    [InlineData("true")]
    [InlineData("[\"M1\"]")]
    public async Task An_id_of_the_wrong_json_type_is_invalidArguments(string idJson)
    {
        // RFC 8620 §3.6.2: "invalidArguments: One of the arguments is of the wrong type"
        var server = await JmapTestServer.GetAsync(fixture);
        var client = await server.SharedClientAsync();
        var id = JsonNode.Parse(idJson);
        Assert.Equal("invalidArguments", await client.ErrorAsync("Mailbox/get", new JsonObject { ["ids"] = new JsonArray(id) }));
        Assert.Equal("invalidArguments", await client.ErrorAsync("Email/get", new JsonObject { ["ids"] = new JsonArray(id!.DeepClone()) }));
        Assert.Equal("invalidArguments", await client.ErrorAsync("Mailbox/set", new JsonObject { ["destroy"] = new JsonArray(id.DeepClone()) }));
        Assert.Equal("invalidArguments", await client.ErrorAsync("Email/query", new JsonObject { ["anchor"] = id.DeepClone() }));
        await AssertStillAnsweringAsync(client);
    }

    [Theory]
    [InlineData("parentId", "42")]
    [InlineData("role", "{\"x\":1}")]
    [InlineData("name", "[1]")]
    [InlineData("hasAnyRole", "\"yes\"")]
    [InlineData("isSubscribed", "7")]
    public async Task A_mailbox_filter_value_of_the_wrong_type_is_invalidArguments(string condition, string valueJson)
    {
        // RFC 8620 §5.5 / RFC 8621 §2.3: filter conditions have types; a value of another type is invalidArguments.
        var server = await JmapTestServer.GetAsync(fixture);
        var client = await server.SharedClientAsync();
        Assert.Equal("invalidArguments", await client.ErrorAsync("Mailbox/query", new JsonObject { ["filter"] = new JsonObject { [condition] = JsonNode.Parse(valueJson) } }));
        await AssertStillAnsweringAsync(client);
    }

    [Theory]
    [InlineData("{\"property\":\"name\",\"isAscending\":\"no\"}")]
    [InlineData("{\"property\":5}")]
    [InlineData("\"name\"")]
    public async Task A_sort_comparator_of_the_wrong_shape_is_invalidArguments(string comparatorJson)
    {
        // RFC 8620 §5.5: sort is Comparator[] with property (String), isAscending (Boolean), collation (String).
        var server = await JmapTestServer.GetAsync(fixture);
        var client = await server.SharedClientAsync();
        Assert.Equal("invalidArguments", await client.ErrorAsync("Mailbox/query", new JsonObject { ["sort"] = new JsonArray(JsonNode.Parse(comparatorJson)) }));
        Assert.Equal("invalidArguments", await client.ErrorAsync("Email/query", new JsonObject { ["sort"] = new JsonArray(JsonNode.Parse(comparatorJson)) }));
        await AssertStillAnsweringAsync(client);
    }

    [Fact]
    public async Task A_sort_that_is_not_an_array_is_invalidArguments()
    {
        // RFC 8620 §5.5: "sort: Comparator[]|null"
        var server = await JmapTestServer.GetAsync(fixture);
        var client = await server.SharedClientAsync();
        Assert.Equal("invalidArguments", await client.ErrorAsync("Mailbox/query", new JsonObject { ["sort"] = "name" }));
        Assert.Equal("invalidArguments", await client.ErrorAsync("Email/query", new JsonObject { ["sort"] = new JsonObject() }));
    }

    [Fact]
    public async Task A_9MB_property_name_inside_maxSizeRequest_is_answered_not_a_500()
    {
        // Issue item 7: a huge property name; maxSizeRequest is about 10 MB, so a 9 MB name is inside it.
        var server = await JmapTestServer.GetAsync(fixture);
        using var client = await server.NewUserAsync();
        var name = new string('p', (int)Math.Min(client.CoreLimit("maxSizeRequest") - 4096, 9 * 1024 * 1024));
        var body = Encoding.UTF8.GetBytes("{\"using\":[\"urn:ietf:params:jmap:core\",\"urn:ietf:params:jmap:mail\"],\"methodCalls\":[[\"Mailbox/set\",{\"accountId\":\"" + client.AccountId + "\",\"create\":{\"c\":{\"" + name + "\":1}}},\"s\"]]}");
        var (status, _, response) = await client.PostRawAsync(body);
        Assert.Equal(HttpStatusCode.OK, status);
        var error = response!["methodResponses"]![0]![1]!["notCreated"]!["c"]!;
        Assert.Equal("invalidProperties", error["type"]!.GetValue<string>());
        await AssertStillAnsweringAsync(client);
    }

    [Fact]
    public async Task A_10MB_property_name_is_the_maxSizeRequest_limit_error()
    {
        // Issue item 7: a 10 MB property name is over maxSizeRequest (10,000,000 bytes): limit, naming maxSizeRequest.
        var server = await JmapTestServer.GetAsync(fixture);
        var client = await server.SharedClientAsync();
        var body = Encoding.UTF8.GetBytes("{\"using\":[\"urn:ietf:params:jmap:core\"],\"methodCalls\":[[\"Core/echo\",{\"" + new string('k', 10 * 1024 * 1024) + "\":1},\"c\"]]}");
        var (status, _, problem) = await client.PostRawAsync(body);
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal("maxSizeRequest", problem!["limit"]!.GetValue<string>());
        await AssertStillAnsweringAsync(client);
    }

    [Theory]
    [InlineData(10_000)]
    [InlineData(200)]
    public async Task Deeply_nested_json_is_notJSON(int depth)
    {
        // Issue item 7: deep nesting is refused as a request error, not a stack overflow.
        var server = await JmapTestServer.GetAsync(fixture);
        var client = await server.SharedClientAsync();
        var body = "{\"using\":[\"urn:ietf:params:jmap:core\"],\"methodCalls\":[[\"Core/echo\",{\"x\":" + new string('[', depth) + new string(']', depth) + "},\"c\"]]}";
        await AssertProblemAsync(client, Encoding.UTF8.GetBytes(body), "urn:ietf:params:jmap:error:notJSON");
    }

    [Fact]
    public async Task Deeply_nested_objects_in_a_patch_are_answered()
    {
        // Issue item 7: nesting inside the allowed depth reaches the method and gets a method-level answer.
        var server = await JmapTestServer.GetAsync(fixture);
        using var client = await server.NewUserAsync();
        JsonNode nested = "leaf";
        for (var i = 0; i < 100; i++)
        {
            nested = new JsonObject { ["n"] = nested };
        }

        var id = await client.CreateMailboxAsync("Nested");
        var result = await client.OkAsync("Mailbox/set", new JsonObject { ["update"] = new JsonObject { [id] = new JsonObject { ["name"] = nested } } });
        Assert.Equal("invalidProperties", result["notUpdated"]![id]!["type"]!.GetValue<string>());
    }

    [Theory]
    [InlineData("[\"Core/echo\"]")]
    [InlineData("[\"Core/echo\",{}]")]
    [InlineData("[\"Core/echo\",{},\"c\",\"extra\"]")]
    [InlineData("\"Core/echo\"")]
    [InlineData("{\"name\":\"Core/echo\"}")]
    [InlineData("null")]
    [InlineData("[]")]
    public async Task A_method_call_that_is_not_a_three_element_array_is_notRequest(string call)
    {
        // RFC 8620 §3.3: "methodCalls: Invocation[]"; an Invocation is a tuple of 3 elements.
        var server = await JmapTestServer.GetAsync(fixture);
        var client = await server.SharedClientAsync();
        await AssertProblemAsync(client, Encoding.UTF8.GetBytes("{\"using\":[\"urn:ietf:params:jmap:core\"],\"methodCalls\":[" + call + "]}"), "urn:ietf:params:jmap:error:notRequest");
    }

    [Fact]
    public async Task Invalid_result_references_and_patch_paths_leave_the_server_answering()
    {
        // Issue item 7: invalid references and patch paths get their errors; the server goes on.
        var server = await JmapTestServer.GetAsync(fixture);
        using var client = await server.NewUserAsync();
        var id = await client.CreateMailboxAsync("Patch target");
        var responses = await client.CallsAsync(
            Call("Mailbox/get", new JsonObject { ["accountId"] = client.AccountId, ["#ids"] = new JsonObject { ["resultOf"] = "nope", ["name"] = "Mailbox/query", ["path"] = "/ids" } }, "a"),
            Call("Mailbox/set", new JsonObject { ["accountId"] = client.AccountId, ["update"] = new JsonObject { [id] = new JsonObject { ["name/deeper/still"] = "x", ["~3bad"] = 1 } } }, "b"),
            Call("Core/echo", new JsonObject { ["#x"] = new JsonObject { ["resultOf"] = "b", ["name"] = "Mailbox/set", ["path"] = "/updated/~9" } }, "c"));
        Assert.Equal("invalidResultReference", ErrorType(responses[0]));
        Assert.Contains(responses[1]![1]!["notUpdated"]![id]!["type"]!.GetValue<string>(), new[] { "invalidPatch", "invalidProperties" });
        Assert.Equal("invalidResultReference", ErrorType(responses[2]));
        await AssertStillAnsweringAsync(client);
    }

    [Fact]
    public async Task Get_put_and_delete_on_the_api_endpoint_are_405_problem_details()
    {
        // RFC 8620 §3.1: the API is used with POST.
        var server = await JmapTestServer.GetAsync(fixture);
        var client = await server.SharedClientAsync();
        using var get = await client.Http.GetAsync("/jmap/api/");
        Assert.Equal(HttpStatusCode.MethodNotAllowed, get.StatusCode);
        using var put = await client.Http.PutAsync("/jmap/api/", new StringContent("{}", Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.MethodNotAllowed, put.StatusCode);
        await AssertStillAnsweringAsync(client);
    }

    [Fact]
    public async Task Control_characters_and_lone_surrogates_in_strings_are_answered_not_a_500()
    {
        // RFC 8620 §1.5 (I-JSON): strings must be valid Unicode; escaped lone surrogates are not.
        var server = await JmapTestServer.GetAsync(fixture);
        using var client = await server.NewUserAsync();
        var body = Encoding.UTF8.GetBytes("{\"using\":[\"urn:ietf:params:jmap:core\",\"urn:ietf:params:jmap:mail\"],\"methodCalls\":[[\"Mailbox/set\",{\"accountId\":\"" + client.AccountId + "\",\"create\":{\"c\":{\"name\":\"a\\ud800b\\u0000\"}}},\"s\"]]}");
        var (status, _, response) = await client.PostRawAsync(body);
        var text = response?.ToJsonString() ?? "(no body)";
        if (status == HttpStatusCode.OK)
        {
            Assert.True(response!["methodResponses"]![0]![1]!["notCreated"]?["c"]?["type"]?.GetValue<string>() == "invalidProperties", text);
        }
        else
        {
            Assert.True(status == HttpStatusCode.BadRequest, $"{status}: {text}");
            Assert.True(response?["type"]?.GetValue<string>() == "urn:ietf:params:jmap:error:notJSON", text);
        }

        await AssertStillAnsweringAsync(client);
    }
}
