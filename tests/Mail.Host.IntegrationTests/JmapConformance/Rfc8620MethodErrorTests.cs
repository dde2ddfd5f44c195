using System.Text.Json.Nodes;
using static Mail.Host.IntegrationTests.JmapConformance.PartAHelpers;

namespace Mail.Host.IntegrationTests.JmapConformance;

/// <summary>RFC 8620 §3.6.2: method-level errors.</summary>
[Collection(DeploymentCollection.Name)]
public sealed class Rfc8620MethodErrorTests(DeploymentFixture fixture)
{
    [Fact]
    public async Task Rfc8620_3_6_2_an_error_response_is_named_error_with_a_type_and_the_call_id()
    {
        // RFC 8620 §3.6.2: "the response name is 'error' ... the arguments ... MUST contain a 'type' property"
        var server = await JmapTestServer.GetAsync(fixture);
        using var client = await server.NewUserAsync();
        var responses = await client.CallsAsync(Call("Nope/nope", [], "bad-call"));
        var response = responses[0]!.AsArray();
        Assert.Equal("error", response[0]!.GetValue<string>());
        Assert.Equal("unknownMethod", response[1]!["type"]!.GetValue<string>());
        Assert.Equal("bad-call", response[2]!.GetValue<string>());
    }

    [Fact]
    public async Task Rfc8620_3_6_2_invalidArguments_carries_a_description()
    {
        // RFC 8620 §3.6.2: "invalidArguments ... An optional 'description' property MAY be present to help debug"
        var server = await JmapTestServer.GetAsync(fixture);
        var client = await server.SharedClientAsync();
        var response = await client.CallOneAsync("Mailbox/get", new JsonObject { ["ids"] = 42 });
        Assert.Equal("invalidArguments", ErrorType(response));
        Assert.False(string.IsNullOrWhiteSpace(response[1]!["description"]?.GetValue<string>()));
    }

    [Fact]
    public async Task Rfc8620_3_6_2_a_missing_accountId_is_invalidArguments()
    {
        // RFC 8620 §5.1: accountId is a required argument of /get.
        var server = await JmapTestServer.GetAsync(fixture);
        var client = await server.SharedClientAsync();
        var responses = await client.CallsAsync(Call("Mailbox/get", new JsonObject { ["ids"] = null }, "g"));
        Assert.Equal("invalidArguments", ErrorType(responses[0]));
    }

    [Theory]
    [InlineData("Email/get")]
    [InlineData("Email/query")]
    [InlineData("Mailbox/changes")]
    [InlineData("Thread/get")]
    [InlineData("Identity/get")]
    public async Task Rfc8620_3_6_2_accountNotFound_for_an_account_that_is_not_the_users(string method)
    {
        // RFC 8620 §3.6.2: "accountNotFound: The accountId does not correspond to a valid account."
        var server = await JmapTestServer.GetAsync(fixture);
        var client = await server.SharedClientAsync();
        var args = new JsonObject { ["accountId"] = "A999999999", ["ids"] = new JsonArray(), ["sinceState"] = "x" };
        if (method.EndsWith("/query", StringComparison.Ordinal))
        {
            args.Remove("ids");
            args.Remove("sinceState");
        }

        Assert.Equal("accountNotFound", await client.ErrorAsync(method, args, "urn:ietf:params:jmap:submission"));
    }

    [Fact]
    public async Task Rfc8620_3_6_2_an_error_does_not_stop_the_later_calls()
    {
        // RFC 8620 §3.6.2: "If an error occurs ... the server MUST continue to process the remaining method calls"
        var server = await JmapTestServer.GetAsync(fixture);
        using var client = await server.NewUserAsync();
        var responses = await client.CallsAsync(
            Call("Mailbox/get", new JsonObject { ["accountId"] = "Anope" }, "a"),
            Call("Mailbox/set", new JsonObject { ["accountId"] = client.AccountId, ["ifInState"] = "wrong", ["create"] = new JsonObject() }, "b"),
            Call("Mailbox/set", new JsonObject { ["accountId"] = client.AccountId, ["create"] = new JsonObject { ["x"] = new JsonObject { ["name"] = "After errors" } } }, "c"));
        Assert.Equal("accountNotFound", ErrorType(responses[0]));
        Assert.Equal("stateMismatch", ErrorType(responses[1]));
        Assert.NotNull(responses[2]![1]!["created"]!["x"]);
    }

    [Fact]
    public async Task Rfc8620_3_6_2_a_method_of_a_capability_not_in_using_is_unknownMethod()
    {
        // RFC 8620 §3.6.2: "unknownMethod: The server does not recognise this method name." (its capability was not requested)
        var server = await JmapTestServer.GetAsync(fixture);
        using var client = await server.NewUserAsync();
        var responses = await client.CallsAsync(Call("Identity/get", new JsonObject { ["accountId"] = client.AccountId }, "i"));
        Assert.Equal("unknownMethod", ErrorType(responses[0]));
    }

    [Fact]
    public async Task Rfc8620_3_6_2_method_names_are_case_sensitive()
    {
        // RFC 8620 §3.2: the method name is a String; "mailbox/get" is not "Mailbox/get".
        var server = await JmapTestServer.GetAsync(fixture);
        var client = await server.SharedClientAsync();
        var responses = await client.CallsAsync(Call("mailbox/GET", new JsonObject { ["accountId"] = client.AccountId }, "g"));
        Assert.Equal("unknownMethod", ErrorType(responses[0]));
    }

    [Fact]
    public async Task Rfc8620_3_6_2_unknown_arguments_are_invalidArguments()
    {
        // RFC 8620 §3.6.2: "invalidArguments: One of the arguments is of the wrong type or otherwise invalid, or a required argument is missing."
        var server = await JmapTestServer.GetAsync(fixture);
        var client = await server.SharedClientAsync();
        Assert.Equal("invalidArguments", await client.ErrorAsync("Mailbox/get", new JsonObject { ["ids"] = new JsonObject() }));
        Assert.Equal("invalidArguments", await client.ErrorAsync("Mailbox/set", new JsonObject { ["create"] = new JsonArray() }));
        Assert.Equal("invalidArguments", await client.ErrorAsync("Mailbox/query", new JsonObject { ["filter"] = "inbox" }));
        Assert.Equal("invalidArguments", await client.ErrorAsync("Mailbox/query", new JsonObject { ["calculateTotal"] = "yes" }));
    }
}
