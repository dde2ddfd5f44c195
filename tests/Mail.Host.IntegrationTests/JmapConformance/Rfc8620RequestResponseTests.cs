using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using static Mail.Host.IntegrationTests.JmapConformance.PartAHelpers;

namespace Mail.Host.IntegrationTests.JmapConformance;

/// <summary>RFC 8620 §3.3-§3.6.1 and §4: the Request and Response objects, request-level errors and Core/echo.</summary>
[Collection(DeploymentCollection.Name)]
public sealed class Rfc8620RequestResponseTests(DeploymentFixture fixture)
{
    [Fact]
    public async Task Rfc8620_3_4_responses_come_in_call_order_with_the_clients_call_ids()
    {
        // RFC 8620 §3.4: "The output of the methods MUST be added to the methodResponses array in the same order that the methods are processed."
        var server = await JmapTestServer.GetAsync(fixture);
        using var client = await server.NewUserAsync();
        var responses = await client.CallsAsync(
            Call("Core/echo", new JsonObject { ["n"] = 1 }, "z-first"),
            Call("Mailbox/get", new JsonObject { ["accountId"] = client.AccountId, ["ids"] = new JsonArray() }, "a-second"),
            Call("Core/echo", new JsonObject { ["n"] = 3 }, "m-third"));
        Assert.Equal(["z-first", "a-second", "m-third"], responses.Select(r => r![2]!.GetValue<string>()));
        Assert.Equal(["Core/echo", "Mailbox/get", "Core/echo"], responses.Select(r => r![0]!.GetValue<string>()));
    }

    [Fact]
    public async Task Rfc8620_3_4_the_same_call_id_twice_is_answered_twice()
    {
        // RFC 8620 §3.2: the method call id is "an arbitrary string from the client"; nothing requires uniqueness.
        var server = await JmapTestServer.GetAsync(fixture);
        using var client = await server.NewUserAsync();
        var responses = await client.CallsAsync(Call("Core/echo", new JsonObject { ["n"] = 1 }, "same"), Call("Core/echo", new JsonObject { ["n"] = 2 }, "same"));
        Assert.Equal(2, responses.Count);
        Assert.Equal(2, responses[1]![1]!["n"]!.GetValue<int>());
    }

    [Fact]
    public async Task Rfc8620_3_4_every_response_has_sessionState_matching_the_session()
    {
        // RFC 8620 §3.4: "sessionState: String The current value of the 'state' string on the Session object"
        var server = await JmapTestServer.GetAsync(fixture);
        using var client = await server.NewUserAsync();
        var response = await client.SendAsync(Request());
        Assert.Empty(response["methodResponses"]!.AsArray());
        Assert.Equal(client.Session["state"]!.GetValue<string>(), response["sessionState"]!.GetValue<string>());
        Assert.Null(response["createdIds"]);
    }

    [Fact]
    public async Task Rfc8620_3_4_createdIds_are_echoed_with_what_the_client_sent_and_what_was_created()
    {
        // RFC 8620 §3.4: "createdIds ... only returned if given in the Request object"; the server adds the ids it created.
        var server = await JmapTestServer.GetAsync(fixture);
        using var client = await server.NewUserAsync();
        var existing = await client.CreateMailboxAsync("Existing");
        var request = Request(
            Call("Mailbox/set", new JsonObject
            {
                ["accountId"] = client.AccountId,
                ["create"] = new JsonObject { ["kid"] = new JsonObject { ["name"] = "Kid", ["parentId"] = "#given" } },
            }, "s"));
        request["createdIds"] = new JsonObject { ["given"] = existing };
        var response = await client.SendAsync(request);
        var created = response["createdIds"]!.AsObject();
        Assert.Equal(existing, created["given"]!.GetValue<string>());
        var kid = created["kid"]!.GetValue<string>();
        Assert.Equal(kid, response["methodResponses"]![0]![1]!["created"]!["kid"]!["id"]!.GetValue<string>());
        var get = await client.OkAsync("Mailbox/get", new JsonObject { ["ids"] = new JsonArray(kid) });
        Assert.Equal(existing, get["list"]![0]!["parentId"]!.GetValue<string>());
    }

    [Fact]
    public async Task Rfc8620_3_3_the_content_type_may_carry_a_charset_parameter()
    {
        // RFC 8620 §3.1: the request is "application/json"; a charset=utf-8 parameter is the same type.
        var server = await JmapTestServer.GetAsync(fixture);
        var client = await server.SharedClientAsync();
        var body = Encoding.UTF8.GetBytes("{\"using\":[\"urn:ietf:params:jmap:core\"],\"methodCalls\":[[\"Core/echo\",{},\"c\"]]}");
        var (status, mediaType, response) = await client.PostRawAsync(body, "application/json; charset=utf-8");
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("application/json", mediaType);
        Assert.Equal("Core/echo", response!["methodResponses"]![0]![0]!.GetValue<string>());
    }

    [Theory]
    [InlineData("{\"using\":\"urn:ietf:params:jmap:core\",\"methodCalls\":[]}")]
    [InlineData("{\"using\":[\"urn:ietf:params:jmap:core\"],\"methodCalls\":{}}")]
    [InlineData("{\"using\":[1],\"methodCalls\":[]}")]
    [InlineData("{\"using\":[\"urn:ietf:params:jmap:core\"],\"methodCalls\":[],\"createdIds\":[]}")]
    [InlineData("{\"using\":[\"urn:ietf:params:jmap:core\"],\"methodCalls\":[[1,{},\"c\"]]}")]
    [InlineData("{\"using\":[\"urn:ietf:params:jmap:core\"],\"methodCalls\":[[\"Core/echo\",{},7]]}")]
    [InlineData("\"just a string\"")]
    [InlineData("null")]
    public async Task Rfc8620_3_6_1_a_request_of_the_wrong_shape_is_notRequest(string body)
    {
        // RFC 8620 §3.6.1: "urn:ietf:params:jmap:error:notRequest: The request parsed as JSON but did not match the type signature of the Request object."
        var server = await JmapTestServer.GetAsync(fixture);
        var client = await server.SharedClientAsync();
        var (status, mediaType, problem) = await client.PostRawAsync(Encoding.UTF8.GetBytes(body));
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal("application/problem+json", mediaType);
        Assert.Equal("urn:ietf:params:jmap:error:notRequest", problem!["type"]!.GetValue<string>());
        Assert.Equal(400, problem["status"]!.GetValue<int>());
        Assert.False(string.IsNullOrEmpty(problem["detail"]!.GetValue<string>()));
    }

    [Fact]
    public async Task Rfc8620_3_6_1_unknownCapability_names_the_capability_in_its_detail()
    {
        // RFC 8620 §3.6.1: "unknownCapability: The client included a capability in the 'using' property of the request that the server does not support."
        var server = await JmapTestServer.GetAsync(fixture);
        var client = await server.SharedClientAsync();
        var (status, _, problem) = await client.PostAsync(new JsonObject { ["using"] = new JsonArray(Core, "urn:example:frobnicate"), ["methodCalls"] = new JsonArray() });
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal("urn:ietf:params:jmap:error:unknownCapability", problem!["type"]!.GetValue<string>());
        Assert.Contains("urn:example:frobnicate", problem["detail"]!.GetValue<string>());
    }

    [Fact]
    public async Task Rfc8620_3_6_1_invalid_utf8_is_notJSON()
    {
        // RFC 8620 §3.6.1: "notJSON: The content type of the request was not application/json or the request did not parse as I-JSON."
        var server = await JmapTestServer.GetAsync(fixture);
        var client = await server.SharedClientAsync();
        var body = Encoding.UTF8.GetBytes("{\"using\":[\"urn:ietf:params:jmap:core\"],\"methodCalls\":[[\"Core/echo\",{\"s\":\"X\"},\"c\"]]}");
        body[Array.IndexOf(body, (byte)'X')] = 0xFF;
        var (status, _, problem) = await client.PostRawAsync(body);
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal("urn:ietf:params:jmap:error:notJSON", problem!["type"]!.GetValue<string>());
    }

    [Fact]
    public async Task Rfc8620_3_6_1_an_empty_body_is_notJSON()
    {
        // RFC 8620 §3.6.1: notJSON for a request that does not parse as I-JSON.
        var server = await JmapTestServer.GetAsync(fixture);
        var client = await server.SharedClientAsync();
        var (status, _, problem) = await client.PostRawAsync([]);
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal("urn:ietf:params:jmap:error:notJSON", problem!["type"]!.GetValue<string>());
    }

    [Fact]
    public async Task Rfc8620_4_Core_echo_returns_exactly_the_arguments_it_was_given()
    {
        // RFC 8620 §4.1: "The Core/echo method returns exactly the same arguments as it is given."
        var server = await JmapTestServer.GetAsync(fixture);
        using var client = await server.NewUserAsync();
        var arguments = new JsonObject
        {
            ["string"] = "ünïcode ✓",
            ["number"] = 12.5,
            ["null"] = null,
            ["nested"] = new JsonObject { ["array"] = new JsonArray(1, "two", false, new JsonObject()) },
        };
        var responses = await client.CallAsync([Core], Call("Core/echo", (JsonObject)arguments.DeepClone(), "e"));
        Assert.True(JsonNode.DeepEquals(arguments, responses[0]![1]), responses[0]![1]!.ToJsonString());
    }

    [Fact]
    public async Task Rfc8620_4_Core_echo_needs_only_the_core_capability()
    {
        // RFC 8620 §4: Core/echo belongs to urn:ietf:params:jmap:core.
        var server = await JmapTestServer.GetAsync(fixture);
        using var client = await server.NewUserAsync();
        var responses = await client.CallAsync([Core], Call("Core/echo", [], "e"));
        Assert.Equal("Core/echo", responses[0]![0]!.GetValue<string>());
        Assert.Empty(responses[0]![1]!.AsObject());
    }
}
