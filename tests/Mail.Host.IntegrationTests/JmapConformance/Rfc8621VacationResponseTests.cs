using System.Text.Json;
using System.Text.Json.Nodes;
using static Mail.Host.IntegrationTests.JmapConformance.PartCHelpers;

namespace Mail.Host.IntegrationTests.JmapConformance;

/// <summary>
/// RFC 8621 §8: the VacationResponse singleton, /get and /set. (Replies on delivery, and fromDate/toDate deciding
/// them, are in <see cref="JmapVacationTests"/>.)
/// </summary>
[Collection(DeploymentCollection.Name)]
public sealed class Rfc8621VacationResponseTests(DeploymentFixture fixture)
{
    private static async Task<JsonObject> GetAsync(JmapClient client)
        => (await client.OkAsync("VacationResponse/get", new JsonObject(), Vacation))["list"]![0]!.AsObject();

    private static Task<JsonObject> UpdateAsync(JmapClient client, JsonObject patch)
        => client.OkAsync("VacationResponse/set", new JsonObject { ["update"] = new JsonObject { ["singleton"] = patch } }, Vacation);

    [Fact]
    public async Task Rfc8621_8_get_returns_the_singleton_with_every_property_and_its_default()
    {
        // RFC 8621 §8: "There is only ever one VacationResponse object, and its id is singleton".
        using var client = await (await JmapTestServer.GetAsync(fixture)).NewUserAsync("vac");
        var got = await client.OkAsync("VacationResponse/get", new JsonObject { ["ids"] = null }, Vacation);
        var response = Assert.Single(got["list"]!.AsArray())!.AsObject();
        Assert.Equal("singleton", response["id"]!.GetValue<string>());
        Assert.Equal(JsonValueKind.False, response["isEnabled"]!.GetValueKind());
        foreach (var property in new[] { "fromDate", "toDate", "subject", "textBody", "htmlBody" })
        {
            Assert.True(response.ContainsKey(property), property);
            Assert.Null(response[property]);
        }

        Assert.False(string.IsNullOrEmpty(got["state"]!.GetValue<string>()));
    }

    [Fact]
    public async Task Rfc8620_5_1_get_of_another_id_is_notFound_and_properties_are_honoured()
    {
        using var client = await (await JmapTestServer.GetAsync(fixture)).NewUserAsync("vac");
        var got = await client.OkAsync("VacationResponse/get", new JsonObject { ["ids"] = Ids("singleton", "other", "singleton"), ["properties"] = new JsonArray("isEnabled") }, Vacation);
        Assert.Equal(["id", "isEnabled"], Assert.Single(got["list"]!.AsArray())!.AsObject().Select(p => p.Key).Order());
        Assert.Equal(["other"], got["notFound"]!.AsArray().Select(n => n!.GetValue<string>()));
    }

    [Fact]
    public async Task Rfc8621_8_set_update_of_every_property_reads_back_and_changes_the_state()
    {
        using var client = await (await JmapTestServer.GetAsync(fixture)).NewUserAsync("vac");
        var set = await UpdateAsync(client, new JsonObject
        {
            ["isEnabled"] = true,
            ["fromDate"] = "2026-12-20T00:00:00Z",
            ["toDate"] = "2027-01-05T00:00:00Z",
            ["subject"] = "Holidays",
            ["textBody"] = "Back in January.",
            ["htmlBody"] = "<p>Back in January.</p>",
        });
        Assert.True(set["updated"]!.AsObject().ContainsKey("singleton"), set.ToJsonString());
        Assert.NotEqual(set["oldState"]!.GetValue<string>(), set["newState"]!.GetValue<string>());
        var got = await GetAsync(client);
        Assert.True(got["isEnabled"]!.GetValue<bool>());
        Assert.Equal("2026-12-20T00:00:00Z", got["fromDate"]!.GetValue<string>());
        Assert.Equal("2027-01-05T00:00:00Z", got["toDate"]!.GetValue<string>());
        Assert.Equal("Holidays", got["subject"]!.GetValue<string>());
        Assert.Equal("<p>Back in January.</p>", got["htmlBody"]!.GetValue<string>());

        // Setting a property back to null clears it.
        set = await UpdateAsync(client, new JsonObject { ["fromDate"] = null, ["htmlBody"] = null });
        Assert.True(set["updated"]!.AsObject().ContainsKey("singleton"), set.ToJsonString());
        got = await GetAsync(client);
        Assert.Null(got["fromDate"]);
        Assert.Null(got["htmlBody"]);
        Assert.Equal("Back in January.", got["textBody"]!.GetValue<string>());
    }

    [Fact]
    public async Task Rfc8621_8_create_and_destroy_are_refused_with_singleton()
    {
        // RFC 8621 §8: "The singleton ... attempts to create or destroy it MUST be rejected with a singleton SetError" (RFC 8620 §5.3 singleton).
        using var client = await (await JmapTestServer.GetAsync(fixture)).NewUserAsync("vac");
        var set = await client.OkAsync("VacationResponse/set", new JsonObject
        {
            ["create"] = new JsonObject { ["n"] = new JsonObject { ["isEnabled"] = true } },
            ["destroy"] = Ids("singleton"),
        }, Vacation);
        Assert.Equal("singleton", set["notCreated"]!["n"]!["type"]!.GetValue<string>());
        Assert.Equal("singleton", set["notDestroyed"]!["singleton"]!["type"]!.GetValue<string>());
        Assert.False((await GetAsync(client))["isEnabled"]!.GetValue<bool>());
    }

    [Fact]
    public async Task Rfc8620_5_3_update_of_another_id_is_notFound()
    {
        using var client = await (await JmapTestServer.GetAsync(fixture)).NewUserAsync("vac");
        var set = await client.OkAsync("VacationResponse/set", new JsonObject { ["update"] = new JsonObject { ["other"] = new JsonObject { ["isEnabled"] = true } } }, Vacation);
        Assert.Equal("notFound", set["notUpdated"]!["other"]!["type"]!.GetValue<string>());
    }

    [Theory]
    [InlineData("fromDate", "next week")]
    [InlineData("toDate", "2026-12-20T00:00:00+02:00")]
    [InlineData("fromDate", 5)]
    [InlineData("isEnabled", null)]
    [InlineData("subject", 7)]
    [InlineData("id", "other")]
    public async Task Rfc8620_5_3_update_with_a_bad_value_is_invalidProperties_and_changes_nothing(string property, object? value)
    {
        // RFC 8620 §1.4: a UTCDate's "time-offset MUST be Z"; RFC 8620 §5.3: invalidProperties for a value of the wrong type.
        using var client = await (await JmapTestServer.GetAsync(fixture)).NewUserAsync("vac");
        var set = await UpdateAsync(client, new JsonObject { ["subject"] = "Kept?", [property] = value is null ? null : JsonSerializer.SerializeToNode(value) });
        Assert.Equal("invalidProperties", set["notUpdated"]!["singleton"]!["type"]!.GetValue<string>());
        Assert.Contains(property, set["notUpdated"]!["singleton"]!["properties"]!.AsArray().Select(p => p!.GetValue<string>()));
        Assert.Null((await GetAsync(client))["subject"]);
    }

    [Fact]
    public async Task Rfc8620_5_3_an_update_naming_a_property_the_object_does_not_have_is_refused()
    {
        // RFC 8620 §5.3: the patch is invalid (invalidPatch) or names a property the type does not have (invalidProperties).
        using var client = await (await JmapTestServer.GetAsync(fixture)).NewUserAsync("vac");
        var set = await UpdateAsync(client, new JsonObject { ["subject"] = "Kept?", ["flavour"] = "vanilla" });
        Assert.Contains(set["notUpdated"]!["singleton"]!["type"]!.GetValue<string>(), new[] { "invalidPatch", "invalidProperties" });
        Assert.Null((await GetAsync(client))["subject"]);
    }

    [Fact]
    public async Task Rfc8620_5_3_ifInState_guards_the_update()
    {
        // RFC 8620 §5.3: "If supplied, the string must match the current state ... otherwise, the method will be aborted and a stateMismatch error returned."
        using var client = await (await JmapTestServer.GetAsync(fixture)).NewUserAsync("vac");
        var state = (await client.OkAsync("VacationResponse/get", new JsonObject(), Vacation))["state"]!.GetValue<string>();
        var set = await client.OkAsync("VacationResponse/set", new JsonObject { ["ifInState"] = state, ["update"] = new JsonObject { ["singleton"] = new JsonObject { ["subject"] = "A" } } }, Vacation);
        Assert.True(set["updated"]!.AsObject().ContainsKey("singleton"));
        Assert.Equal("stateMismatch", await client.ErrorAsync("VacationResponse/set", new JsonObject { ["ifInState"] = state, ["update"] = new JsonObject { ["singleton"] = new JsonObject { ["subject"] = "B" } } }, Vacation));
        Assert.Equal("A", (await GetAsync(client))["subject"]!.GetValue<string>());
    }
}
