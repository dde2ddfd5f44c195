using System.Text.Json.Nodes;

namespace Mail.Host.IntegrationTests.JmapConformance;

/// <summary>
/// Every method the server has, given arguments of the wrong shape: each answers with a method-level error of the RFC
/// (invalidArguments and the like) or a result, never serverFail (RFC 8620 §3.6.2: serverFail is "an unexpected
/// error"; a client's bad input is expected).
/// </summary>
[Collection(DeploymentCollection.Name)]
public sealed class JmapBadInputEveryMethodTests(DeploymentFixture fixture)
{
    private static readonly string[] Methods =
    [
        "Core/echo", "Blob/copy", "Blob/upload", "Blob/get", "Blob/lookup",
        "Email/get", "Email/changes", "Email/query", "Email/queryChanges", "SearchSnippet/get", "Email/set", "Email/import", "Email/copy", "Email/parse",
        "Identity/get", "Identity/changes", "Identity/set",
        "Mailbox/get", "Mailbox/changes", "Mailbox/query", "Mailbox/queryChanges", "Mailbox/set",
        "PushSubscription/get", "PushSubscription/set",
        "Quota/get", "Quota/changes", "Quota/query", "Quota/queryChanges",
        "EmailSubmission/get", "EmailSubmission/changes", "EmailSubmission/query", "EmailSubmission/queryChanges", "EmailSubmission/set",
        "Thread/get", "Thread/changes", "VacationResponse/get", "VacationResponse/set",
    ];

    private static readonly string[] Using =
    [
        "urn:ietf:params:jmap:core", "urn:ietf:params:jmap:mail", "urn:ietf:params:jmap:submission",
        "urn:ietf:params:jmap:vacationresponse", "urn:ietf:params:jmap:blob", "urn:ietf:params:jmap:quota",
    ];

    private static IEnumerable<JsonObject> BadArguments(string accountId)
    {
        yield return [];
        yield return new JsonObject { ["accountId"] = 5 };
        yield return new JsonObject
        {
            ["accountId"] = accountId, ["ids"] = 5, ["properties"] = "x", ["filter"] = 7, ["sort"] = 7, ["create"] = 7, ["update"] = 7,
            ["destroy"] = 7, ["sinceState"] = 7, ["sinceQueryState"] = 7, ["position"] = "x", ["limit"] = "x", ["anchor"] = 7,
            ["blobIds"] = 7, ["emailIds"] = 7, ["fromAccountId"] = 7, ["maxChanges"] = "x", ["emails"] = 7, ["bodyProperties"] = 7,
            ["fetchTextBodyValues"] = "x", ["maxBodyValueBytes"] = "x", ["typeNames"] = 7, ["offset"] = "x", ["length"] = "x",
        };
        yield return new JsonObject
        {
            ["accountId"] = accountId, ["ids"] = new JsonArray(5, null, new JsonObject()), ["properties"] = new JsonArray(5),
            ["filter"] = new JsonObject { ["operator"] = 5, ["conditions"] = 5 }, ["sort"] = new JsonArray(5, "x", new JsonObject()),
            ["create"] = new JsonObject { ["a"] = 5, ["b"] = new JsonArray() }, ["update"] = new JsonObject { ["Mx"] = 5, ["Ex"] = new JsonArray() },
            ["destroy"] = new JsonArray(5, new JsonObject()), ["sinceState"] = string.Empty, ["sinceQueryState"] = string.Empty,
            ["blobIds"] = new JsonArray(5), ["emailIds"] = new JsonArray(5), ["emails"] = new JsonObject { ["a"] = 5 },
            ["typeNames"] = new JsonArray(5), ["fromAccountId"] = accountId,
        };
        yield return new JsonObject
        {
            ["accountId"] = accountId,
            ["filter"] = new JsonObject { ["inMailbox"] = 5, ["before"] = 5, ["minSize"] = "x", ["hasKeyword"] = 5, ["text"] = 5, ["header"] = 5, ["role"] = 5, ["parentId"] = 5 },
            ["create"] = new JsonObject { ["a"] = new JsonObject { ["name"] = 5, ["email"] = 5, ["mailboxIds"] = 5, ["keywords"] = 5, ["identityId"] = 5, ["emailId"] = 5, ["envelope"] = 5, ["url"] = 5, ["deviceClientId"] = 5, ["data"] = 5, ["blobId"] = 5 } },
            ["update"] = new JsonObject { ["singleton"] = new JsonObject { ["isEnabled"] = "x", ["fromDate"] = 5, ["subject"] = 5 }, ["Mnope"] = new JsonObject { ["a/b"] = 1 } },
            ["emails"] = new JsonObject { ["a"] = new JsonObject { ["blobId"] = 5, ["mailboxIds"] = 5 } },
        };
    }

    [Fact]
    public async Task No_method_answers_arguments_of_the_wrong_shape_with_serverFail()
    {
        var server = await JmapTestServer.GetAsync(fixture);
        using var client = await server.NewUserAsync();
        var failures = new List<string>();
        foreach (var arguments in BadArguments(client.AccountId))
        {
            foreach (var method in Methods)
            {
                var responses = await client.CallAsync(Using, new JsonArray(method, arguments.DeepClone(), "c"));
                var response = responses[0]!;
                if (response[0]!.GetValue<string>() == "error" && response[1]!["type"]!.GetValue<string>() == "serverFail")
                {
                    failures.Add($"{method} {arguments.ToJsonString()}: {response[1]!["description"]}");
                }
            }
        }

        Assert.True(failures.Count == 0, string.Join("\n", failures));
    }
}
