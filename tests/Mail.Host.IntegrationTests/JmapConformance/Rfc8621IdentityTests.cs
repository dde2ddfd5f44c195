using System.Text.Json;
using System.Text.Json.Nodes;
using static Mail.Host.IntegrationTests.JmapConformance.PartCHelpers;

namespace Mail.Host.IntegrationTests.JmapConformance;

/// <summary>RFC 8621 §6: Identity/get, Identity/changes and Identity/set.</summary>
[Collection(DeploymentCollection.Name)]
public sealed class Rfc8621IdentityTests(DeploymentFixture fixture)
{
    private static readonly string[] AllProperties = ["id", "name", "email", "replyTo", "bcc", "textSignature", "htmlSignature", "mayDelete"];

    [Fact]
    public async Task Rfc8621_6_get_returns_every_identity_property_with_its_type()
    {
        using var client = await (await JmapTestServer.GetAsync(fixture)).NewUserAsync("ident");
        var got = await client.OkAsync("Identity/get", new JsonObject { ["ids"] = null }, Submission);
        var identity = Assert.Single(got["list"]!.AsArray())!.AsObject();
        foreach (var property in AllProperties)
        {
            Assert.True(identity.ContainsKey(property), property);
        }

        Assert.Equal(client.Address, identity["email"]!.GetValue<string>());
        Assert.Equal(JsonValueKind.String, identity["name"]!.GetValueKind());
        Assert.Equal(JsonValueKind.String, identity["textSignature"]!.GetValueKind());
        Assert.Equal(JsonValueKind.String, identity["htmlSignature"]!.GetValueKind());
        Assert.Null(identity["replyTo"]);
        Assert.Null(identity["bcc"]);
        Assert.Contains(identity["mayDelete"]!.GetValueKind(), new[] { JsonValueKind.True, JsonValueKind.False });
        Assert.False(string.IsNullOrEmpty(got["state"]!.GetValue<string>()));
    }

    [Fact]
    public async Task Rfc8620_5_1_get_with_properties_returns_those_and_always_the_id()
    {
        // RFC 8620 §5.1: "The id property of the object is always returned, regardless of whether it is in the list."
        using var client = await (await JmapTestServer.GetAsync(fixture)).NewUserAsync("ident");
        var got = await client.OkAsync("Identity/get", new JsonObject { ["properties"] = new JsonArray("email") }, Submission);
        var identity = got["list"]![0]!.AsObject();
        Assert.Equal(["email", "id"], identity.Select(p => p.Key).Order());
    }

    [Fact]
    public async Task Rfc8621_6_create_with_every_property_reads_back_the_same()
    {
        using var client = await (await JmapTestServer.GetAsync(fixture)).NewUserAsync("ident");
        var set = await client.OkAsync("Identity/set", new JsonObject
        {
            ["create"] = new JsonObject
            {
                ["w"] = new JsonObject
                {
                    ["name"] = "Work",
                    ["email"] = client.Address,
                    ["replyTo"] = new JsonArray(new JsonObject { ["name"] = "Desk", ["email"] = "desk@example.org" }),
                    ["bcc"] = new JsonArray(new JsonObject { ["name"] = null, ["email"] = "archive@example.org" }),
                    ["textSignature"] = "-- \nWork",
                    ["htmlSignature"] = "<p>Work</p>",
                },
            },
        }, Submission);
        var id = Created(set, "w");

        // RFC 8620 §5.3: created holds "any properties that were omitted by the client and thus set to a default by the server".
        Assert.NotNull(set["created"]!["w"]!["mayDelete"]);
        var got = (await client.OkAsync("Identity/get", new JsonObject { ["ids"] = Ids(id) }, Submission))["list"]![0]!;
        Assert.Equal("Work", got["name"]!.GetValue<string>());
        Assert.Equal("desk@example.org", got["replyTo"]![0]!["email"]!.GetValue<string>());
        Assert.Equal("archive@example.org", got["bcc"]![0]!["email"]!.GetValue<string>());
        Assert.Equal("-- \nWork", got["textSignature"]!.GetValue<string>());
        Assert.Equal("<p>Work</p>", got["htmlSignature"]!.GetValue<string>());
        Assert.True(got["mayDelete"]!.GetValue<bool>());
    }

    [Fact]
    public async Task Rfc8621_6_create_for_another_address_of_the_account_is_allowed()
    {
        var server = await JmapTestServer.GetAsync(fixture);
        using var client = await NewUserAsync(server, "alias", extraAddresses: ["{name}.alias@example.org"]);
        var alias = client.Name + ".alias@example.org";
        var set = await client.OkAsync("Identity/set", new JsonObject { ["create"] = new JsonObject { ["a"] = new JsonObject { ["email"] = alias } } }, Submission);
        var id = Created(set, "a");
        var got = (await client.OkAsync("Identity/get", new JsonObject { ["ids"] = Ids(id) }, Submission))["list"]![0]!;
        Assert.Equal(alias, got["email"]!.GetValue<string>());

        // Omitted properties take their defaults.
        Assert.Equal(string.Empty, got["name"]!.GetValue<string>());
        Assert.Equal(string.Empty, got["textSignature"]!.GetValue<string>());
    }

    [Theory]
    [InlineData("ceo@example.org")]
    [InlineData("*@example.org")]
    [InlineData("someone@elsewhere.test")]
    public async Task Rfc8621_6_3_create_for_an_address_the_user_may_not_send_from_is_forbiddenFrom(string email)
    {
        // RFC 8621 §6.3: "forbiddenFrom: The user is not allowed to send from the address given as the email property of the Identity."
        using var client = await (await JmapTestServer.GetAsync(fixture)).NewUserAsync("ident");
        var set = await client.OkAsync("Identity/set", new JsonObject { ["create"] = new JsonObject { ["s"] = new JsonObject { ["email"] = email } } }, Submission);
        Assert.Equal("forbiddenFrom", NotCreated(set));
    }

    [Theory]
    [InlineData("name", 5)]
    [InlineData("replyTo", "x@example.org")]
    [InlineData("bcc", 1)]
    [InlineData("flavour", "vanilla")]
    [InlineData("mayDelete", true)]
    [InlineData("id", "I77")]
    public async Task Rfc8620_5_3_create_with_a_bad_or_server_set_property_is_invalidProperties(string property, object value)
    {
        // RFC 8620 §5.3: invalidProperties, "The SetError object SHOULD also have a property called properties of type String[]".
        using var client = await (await JmapTestServer.GetAsync(fixture)).NewUserAsync("ident");
        var create = new JsonObject { ["email"] = client.Address, [property] = JsonSerializer.SerializeToNode(value) };
        var set = await client.OkAsync("Identity/set", new JsonObject { ["create"] = new JsonObject { ["s"] = create } }, Submission);
        Assert.Equal("invalidProperties", NotCreated(set));
        Assert.Contains(property, set["notCreated"]!["s"]!["properties"]!.AsArray().Select(p => p!.GetValue<string>()));
    }

    [Fact]
    public async Task Rfc8621_6_update_changes_name_and_signatures_but_not_the_email()
    {
        using var client = await (await JmapTestServer.GetAsync(fixture)).NewUserAsync("ident");
        var id = await IdentityIdAsync(client);
        var set = await client.OkAsync("Identity/set", new JsonObject
        {
            ["update"] = new JsonObject
            {
                [id] = new JsonObject { ["name"] = "Renamed", ["textSignature"] = "sig", ["replyTo"] = new JsonArray(new JsonObject { ["email"] = client.Address }) },
            },
        }, Submission);
        Assert.True(set["updated"]!.AsObject().ContainsKey(id), set.ToJsonString());
        var got = (await client.OkAsync("Identity/get", new JsonObject { ["ids"] = Ids(id) }, Submission))["list"]![0]!;
        Assert.Equal("Renamed", got["name"]!.GetValue<string>());
        Assert.Equal("sig", got["textSignature"]!.GetValue<string>());
        Assert.Equal(client.Address, got["replyTo"]![0]!["email"]!.GetValue<string>());

        // RFC 8621 §6: email is "(immutable)".
        set = await client.OkAsync("Identity/set", new JsonObject { ["update"] = new JsonObject { [id] = new JsonObject { ["email"] = "other@example.org" } } }, Submission);
        Assert.Equal("invalidProperties", set["notUpdated"]![id]!["type"]!.GetValue<string>());
    }

    [Fact]
    public async Task Rfc8620_5_3_update_and_destroy_of_an_unknown_identity_are_notFound()
    {
        using var client = await (await JmapTestServer.GetAsync(fixture)).NewUserAsync("ident");
        var set = await client.OkAsync("Identity/set", new JsonObject
        {
            ["update"] = new JsonObject { ["I999999"] = new JsonObject { ["name"] = "x" } },
            ["destroy"] = new JsonArray("I999998", "M1"),
        }, Submission);
        Assert.Equal("notFound", set["notUpdated"]!["I999999"]!["type"]!.GetValue<string>());
        Assert.Equal("notFound", set["notDestroyed"]!["I999998"]!["type"]!.GetValue<string>());
        Assert.Equal("notFound", set["notDestroyed"]!["M1"]!["type"]!.GetValue<string>());
    }

    [Fact]
    public async Task Rfc8621_6_destroy_removes_an_identity_that_mayDelete()
    {
        using var client = await (await JmapTestServer.GetAsync(fixture)).NewUserAsync("ident");
        var created = await client.OkAsync("Identity/set", new JsonObject { ["create"] = new JsonObject { ["s"] = new JsonObject { ["email"] = client.Address, ["name"] = "Temp" } } }, Submission);
        var id = Created(created);
        var set = await client.OkAsync("Identity/set", new JsonObject { ["destroy"] = Ids(id) }, Submission);
        Assert.Contains(id, set["destroyed"]!.AsArray().Select(d => d!.GetValue<string>()));
        var got = await client.OkAsync("Identity/get", new JsonObject { ["ids"] = Ids(id) }, Submission);
        Assert.Equal(id, Assert.Single(got["notFound"]!.AsArray())!.GetValue<string>());
    }

    [Fact]
    public async Task Rfc8621_6_an_identity_with_mayDelete_false_cannot_be_destroyed()
    {
        // RFC 8621 §6: "Attempts to destroy an Identity with mayDelete: false will be rejected with a standard forbidden SetError."
        using var client = await (await JmapTestServer.GetAsync(fixture)).NewUserAsync("ident");
        var list = (await client.OkAsync("Identity/get", new JsonObject(), Submission))["list"]!.AsArray();
        var keep = list.FirstOrDefault(i => !i!["mayDelete"]!.GetValue<bool>());
        Assert.True(keep is not null, "the account's default identity (its primary address) has mayDelete false");
        var id = keep!["id"]!.GetValue<string>();
        var set = await client.OkAsync("Identity/set", new JsonObject { ["destroy"] = Ids(id) }, Submission);
        Assert.Equal("forbidden", set["notDestroyed"]![id]!["type"]!.GetValue<string>());
        var got = await client.OkAsync("Identity/get", new JsonObject { ["ids"] = Ids(id) }, Submission);
        Assert.Single(got["list"]!.AsArray());

        // mayDelete is server-set: the client cannot change it.
        set = await client.OkAsync("Identity/set", new JsonObject { ["update"] = new JsonObject { [id] = new JsonObject { ["mayDelete"] = true } } }, Submission);
        Assert.Equal("invalidProperties", set["notUpdated"]![id]!["type"]!.GetValue<string>());

        // Updating its other properties is fine.
        set = await client.OkAsync("Identity/set", new JsonObject { ["update"] = new JsonObject { [id] = new JsonObject { ["name"] = "Still me" } } }, Submission);
        Assert.True(set["updated"]!.AsObject().ContainsKey(id), set.ToJsonString());
    }

    [Fact]
    public async Task Rfc8620_5_2_changes_reports_created_updated_and_destroyed_identities()
    {
        using var client = await (await JmapTestServer.GetAsync(fixture)).NewUserAsync("ident");
        var state = (await client.OkAsync("Identity/get", new JsonObject(), Submission))["state"]!.GetValue<string>();
        var defaultId = await IdentityIdAsync(client);
        var set = await client.OkAsync("Identity/set", new JsonObject
        {
            ["create"] = new JsonObject { ["a"] = new JsonObject { ["email"] = client.Address }, ["b"] = new JsonObject { ["email"] = client.Address } },
            ["update"] = new JsonObject { [defaultId] = new JsonObject { ["name"] = "Changed" } },
        }, Submission);
        var a = Created(set, "a");
        var b = Created(set, "b");
        Assert.Equal(state, set["oldState"]!.GetValue<string>());
        var mid = set["newState"]!.GetValue<string>();
        Assert.NotEqual(state, mid);
        await client.OkAsync("Identity/set", new JsonObject { ["destroy"] = Ids(b) }, Submission);

        var changes = await client.OkAsync("Identity/changes", new JsonObject { ["sinceState"] = mid }, Submission);
        Assert.Equal(mid, changes["oldState"]!.GetValue<string>());
        Assert.Equal([b], changes["destroyed"]!.AsArray().Select(d => d!.GetValue<string>()));
        Assert.Empty(changes["created"]!.AsArray());

        changes = await client.OkAsync("Identity/changes", new JsonObject { ["sinceState"] = state }, Submission);
        var created = changes["created"]!.AsArray().Select(d => d!.GetValue<string>()).ToList();

        // RFC 8620 §5.2: an object created and destroyed since the old state MAY be left out, or appear in destroyed.
        Assert.Contains(a, created);
        Assert.Contains(defaultId, changes["updated"]!.AsArray().Select(d => d!.GetValue<string>()));
        Assert.False(changes["hasMoreChanges"]!.GetValue<bool>());

        changes = await client.OkAsync("Identity/changes", new JsonObject { ["sinceState"] = changes["newState"]!.GetValue<string>() }, Submission);
        Assert.Empty(changes["created"]!.AsArray());
        Assert.Empty(changes["updated"]!.AsArray());
        Assert.Empty(changes["destroyed"]!.AsArray());
    }

    [Fact]
    public async Task Rfc8620_5_2_changes_from_an_unknown_state_is_cannotCalculateChanges()
    {
        using var client = await (await JmapTestServer.GetAsync(fixture)).NewUserAsync("ident");
        Assert.Equal("cannotCalculateChanges", await client.ErrorAsync("Identity/changes", new JsonObject { ["sinceState"] = "nonsense" }, Submission));
    }

    [Fact]
    public async Task Rfc8620_5_1_get_of_unknown_ids_lists_them_in_notFound_once()
    {
        // RFC 8620 §5.1: "If an identical id is included more than once in the request, the server MUST only include it once".
        using var client = await (await JmapTestServer.GetAsync(fixture)).NewUserAsync("ident");
        var id = await IdentityIdAsync(client);
        var got = await client.OkAsync("Identity/get", new JsonObject { ["ids"] = Ids(id, id, "I424242", "Mnope") }, Submission);
        Assert.Single(got["list"]!.AsArray());
        Assert.Equal(2, got["notFound"]!.AsArray().Count);
    }
}
