using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using static Mail.Host.IntegrationTests.JmapConformance.PartCHelpers;

namespace Mail.Host.IntegrationTests.JmapConformance;

/// <summary>RFC 9425: the quota capability, Quota/get, /changes, /query and /queryChanges, and overQuota.</summary>
[Collection(DeploymentCollection.Name)]
public sealed class Rfc9425QuotaTests(DeploymentFixture fixture)
{
    private static async Task<JsonArray> QuotasAsync(JmapClient client) => (await client.OkAsync("Quota/get", new JsonObject { ["ids"] = null }, Quota))["list"]!.AsArray();

    private static async Task<List<string>> QueryAsync(JmapClient client, JsonObject arguments)
        => [.. (await client.OkAsync("Quota/query", arguments, Quota))["ids"]!.AsArray().Select(i => i!.GetValue<string>())];

    [Fact]
    public async Task Rfc9425_3_capability_is_advertised_with_an_empty_object()
    {
        var server = await JmapTestServer.GetAsync(fixture);
        using var client = await NewUserAsync(server, "quota", quotaBytes: 1_000_000);
        Assert.Empty(client.Session["capabilities"]![Quota]!.AsObject());
        Assert.NotNull(client.Session["accounts"]![client.AccountId]!["accountCapabilities"]![Quota]);
        Assert.Equal(client.AccountId, client.Session["primaryAccounts"]![Quota]!.GetValue<string>());
    }

    [Fact]
    public async Task Rfc9425_4_1_get_returns_every_property_of_each_quota()
    {
        var server = await JmapTestServer.GetAsync(fixture);
        using var client = await NewUserAsync(server, "quota", quotaBytes: 1_000_000, quotaMessages: 50);
        var list = await QuotasAsync(client);
        Assert.Equal(2, list.Count);
        var octets = list.Single(q => q!["resourceType"]!.GetValue<string>() == "octets")!;
        var count = list.Single(q => q!["resourceType"]!.GetValue<string>() == "count")!;
        Assert.Equal(1_000_000, octets["hardLimit"]!.GetValue<long>());
        Assert.Equal(50, count["hardLimit"]!.GetValue<long>());
        foreach (var quota in new[] { octets, count })
        {
            Assert.False(string.IsNullOrEmpty(quota["id"]!.GetValue<string>()));
            Assert.Equal(0, quota["used"]!.GetValue<long>());

            // RFC 9425 §4: scope is one of "account", "domain" or "global"; types lists data types the quota applies to.
            Assert.Equal("account", quota["scope"]!.GetValue<string>());
            Assert.False(string.IsNullOrEmpty(quota["name"]!.GetValue<string>()));
            Assert.Contains("Email", quota["types"]!.AsArray().Select(t => t!.GetValue<string>()));

            // RFC 9425 §4: warnLimit, softLimit and description are optional; when present they have their types.
            Assert.True(quota["description"] is null || quota["description"]!.GetValueKind() == System.Text.Json.JsonValueKind.String);
            Assert.True(quota["warnLimit"] is null || quota["warnLimit"]!.GetValue<long>() <= quota["hardLimit"]!.GetValue<long>());
            Assert.True(quota["softLimit"] is null || quota["softLimit"]!.GetValue<long>() <= quota["hardLimit"]!.GetValue<long>());
        }
    }

    [Fact]
    public async Task Rfc9425_4_1_an_account_without_limits_has_no_quota_and_unknown_ids_are_notFound()
    {
        var server = await JmapTestServer.GetAsync(fixture);
        using var client = await server.NewUserAsync("quota");
        var result = await client.OkAsync("Quota/get", new JsonObject { ["ids"] = Ids("Qstorage", "nope") }, Quota);
        Assert.Empty(result["list"]!.AsArray());
        Assert.Equal(2, result["notFound"]!.AsArray().Count);
    }

    [Fact]
    public async Task Rfc9425_4_used_moves_after_a_delivery_and_changes_reports_the_quota()
    {
        var server = await JmapTestServer.GetAsync(fixture);
        using var client = await NewUserAsync(server, "quota", quotaBytes: 1_000_000, quotaMessages: 50);
        var before = await client.OkAsync("Quota/get", new JsonObject(), Quota);
        var state = before["state"]!.GetValue<string>();
        await server.DeliverAsync(client.Address, "Counts", new string('x', 2000));
        var after = await client.OkAsync("Quota/get", new JsonObject(), Quota);
        Assert.NotEqual(state, after["state"]!.GetValue<string>());
        var octets = after["list"]!.AsArray().Single(q => q!["resourceType"]!.GetValue<string>() == "octets")!;
        var count = after["list"]!.AsArray().Single(q => q!["resourceType"]!.GetValue<string>() == "count")!;
        Assert.True(octets["used"]!.GetValue<long>() > 2000);
        Assert.Equal(1, count["used"]!.GetValue<long>());

        var changes = await client.OkAsync("Quota/changes", new JsonObject { ["sinceState"] = state }, Quota);
        Assert.Equal(state, changes["oldState"]!.GetValue<string>());
        Assert.Equal(after["state"]!.GetValue<string>(), changes["newState"]!.GetValue<string>());
        Assert.Equal(2, changes["updated"]!.AsArray().Count);
        Assert.Empty(changes["created"]!.AsArray());

        // RFC 8620 §5.2: updatedProperties, when given, lists the properties that changed.
        if (changes["updatedProperties"] is JsonArray updated)
        {
            Assert.Contains("used", updated.Select(p => p!.GetValue<string>()));
        }

        var none = await client.OkAsync("Quota/changes", new JsonObject { ["sinceState"] = changes["newState"]!.GetValue<string>() }, Quota);
        Assert.Empty(none["updated"]!.AsArray());
    }

    [Fact]
    public async Task Rfc9425_4_3_query_filters_by_name_scope_resourceType_and_type()
    {
        var server = await JmapTestServer.GetAsync(fixture);
        using var client = await NewUserAsync(server, "quota", quotaBytes: 1_000_000, quotaMessages: 50);
        var list = await QuotasAsync(client);
        string Id(string resourceType) => list.Single(q => q!["resourceType"]!.GetValue<string>() == resourceType)!["id"]!.GetValue<string>();
        var octetsName = list.Single(q => q!["resourceType"]!.GetValue<string>() == "octets")!["name"]!.GetValue<string>();
        Assert.Equal(2, (await QueryAsync(client, new JsonObject())).Count);
        Assert.Equal([Id("octets")], await QueryAsync(client, new JsonObject { ["filter"] = new JsonObject { ["resourceType"] = "octets" } }));
        Assert.Equal([Id("count")], await QueryAsync(client, new JsonObject { ["filter"] = new JsonObject { ["resourceType"] = "count" } }));
        Assert.Equal(2, (await QueryAsync(client, new JsonObject { ["filter"] = new JsonObject { ["scope"] = "account" } })).Count);
        Assert.Empty(await QueryAsync(client, new JsonObject { ["filter"] = new JsonObject { ["scope"] = "domain" } }));
        Assert.Equal([Id("octets")], await QueryAsync(client, new JsonObject { ["filter"] = new JsonObject { ["name"] = octetsName } }));
        Assert.Equal(2, (await QueryAsync(client, new JsonObject { ["filter"] = new JsonObject { ["type"] = "Email" } })).Count);
        Assert.Empty(await QueryAsync(client, new JsonObject { ["filter"] = new JsonObject { ["type"] = "Calendar" } }));
        Assert.Equal("unsupportedFilter", await client.ErrorAsync("Quota/query", new JsonObject { ["filter"] = new JsonObject { ["colour"] = "red" } }, Quota));
    }

    [Fact]
    public async Task Rfc9425_4_3_query_sorts_by_name_and_used()
    {
        var server = await JmapTestServer.GetAsync(fixture);
        using var client = await NewUserAsync(server, "quota", quotaBytes: 1_000_000, quotaMessages: 50);
        await server.DeliverAsync(client.Address, "Used", new string('y', 3000));
        var list = await QuotasAsync(client);
        var byName = list.OrderBy(q => q!["name"]!.GetValue<string>(), StringComparer.Ordinal).Select(q => q!["id"]!.GetValue<string>()).ToList();
        var byUsed = list.OrderBy(q => q!["used"]!.GetValue<long>()).Select(q => q!["id"]!.GetValue<string>()).ToList();
        JsonObject Sort(string property, bool ascending) => new() { ["sort"] = new JsonArray(new JsonObject { ["property"] = property, ["isAscending"] = ascending }) };
        Assert.Equal(byName, await QueryAsync(client, Sort("name", true)));
        Assert.Equal(byUsed, await QueryAsync(client, Sort("used", true)));
        byUsed.Reverse();
        Assert.Equal(byUsed, await QueryAsync(client, Sort("used", false)));
        Assert.Equal("unsupportedSort", await client.ErrorAsync("Quota/query", Sort("hardLimit", true), Quota));
    }

    [Fact]
    public async Task Rfc9425_4_4_queryChanges_answers_with_changes_or_cannotCalculateChanges()
    {
        // RFC 8620 §5.6: a server that cannot calculate the changes answers cannotCalculateChanges, never a wrong delta.
        var server = await JmapTestServer.GetAsync(fixture);
        using var client = await NewUserAsync(server, "quota", quotaBytes: 1_000_000);
        var query = await client.OkAsync("Quota/query", new JsonObject(), Quota);
        var response = await client.CallOneAsync("Quota/queryChanges", new JsonObject { ["sinceQueryState"] = query["queryState"]!.GetValue<string>() }, Quota);
        if (response[0]!.GetValue<string>() == "error")
        {
            Assert.Equal("cannotCalculateChanges", response[1]!["type"]!.GetValue<string>());
            Assert.False(query["canCalculateChanges"]!.GetValue<bool>());
        }
        else
        {
            Assert.Empty(response[1]!["added"]!.AsArray());
            Assert.Empty(response[1]!["removed"]!.AsArray());
        }
    }

    [Fact]
    public async Task Rfc9425_5_an_import_over_the_quota_is_overQuota_and_a_delivery_over_it_is_refused()
    {
        // RFC 8620 §5.3: "overQuota: The create would exceed a server-defined limit on the number or total size of objects of this type."
        var server = await JmapTestServer.GetAsync(fixture);
        using var client = await NewUserAsync(server, "quota", quotaMessages: 1);
        await server.DeliverAsync(client.Address, "Fills the quota");
        var raw = "From: a@elsewhere.test\r\nTo: " + client.Address + "\r\nSubject: One too many\r\n\r\nHi\r\n";
        var blobId = await UploadAsync(client, Encoding.UTF8.GetBytes(raw), "message/rfc822");
        var inbox = await client.MailboxIdAsync("inbox");
        var imported = await client.OkAsync("Email/import", new JsonObject
        {
            ["emails"] = new JsonObject { ["i"] = new JsonObject { ["blobId"] = blobId, ["mailboxIds"] = new JsonObject { [inbox] = true } } },
        });
        Assert.Equal("overQuota", imported["notCreated"]!["i"]!["type"]!.GetValue<string>());

        var (status, outcomes) = await server.Mail.DeliverAsync(Encoding.UTF8.GetBytes(raw), CancellationToken.None, client.Address);
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("over-quota", Assert.Single(outcomes));
        Assert.Single(await EmailIdsAsync(client));
    }
}
