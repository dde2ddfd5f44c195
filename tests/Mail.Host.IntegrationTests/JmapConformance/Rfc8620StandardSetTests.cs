using System.Text.Json.Nodes;
using static Mail.Host.IntegrationTests.JmapConformance.PartAHelpers;

namespace Mail.Host.IntegrationTests.JmapConformance;

/// <summary>RFC 8620 §5.3: /set, on Mailbox and Email.</summary>
[Collection(DeploymentCollection.Name)]
public sealed class Rfc8620StandardSetTests(DeploymentFixture fixture)
{
    [Fact]
    public async Task Rfc8620_5_3_ifInState_matching_the_current_state_applies_the_changes()
    {
        // RFC 8620 §5.3: "ifInState: ... If supplied, the string must match the current state"
        var server = await JmapTestServer.GetAsync(fixture);
        using var client = await server.NewUserAsync();
        var state = await client.MailboxStateAsync();
        var result = await client.OkAsync("Mailbox/set", new JsonObject { ["ifInState"] = state, ["create"] = new JsonObject { ["a"] = new JsonObject { ["name"] = "In state" } } });
        Assert.NotNull(result["created"]!["a"]);
        Assert.Equal("stateMismatch", await client.ErrorAsync("Mailbox/set", new JsonObject { ["ifInState"] = state, ["create"] = new JsonObject { ["b"] = new JsonObject { ["name"] = "Stale" } } }));
        var list = await client.OkAsync("Mailbox/get", new JsonObject { ["ids"] = null, ["properties"] = new JsonArray("name") });
        Assert.DoesNotContain("Stale", list["list"]!.AsArray().Select(m => m!["name"]!.GetValue<string>()));
    }

    [Fact]
    public async Task Rfc8620_5_3_oldState_and_newState_bracket_the_change()
    {
        // RFC 8620 §5.3: "oldState: The state string that would have been returned by Foo/get before making the requested changes"; "newState ... after"
        var server = await JmapTestServer.GetAsync(fixture);
        using var client = await server.NewUserAsync();
        var before = await client.MailboxStateAsync();
        var result = await client.OkAsync("Mailbox/set", new JsonObject { ["create"] = new JsonObject { ["a"] = new JsonObject { ["name"] = "States" } } });
        Assert.Equal(before, result["oldState"]!.GetValue<string>());
        Assert.Equal(await client.MailboxStateAsync(), result["newState"]!.GetValue<string>());
        Assert.NotEqual(before, result["newState"]!.GetValue<string>());
    }

    [Fact]
    public async Task Rfc8620_5_3_created_has_the_id_and_server_set_properties_updated_and_destroyed_list_what_happened()
    {
        // RFC 8620 §5.3: "created: ... the id and any properties that were omitted by the client and thus set to a default by the server"
        var server = await JmapTestServer.GetAsync(fixture);
        using var client = await server.NewUserAsync();
        var gone = await client.CreateMailboxAsync("To destroy");
        var renamed = await client.CreateMailboxAsync("To rename");
        var result = await client.OkAsync("Mailbox/set", new JsonObject
        {
            ["create"] = new JsonObject { ["new"] = new JsonObject { ["name"] = "Fresh" } },
            ["update"] = new JsonObject { [renamed] = new JsonObject { ["name"] = "Renamed" } },
            ["destroy"] = new JsonArray(gone),
        });
        var created = result["created"]!["new"]!.AsObject();
        Assert.False(string.IsNullOrEmpty(created["id"]!.GetValue<string>()));
        Assert.NotNull(created["myRights"]);
        Assert.True(result["updated"]!.AsObject().ContainsKey(renamed));
        Assert.Equal(gone, Assert.Single(result["destroyed"]!.AsArray())!.GetValue<string>());
        Assert.Null(result["notCreated"]);
        Assert.Null(result["notUpdated"]);
        Assert.Null(result["notDestroyed"]);
    }

    [Fact]
    public async Task Rfc8620_5_3_update_and_destroy_of_an_unknown_id_are_notFound()
    {
        // RFC 8620 §5.3: "notFound: The id given to update/destroy cannot be found."
        var server = await JmapTestServer.GetAsync(fixture);
        using var client = await server.NewUserAsync();
        var result = await client.OkAsync("Mailbox/set", new JsonObject
        {
            ["update"] = new JsonObject { ["M424242424"] = new JsonObject { ["name"] = "x" } },
            ["destroy"] = new JsonArray("M434343434"),
        });
        Assert.Equal("notFound", result["notUpdated"]!["M424242424"]!["type"]!.GetValue<string>());
        Assert.Equal("notFound", result["notDestroyed"]!["M434343434"]!["type"]!.GetValue<string>());
        var emails = await client.OkAsync("Email/set", new JsonObject
        {
            ["update"] = new JsonObject { ["E424242424"] = new JsonObject { ["keywords/$seen"] = true } },
            ["destroy"] = new JsonArray("E434343434"),
        });
        Assert.Equal("notFound", emails["notUpdated"]!["E424242424"]!["type"]!.GetValue<string>());
        Assert.Equal("notFound", emails["notDestroyed"]!["E434343434"]!["type"]!.GetValue<string>());
    }

    [Fact]
    public async Task Rfc8620_5_3_invalidProperties_names_the_properties()
    {
        // RFC 8620 §5.3: "invalidProperties: ... The SetError object SHOULD also have a property called 'properties' of type String[] that lists all the properties that were invalid."
        var server = await JmapTestServer.GetAsync(fixture);
        using var client = await server.NewUserAsync();
        var result = await client.OkAsync("Mailbox/set", new JsonObject { ["create"] = new JsonObject { ["a"] = new JsonObject { ["name"] = 42 } } });
        var error = result["notCreated"]!["a"]!;
        Assert.Equal("invalidProperties", error["type"]!.GetValue<string>());
        Assert.Contains("name", error["properties"]!.AsArray().Select(p => p!.GetValue<string>()));
    }

    [Theory]
    [InlineData("id")]
    [InlineData("totalEmails")]
    [InlineData("unreadThreads")]
    [InlineData("myRights")]
    public async Task Rfc8620_5_3_a_server_set_property_in_create_is_invalidProperties(string property)
    {
        // RFC 8620 §5.3: server-set properties "MUST NOT" be given by the client on create: invalidProperties.
        var server = await JmapTestServer.GetAsync(fixture);
        using var client = await server.NewUserAsync();
        var result = await client.OkAsync("Mailbox/set", new JsonObject { ["create"] = new JsonObject { ["a"] = new JsonObject { ["name"] = "Srv", [property] = 5 } } });
        var error = result["notCreated"]!["a"]!;
        Assert.Equal("invalidProperties", error["type"]!.GetValue<string>());
        Assert.Contains(property, error["properties"]!.AsArray().Select(p => p!.GetValue<string>()));
    }

    [Theory]
    [InlineData("totalEmails")]
    [InlineData("myRights")]
    [InlineData("id")]
    public async Task Rfc8620_5_3_updating_a_server_set_property_to_another_value_is_invalidProperties(string property)
    {
        // RFC 8620 §5.3: a server-set property may not be changed by the client: invalidProperties with that property.
        var server = await JmapTestServer.GetAsync(fixture);
        using var client = await server.NewUserAsync();
        var id = await client.CreateMailboxAsync("Server set");
        var result = await client.OkAsync("Mailbox/set", new JsonObject { ["update"] = new JsonObject { [id] = new JsonObject { [property] = 77 } } });
        var error = result["notUpdated"]![id]!;
        Assert.Equal("invalidProperties", error["type"]!.GetValue<string>());
        Assert.Contains(property, error["properties"]!.AsArray().Select(p => p!.GetValue<string>()));
    }

    [Fact]
    public async Task Rfc8620_5_3_patch_paths_go_through_objects()
    {
        // RFC 8620 §5.3: "The pointer MAY point inside a patch to update just part of the object"
        var server = await JmapTestServer.GetAsync(fixture);
        using var client = await server.NewUserAsync();
        var id = await server.DeliverAndFindAsync(client, "Patched");
        var result = await client.OkAsync("Email/set", new JsonObject { ["update"] = new JsonObject { [id] = new JsonObject { ["keywords/$flagged"] = true, ["keywords/$seen"] = true } } });
        Assert.True(result["updated"]!.AsObject().ContainsKey(id), result.ToJsonString());
        result = await client.OkAsync("Email/set", new JsonObject { ["update"] = new JsonObject { [id] = new JsonObject { ["keywords/$flagged"] = null } } });
        Assert.True(result["updated"]!.AsObject().ContainsKey(id), result.ToJsonString());
        var email = await client.OkAsync("Email/get", new JsonObject { ["ids"] = new JsonArray(id), ["properties"] = new JsonArray("keywords") });
        Assert.Equal(["$seen"], email["list"]![0]!["keywords"]!.AsObject().Select(k => k.Key));
    }

    [Fact]
    public async Task Rfc8620_5_3_patch_paths_unescape_tilde_zero()
    {
        // RFC 8620 §5.3 uses JSON Pointer (RFC 6901): "~0" in a path is "~" (and "~1" is "/").
        var server = await JmapTestServer.GetAsync(fixture);
        using var client = await server.NewUserAsync();
        var id = await server.DeliverAndFindAsync(client, "Tilde");
        var result = await client.OkAsync("Email/set", new JsonObject { ["update"] = new JsonObject { [id] = new JsonObject { ["keywords/a~0b"] = true } } });
        Assert.True(result["updated"]!.AsObject().ContainsKey(id), result.ToJsonString());
        var email = await client.OkAsync("Email/get", new JsonObject { ["ids"] = new JsonArray(id), ["properties"] = new JsonArray("keywords") });
        Assert.True(email["list"]![0]!["keywords"]!.AsObject().ContainsKey("a~b"), email.ToJsonString());
    }

    [Fact]
    public async Task Rfc8620_5_3_a_patch_setting_a_property_and_a_path_inside_it_is_invalidPatch()
    {
        // RFC 8620 §5.3: "a patch MUST NOT include ... a key that is a prefix of another key" -> invalidPatch.
        var server = await JmapTestServer.GetAsync(fixture);
        using var client = await server.NewUserAsync();
        var id = await server.DeliverAndFindAsync(client, "Bad patch");
        var result = await client.OkAsync("Email/set", new JsonObject
        {
            ["update"] = new JsonObject { [id] = new JsonObject { ["keywords"] = new JsonObject { ["$seen"] = true }, ["keywords/$flagged"] = true } },
        });
        Assert.Equal("invalidPatch", result["notUpdated"]![id]!["type"]!.GetValue<string>());
    }

    [Theory]
    [InlineData("keywords/")]
    [InlineData("/keywords")]
    [InlineData("nothing/at/all")]
    [InlineData("keywords/$seen/deeper")]
    public async Task Rfc8620_5_3_a_patch_path_that_does_not_resolve_is_invalidPatch_or_invalidProperties(string path)
    {
        // RFC 8620 §5.3: "invalidPatch: The PatchObject given to update the record was not a valid patch"
        var server = await JmapTestServer.GetAsync(fixture);
        using var client = await server.NewUserAsync();
        var id = await server.DeliverAndFindAsync(client, "Bad path");
        var result = await client.OkAsync("Email/set", new JsonObject { ["update"] = new JsonObject { [id] = new JsonObject { [path] = true } } });
        Assert.Contains(result["notUpdated"]![id]!["type"]!.GetValue<string>(), new[] { "invalidPatch", "invalidProperties" });
    }

    [Fact]
    public async Task Rfc8620_5_3_a_creation_id_reference_works_inside_the_same_set()
    {
        // RFC 8620 §5.3: "#" + creation id refers to an object created earlier in the same request, including the same /set.
        var server = await JmapTestServer.GetAsync(fixture);
        using var client = await server.NewUserAsync();
        var result = await client.OkAsync("Mailbox/set", new JsonObject
        {
            ["create"] = new JsonObject
            {
                ["top"] = new JsonObject { ["name"] = "Top" },
                ["sub"] = new JsonObject { ["name"] = "Sub", ["parentId"] = "#top" },
            },
        });
        var top = result["created"]!["top"]!["id"]!.GetValue<string>();
        var sub = result["created"]!["sub"]!["id"]!.GetValue<string>();
        var get = await client.OkAsync("Mailbox/get", new JsonObject { ["ids"] = new JsonArray(sub) });
        Assert.Equal(top, get["list"]![0]!["parentId"]!.GetValue<string>());
    }

    [Fact]
    public async Task Rfc8620_5_3_creation_ids_are_usable_as_update_and_destroy_keys_in_later_calls()
    {
        // RFC 8620 §5.3: the "#" reference works wherever an id is expected later in the request.
        var server = await JmapTestServer.GetAsync(fixture);
        using var client = await server.NewUserAsync();
        var responses = await client.CallsAsync(
            Call("Mailbox/set", new JsonObject { ["accountId"] = client.AccountId, ["create"] = new JsonObject { ["m"] = new JsonObject { ["name"] = "Ref me" } } }, "a"),
            Call("Mailbox/set", new JsonObject { ["accountId"] = client.AccountId, ["update"] = new JsonObject { ["#m"] = new JsonObject { ["name"] = "Referenced" } } }, "b"),
            Call("Mailbox/get", new JsonObject { ["accountId"] = client.AccountId, ["ids"] = new JsonArray("#m"), ["properties"] = new JsonArray("name") }, "c"),
            Call("Mailbox/set", new JsonObject { ["accountId"] = client.AccountId, ["destroy"] = new JsonArray("#m") }, "d"));
        var id = responses[0]![1]!["created"]!["m"]!["id"]!.GetValue<string>();
        Assert.True(responses[1]![1]!["updated"]!.AsObject().ContainsKey(id), responses[1]!.ToJsonString());
        Assert.Equal("Referenced", responses[2]![1]!["list"]![0]!["name"]!.GetValue<string>());
        Assert.Equal(id, responses[3]![1]!["destroyed"]![0]!.GetValue<string>());
    }

    [Fact]
    public async Task Rfc8620_5_3_an_unknown_creation_id_reference_fails_that_object_only()
    {
        // RFC 8620 §5.3: a reference to a creation id that was never created cannot resolve; the rest of the /set still applies.
        var server = await JmapTestServer.GetAsync(fixture);
        using var client = await server.NewUserAsync();
        var result = await client.OkAsync("Mailbox/set", new JsonObject
        {
            ["create"] = new JsonObject
            {
                ["orphan"] = new JsonObject { ["name"] = "Orphan", ["parentId"] = "#never" },
                ["fine"] = new JsonObject { ["name"] = "Fine" },
            },
        });
        Assert.NotNull(result["notCreated"]!["orphan"]!["type"]);
        Assert.NotNull(result["created"]!["fine"]);
    }

    [Fact]
    public async Task Rfc8620_5_3_over_maxObjectsInSet_is_requestTooLarge_on_Email_set()
    {
        // RFC 8620 §5.3: "requestTooLarge: The total number of objects to create, update, or destroy exceeds the maximum number the server is willing to process"
        var server = await JmapTestServer.GetAsync(fixture);
        using var client = await server.NewUserAsync();
        var max = (int)client.CoreLimit("maxObjectsInSet");
        var update = new JsonObject();
        for (var i = 1; i <= max + 1; i++)
        {
            update["E" + i] = new JsonObject { ["keywords/$seen"] = true };
        }

        Assert.Equal("requestTooLarge", await client.ErrorAsync("Email/set", new JsonObject { ["update"] = update }));
    }

    [Fact]
    public async Task Rfc8620_5_3_a_create_value_that_is_not_an_object_is_invalidArguments_or_a_set_error()
    {
        // RFC 8620 §5.3: "create: Id[Foo]|null"; a non-object is not a Foo.
        var server = await JmapTestServer.GetAsync(fixture);
        using var client = await server.NewUserAsync();
        var response = await client.CallOneAsync("Mailbox/set", new JsonObject { ["create"] = new JsonObject { ["x"] = "a string" } });
        if (response[0]!.GetValue<string>() == "error")
        {
            Assert.Equal("invalidArguments", response[1]!["type"]!.GetValue<string>());
        }
        else
        {
            Assert.Equal("invalidProperties", response[1]!["notCreated"]!["x"]!["type"]!.GetValue<string>());
        }
    }
}
