using System.Text.Json.Nodes;
using static Mail.Host.IntegrationTests.JmapConformance.PartAHelpers;

namespace Mail.Host.IntegrationTests.JmapConformance;

/// <summary>RFC 8620 §3.7: references to previous method results.</summary>
[Collection(DeploymentCollection.Name)]
public sealed class Rfc8620ResultReferenceTests(DeploymentFixture fixture)
{
    private static JsonObject Ref(string resultOf, string name, string path) => new() { ["resultOf"] = resultOf, ["name"] = name, ["path"] = path };

    [Fact]
    public async Task Rfc8620_3_7_a_reference_to_a_call_that_errored_is_invalidResultReference()
    {
        // RFC 8620 §3.7: the referenced response must have the name given; an "error" response does not match.
        var server = await JmapTestServer.GetAsync(fixture);
        using var client = await server.NewUserAsync();
        var responses = await client.CallsAsync(
            Call("Mailbox/query", new JsonObject { ["accountId"] = "Anope" }, "q"),
            Call("Mailbox/get", new JsonObject { ["accountId"] = client.AccountId, ["#ids"] = Ref("q", "Mailbox/query", "/ids") }, "g"));
        Assert.Equal("accountNotFound", ErrorType(responses[0]));
        Assert.Equal("invalidResultReference", ErrorType(responses[1]));
    }

    [Fact]
    public async Task Rfc8620_3_7_a_reference_to_a_later_call_is_invalidResultReference()
    {
        // RFC 8620 §3.7: "resultOf: The method call id of a previous method call in the current request."
        var server = await JmapTestServer.GetAsync(fixture);
        using var client = await server.NewUserAsync();
        var responses = await client.CallsAsync(
            Call("Mailbox/get", new JsonObject { ["accountId"] = client.AccountId, ["#ids"] = Ref("q", "Mailbox/query", "/ids") }, "g"),
            Call("Mailbox/query", new JsonObject { ["accountId"] = client.AccountId }, "q"));
        Assert.Equal("invalidResultReference", ErrorType(responses[0]));
        Assert.Equal("Mailbox/query", responses[1]![0]!.GetValue<string>());
    }

    [Fact]
    public async Task Rfc8620_3_7_star_over_an_array_of_arrays_flattens_the_result()
    {
        // RFC 8620 §3.7: "If the result of applying the rest of the pointer tokens to each item was itself an array, the contents of this array are added to the output rather than the array itself."
        var server = await JmapTestServer.GetAsync(fixture);
        using var client = await server.NewUserAsync();
        var responses = await client.CallsAsync(
            Call("Core/echo", new JsonObject { ["items"] = new JsonArray(new JsonObject { ["v"] = new JsonArray("a", "b") }, new JsonObject { ["v"] = new JsonArray("c") }) }, "e1"),
            Call("Core/echo", new JsonObject { ["#all"] = Ref("e1", "Core/echo", "/items/*/v") }, "e2"));
        Assert.Equal(["a", "b", "c"], responses[1]![1]!["all"]!.AsArray().Select(v => v!.GetValue<string>()));
    }

    [Fact]
    public async Task Rfc8620_3_7_star_over_something_not_an_array_is_invalidResultReference()
    {
        // RFC 8620 §3.7: "*" applies only to an array; elsewhere the pointer does not resolve.
        var server = await JmapTestServer.GetAsync(fixture);
        using var client = await server.NewUserAsync();
        var responses = await client.CallsAsync(
            Call("Core/echo", new JsonObject { ["o"] = new JsonObject { ["a"] = 1 } }, "e1"),
            Call("Core/echo", new JsonObject { ["#x"] = Ref("e1", "Core/echo", "/o/*") }, "e2"));
        Assert.Equal("invalidResultReference", ErrorType(responses[1]));
    }

    [Fact]
    public async Task Rfc8620_3_7_pointer_escapes_and_array_indexes_resolve()
    {
        // RFC 6901 as used by RFC 8620 §3.7: "~1" is "/", "~0" is "~", and a number indexes an array.
        var server = await JmapTestServer.GetAsync(fixture);
        using var client = await server.NewUserAsync();
        var responses = await client.CallsAsync(
            Call("Core/echo", new JsonObject { ["a/b"] = new JsonObject { ["c~d"] = new JsonArray("zero", "one") } }, "e1"),
            Call("Core/echo", new JsonObject { ["#x"] = Ref("e1", "Core/echo", "/a~1b/c~0d/1") }, "e2"));
        Assert.Equal("one", responses[1]![1]!["x"]!.GetValue<string>());
    }

    [Fact]
    public async Task Rfc8620_3_7_the_empty_path_is_the_whole_result()
    {
        // RFC 6901: the empty pointer "" is the whole document.
        var server = await JmapTestServer.GetAsync(fixture);
        using var client = await server.NewUserAsync();
        var responses = await client.CallsAsync(
            Call("Core/echo", new JsonObject { ["k"] = "v" }, "e1"),
            Call("Core/echo", new JsonObject { ["#x"] = Ref("e1", "Core/echo", "") }, "e2"));
        Assert.Equal("v", responses[1]![1]!["x"]!["k"]!.GetValue<string>());
    }

    [Fact]
    public async Task Rfc8620_3_7_a_reference_that_is_not_a_ResultReference_object_is_invalidResultReference()
    {
        // RFC 8620 §3.7: the value of a "#" argument is a ResultReference object.
        var server = await JmapTestServer.GetAsync(fixture);
        using var client = await server.NewUserAsync();
        var responses = await client.CallsAsync(
            Call("Core/echo", [], "e1"),
            Call("Mailbox/get", new JsonObject { ["accountId"] = client.AccountId, ["#ids"] = "e1" }, "g"),
            Call("Mailbox/get", new JsonObject { ["accountId"] = client.AccountId, ["#ids"] = new JsonObject { ["resultOf"] = "e1", ["name"] = "Core/echo" } }, "h"));
        Assert.Equal("invalidResultReference", ErrorType(responses[1]));
        Assert.Equal("invalidResultReference", ErrorType(responses[2]));
    }

    [Fact]
    public async Task Rfc8620_3_7_the_resolved_value_is_type_checked_by_the_method()
    {
        // RFC 8620 §3.7: the resolved value replaces the argument; a value of the wrong type is then invalidArguments.
        var server = await JmapTestServer.GetAsync(fixture);
        using var client = await server.NewUserAsync();
        var responses = await client.CallsAsync(
            Call("Mailbox/query", new JsonObject { ["accountId"] = client.AccountId }, "q"),
            Call("Mailbox/get", new JsonObject { ["accountId"] = client.AccountId, ["#ids"] = Ref("q", "Mailbox/query", "/queryState") }, "g"));
        Assert.Equal("invalidArguments", ErrorType(responses[1]));
    }

    [Fact]
    public async Task Rfc8620_3_7_a_reference_resolves_against_the_response_of_an_implicit_call_name()
    {
        // RFC 8620 §3.7: "name: The expected name of the response"; a matching id with another name is invalidResultReference.
        var server = await JmapTestServer.GetAsync(fixture);
        using var client = await server.NewUserAsync();
        var responses = await client.CallsAsync(
            Call("Mailbox/query", new JsonObject { ["accountId"] = client.AccountId }, "q"),
            Call("Mailbox/get", new JsonObject { ["accountId"] = client.AccountId, ["#ids"] = Ref("q", "Email/query", "/ids") }, "g"),
            Call("Mailbox/get", new JsonObject { ["accountId"] = client.AccountId, ["#ids"] = Ref("q", "Mailbox/query", "/ids") }, "h"));
        Assert.Equal("invalidResultReference", ErrorType(responses[1]));
        Assert.Equal("Mailbox/get", responses[2]![0]!.GetValue<string>());
        Assert.NotEmpty(responses[2]![1]!["list"]!.AsArray());
    }
}
