using System.Text.Json.Nodes;
using static Mail.Host.IntegrationTests.JmapConformance.PartCHelpers;

namespace Mail.Host.IntegrationTests.JmapConformance;

/// <summary>RFC 8621 §7.1-§7.4: EmailSubmission/get, /changes, /query (every filter and sort) and /queryChanges.</summary>
[Collection(DeploymentCollection.Name)]
public sealed class Rfc8621SubmissionQueryTests(DeploymentFixture fixture)
{
    /// <summary>Three submissions of three emails (two in one thread by subject reply) from two identities.</summary>
    private static async Task<(JmapClient Client, string[] Submissions, string[] Emails, string[] Identities)> ThreeAsync(JmapTestServer server)
    {
        var client = await server.NewUserAsync("subq");
        var first = await IdentityIdAsync(client);
        var second = Created(await client.OkAsync("Identity/set", new JsonObject { ["create"] = new JsonObject { ["s"] = new JsonObject { ["email"] = client.Address, ["name"] = "Second" } } }, Submission));
        var emails = new string[3];
        var submissions = new string[3];
        for (var i = 0; i < 3; i++)
        {
            emails[i] = await DraftToAsync(client, "Query " + i, client.Address);
            submissions[i] = Created(await SubmitAsync(client, new JsonObject { ["identityId"] = i == 2 ? second : first, ["emailId"] = emails[i] }));
            if (i < 2)
            {
                await Task.Delay(1100);
            }
        }

        return (client, submissions, emails, [first, second]);
    }

    private static async Task<List<string>> QueryAsync(JmapClient client, JsonObject arguments)
    {
        var result = await client.OkAsync("EmailSubmission/query", arguments, Submission);
        return [.. result["ids"]!.AsArray().Select(i => i!.GetValue<string>())];
    }

    [Fact]
    public async Task Rfc8621_7_3_query_filters_identityIds_emailIds_threadIds_undoStatus_before_and_after()
    {
        var server = await JmapTestServer.GetAsync(fixture);
        var (client, submissions, emails, identities) = await ThreeAsync(server);
        using var _ = client;
        Assert.Equal([submissions[2]], await QueryAsync(client, new JsonObject { ["filter"] = new JsonObject { ["identityIds"] = Ids(identities[1]) } }));
        Assert.Equal(new[] { submissions[0], submissions[1] }.Order(), (await QueryAsync(client, new JsonObject { ["filter"] = new JsonObject { ["identityIds"] = Ids(identities[0]) } })).Order());
        Assert.Equal([submissions[1]], await QueryAsync(client, new JsonObject { ["filter"] = new JsonObject { ["emailIds"] = Ids(emails[1]) } }));
        var thread = (await client.OkAsync("Email/get", new JsonObject { ["ids"] = Ids(emails[0]), ["properties"] = new JsonArray("threadId") }))["list"]![0]!["threadId"]!.GetValue<string>();
        Assert.Contains(submissions[0], await QueryAsync(client, new JsonObject { ["filter"] = new JsonObject { ["threadIds"] = Ids(thread) } }));
        Assert.Equal(3, (await QueryAsync(client, new JsonObject { ["filter"] = new JsonObject { ["undoStatus"] = "final" } })).Count);
        Assert.Empty(await QueryAsync(client, new JsonObject { ["filter"] = new JsonObject { ["undoStatus"] = "pending" } }));

        // RFC 8621 §7.3: before "The sendAt property of the EmailSubmission object must be before this date-time";
        // after "must be the same as or after this date-time".
        var sendAt = (await client.OkAsync("EmailSubmission/get", new JsonObject { ["ids"] = Ids(submissions[1]), ["properties"] = new JsonArray("sendAt") }, Submission))["list"]![0]!["sendAt"]!.GetValue<string>();
        Assert.Equal([submissions[0]], await QueryAsync(client, new JsonObject { ["filter"] = new JsonObject { ["before"] = sendAt } }));
        Assert.Equal(new[] { submissions[1], submissions[2] }.Order(), (await QueryAsync(client, new JsonObject { ["filter"] = new JsonObject { ["after"] = sendAt } })).Order());

        // Conditions combine with AND, and an operator combines them as asked.
        Assert.Equal([submissions[2]], await QueryAsync(client, new JsonObject { ["filter"] = new JsonObject { ["after"] = sendAt, ["identityIds"] = Ids(identities[1]) } }));
        var or = new JsonObject { ["operator"] = "OR", ["conditions"] = new JsonArray(new JsonObject { ["emailIds"] = Ids(emails[0]) }, new JsonObject { ["emailIds"] = Ids(emails[2]) }) };
        Assert.Equal(new[] { submissions[0], submissions[2] }.Order(), (await QueryAsync(client, new JsonObject { ["filter"] = or })).Order());
    }

    [Fact]
    public async Task Rfc8621_7_3_query_sorts_by_sentAt_emailId_and_threadId()
    {
        var server = await JmapTestServer.GetAsync(fixture);
        var (client, submissions, emails, _) = await ThreeAsync(server);
        using var _ = client;
        JsonObject Sort(string property, bool ascending) => new() { ["sort"] = new JsonArray(new JsonObject { ["property"] = property, ["isAscending"] = ascending }) };
        Assert.Equal(submissions, await QueryAsync(client, Sort("sentAt", true)));
        Assert.Equal(Enumerable.Reverse(submissions), await QueryAsync(client, Sort("sentAt", false)));

        // Ids sort as strings (RFC 8620 §5.5: the server's collation for the property); emails here were made in order.
        var byEmail = emails.Zip(submissions).OrderBy(p => p.First, StringComparer.Ordinal).Select(p => p.Second).ToList();
        Assert.Equal(byEmail, await QueryAsync(client, Sort("emailId", true)));
        byEmail.Reverse();
        Assert.Equal(byEmail, await QueryAsync(client, Sort("emailId", false)));
        Assert.Equal(3, (await QueryAsync(client, Sort("threadId", true))).Count);
    }

    [Fact]
    public async Task Rfc8620_5_5_unknown_filters_and_sorts_are_unsupportedFilter_and_unsupportedSort()
    {
        using var client = await (await JmapTestServer.GetAsync(fixture)).NewUserAsync("subq");
        Assert.Equal("unsupportedFilter", await client.ErrorAsync("EmailSubmission/query", new JsonObject { ["filter"] = new JsonObject { ["colour"] = "red" } }, Submission));
        Assert.Equal("unsupportedSort", await client.ErrorAsync("EmailSubmission/query", new JsonObject { ["sort"] = new JsonArray(new JsonObject { ["property"] = "subject" }) }, Submission));
        Assert.Equal("invalidArguments", await client.ErrorAsync("EmailSubmission/query", new JsonObject { ["filter"] = new JsonObject { ["undoStatus"] = "maybe" } }, Submission));
        Assert.Equal("invalidArguments", await client.ErrorAsync("EmailSubmission/query", new JsonObject { ["filter"] = new JsonObject { ["before"] = "yesterday" } }, Submission));
    }

    [Fact]
    public async Task Rfc8620_5_5_query_pages_with_position_limit_and_total()
    {
        var server = await JmapTestServer.GetAsync(fixture);
        var (client, submissions, _, _) = await ThreeAsync(server);
        using var _ = client;
        var result = await client.OkAsync("EmailSubmission/query", new JsonObject
        {
            ["sort"] = new JsonArray(new JsonObject { ["property"] = "sentAt" }),
            ["position"] = 1,
            ["limit"] = 1,
            ["calculateTotal"] = true,
        }, Submission);
        Assert.Equal([submissions[1]], result["ids"]!.AsArray().Select(i => i!.GetValue<string>()));
        Assert.Equal(1, result["position"]!.GetValue<int>());
        Assert.Equal(3, result["total"]!.GetValue<int>());
        Assert.True(result["canCalculateChanges"]!.GetValue<bool>());
    }

    [Fact]
    public async Task Rfc8620_5_6_queryChanges_reports_a_new_submission_as_added_and_a_destroyed_one_as_removed()
    {
        var server = await JmapTestServer.GetAsync(fixture);
        using var client = await server.NewUserAsync("subq");
        var identity = await IdentityIdAsync(client);
        var first = Created(await SubmitAsync(client, new JsonObject { ["identityId"] = identity, ["emailId"] = await DraftToAsync(client, "Q1", client.Address) }));
        var sort = new JsonArray(new JsonObject { ["property"] = "sentAt" });
        var query = await client.OkAsync("EmailSubmission/query", new JsonObject { ["sort"] = sort.DeepClone() }, Submission);
        var queryState = query["queryState"]!.GetValue<string>();
        var second = Created(await SubmitAsync(client, new JsonObject { ["identityId"] = identity, ["emailId"] = await DraftToAsync(client, "Q2", client.Address) }));
        await client.OkAsync("EmailSubmission/set", new JsonObject { ["destroy"] = Ids(first) }, Submission);

        var changes = await client.OkAsync("EmailSubmission/queryChanges", new JsonObject { ["sinceQueryState"] = queryState, ["sort"] = sort.DeepClone() }, Submission);
        Assert.Equal(queryState, changes["oldQueryState"]!.GetValue<string>());
        Assert.NotEqual(queryState, changes["newQueryState"]!.GetValue<string>());
        Assert.Contains(first, changes["removed"]!.AsArray().Select(r => r!.GetValue<string>()));
        var added = Assert.Single(changes["added"]!.AsArray())!;
        Assert.Equal(second, added["id"]!.GetValue<string>());
        Assert.Equal(0, added["index"]!.GetValue<int>());

        Assert.Equal("cannotCalculateChanges", await client.ErrorAsync("EmailSubmission/queryChanges", new JsonObject { ["sinceQueryState"] = "bogus" }, Submission));
    }

    [Fact]
    public async Task Rfc8620_5_2_changes_lists_created_and_destroyed_submissions()
    {
        var server = await JmapTestServer.GetAsync(fixture);
        using var client = await server.NewUserAsync("subq");
        var state = (await client.OkAsync("EmailSubmission/get", new JsonObject { ["ids"] = new JsonArray() }, Submission))["state"]!.GetValue<string>();
        var id = Created(await SubmitAsync(client, new JsonObject { ["identityId"] = await IdentityIdAsync(client), ["emailId"] = await DraftToAsync(client, "C", client.Address) }));
        var changes = await client.OkAsync("EmailSubmission/changes", new JsonObject { ["sinceState"] = state }, Submission);
        Assert.Equal([id], changes["created"]!.AsArray().Select(c => c!.GetValue<string>()));
        var mid = changes["newState"]!.GetValue<string>();
        await client.OkAsync("EmailSubmission/set", new JsonObject { ["destroy"] = Ids(id) }, Submission);
        changes = await client.OkAsync("EmailSubmission/changes", new JsonObject { ["sinceState"] = mid }, Submission);
        Assert.Equal([id], changes["destroyed"]!.AsArray().Select(c => c!.GetValue<string>()));
        Assert.Equal("cannotCalculateChanges", await client.ErrorAsync("EmailSubmission/changes", new JsonObject { ["sinceState"] = "x" }, Submission));
    }

    [Fact]
    public async Task Rfc8621_7_1_get_returns_every_property_and_only_those_asked_for()
    {
        var server = await JmapTestServer.GetAsync(fixture);
        using var client = await server.NewUserAsync("subq");
        var id = Created(await SubmitAsync(client, new JsonObject { ["identityId"] = await IdentityIdAsync(client), ["emailId"] = await DraftToAsync(client, "G", client.Address) }));
        var all = (await client.OkAsync("EmailSubmission/get", new JsonObject { ["ids"] = null }, Submission))["list"]![0]!.AsObject();
        foreach (var property in new[] { "id", "identityId", "emailId", "threadId", "envelope", "sendAt", "undoStatus", "deliveryStatus", "dsnBlobIds", "mdnBlobIds" })
        {
            Assert.True(all.ContainsKey(property), property);
        }

        var some = (await client.OkAsync("EmailSubmission/get", new JsonObject { ["ids"] = Ids(id, "S0", "E1"), ["properties"] = new JsonArray("undoStatus") }, Submission));
        Assert.Equal(["id", "undoStatus"], some["list"]![0]!.AsObject().Select(p => p.Key).Order());
        Assert.Equal(2, some["notFound"]!.AsArray().Count);
    }
}
