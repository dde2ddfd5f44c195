using System.Text.Json.Nodes;
using static Mail.Host.IntegrationTests.JmapConformance.PartBHelpers;

namespace Mail.Host.IntegrationTests.JmapConformance;

/// <summary>RFC 8621 §5 SearchSnippet/get.</summary>
[Collection(DeploymentCollection.Name)]
public sealed class Rfc8621SearchSnippetTests(DeploymentFixture fixture)
{
    private static async Task<JsonObject> SnippetAsync(JmapClient client, string id, JsonObject filter)
    {
        var result = await client.OkAsync("SearchSnippet/get", new JsonObject { ["emailIds"] = new JsonArray(id), ["filter"] = filter });
        return result["list"]![0]!.AsObject();
    }

    [Fact]
    public async Task S5_matches_in_subject_and_preview_are_marked()
    {
        var server = await JmapTestServer.GetAsync(fixture);
        using var client = await server.NewUserAsync();
        var id = await ImportAsync(client, Simple("Invoice for March", "Please pay the invoice by Friday."));
        var snippet = await SnippetAsync(client, id, new JsonObject { ["text"] = "invoice" });
        Assert.Equal(id, snippet["emailId"]!.GetValue<string>());
        Assert.Equal("<mark>Invoice</mark> for March", snippet["subject"]!.GetValue<string>());
        Assert.Contains("<mark>invoice</mark>", snippet["preview"]!.GetValue<string>());
    }

    [Fact]
    public async Task S5_text_is_html_escaped()
    {
        // RFC 8621 §5: "Any instance of the following three characters MUST be converted to an HTML entity: & < >".
        var server = await JmapTestServer.GetAsync(fixture);
        using var client = await server.NewUserAsync();
        var id = await ImportAsync(client, Simple("Tom & Jerry <cartoon>", "cats & mice <b>bold</b> cartoon"));
        var snippet = await SnippetAsync(client, id, new JsonObject { ["text"] = "cartoon" });
        Assert.Equal("Tom &amp; Jerry &lt;<mark>cartoon</mark>&gt;", snippet["subject"]!.GetValue<string>());
        var preview = snippet["preview"]!.GetValue<string>();
        Assert.Contains("&amp;", preview);
        Assert.Contains("&lt;b&gt;", preview);
        Assert.Contains("<mark>cartoon</mark>", preview);
    }

    [Fact]
    public async Task S5_subject_and_preview_are_null_when_they_do_not_match()
    {
        // RFC 8621 §5: subject: "If text from the filter matches the subject ... Otherwise, this is null."
        var server = await JmapTestServer.GetAsync(fixture);
        using var client = await server.NewUserAsync();
        var id = await ImportAsync(client, Simple("Weekly report", "Nothing to see in the body."));
        var bodyOnly = await SnippetAsync(client, id, new JsonObject { ["body"] = "nothing" });
        Assert.Null(bodyOnly["subject"]);
        Assert.Contains("<mark>Nothing</mark>", bodyOnly["preview"]!.GetValue<string>());
        var subjectOnly = await SnippetAsync(client, id, new JsonObject { ["subject"] = "weekly" });
        Assert.Equal("<mark>Weekly</mark> report", subjectOnly["subject"]!.GetValue<string>());
        Assert.Null(subjectOnly["preview"]);
    }

    [Fact]
    public async Task S5_a_filter_without_text_conditions_gives_null_snippets()
    {
        var server = await JmapTestServer.GetAsync(fixture);
        using var client = await server.NewUserAsync();
        var id = await ImportAsync(client, Simple("Keyword only"));
        var snippet = await SnippetAsync(client, id, new JsonObject { ["hasKeyword"] = "$seen" });
        Assert.Null(snippet["subject"]);
        Assert.Null(snippet["preview"]);
    }

    [Fact]
    public async Task S5_unknown_email_ids_are_notFound()
    {
        var server = await JmapTestServer.GetAsync(fixture);
        using var client = await server.NewUserAsync();
        var id = await ImportAsync(client, Simple("Found"));
        var result = await client.OkAsync("SearchSnippet/get", new JsonObject { ["emailIds"] = new JsonArray(id, "E999999", "junk"), ["filter"] = new JsonObject { ["text"] = "found" } });
        Assert.Single(result["list"]!.AsArray());
        Assert.Equal(["E999999", "junk"], Ids(result["notFound"]));
    }

    [Fact]
    public async Task S5_an_invalid_filter_gets_the_Email_query_error()
    {
        // RFC 8621 §5: the filter is "The same filter as passed to Email/query"; its errors are those of Email/query.
        var server = await JmapTestServer.GetAsync(fixture);
        using var client = await server.NewUserAsync();
        var id = await ImportAsync(client, Simple("Filter errors"));
        Assert.Equal("unsupportedFilter", await client.ErrorAsync("SearchSnippet/get", new JsonObject { ["emailIds"] = new JsonArray(id), ["filter"] = new JsonObject { ["colour"] = "red" } }));
        Assert.Equal("invalidArguments", await client.ErrorAsync("SearchSnippet/get", new JsonObject { ["emailIds"] = new JsonArray(id), ["filter"] = new JsonObject { ["before"] = "not a date" } }));
    }

    [Fact]
    public async Task S5_more_emailIds_than_maxObjectsInGet_is_requestTooLarge()
    {
        // RFC 8621 §5: requestTooLarge: "The number of emailIds requested by the client exceeds the maximum number the server is willing to process in a single method call."
        var server = await JmapTestServer.GetAsync(fixture);
        using var client = await server.NewUserAsync();
        var max = client.Session["capabilities"]!["urn:ietf:params:jmap:core"]!["maxObjectsInGet"]!.GetValue<int>();
        var ids = new JsonArray([.. Enumerable.Range(0, max + 1).Select(i => (JsonNode)$"E{i + 1}")]);
        Assert.Equal("requestTooLarge", await client.ErrorAsync("SearchSnippet/get", new JsonObject { ["emailIds"] = ids, ["filter"] = new JsonObject { ["text"] = "x" } }));
    }

    [Fact]
    public async Task S5_a_phrase_and_several_words_are_all_marked()
    {
        var server = await JmapTestServer.GetAsync(fixture);
        using var client = await server.NewUserAsync();
        var id = await ImportAsync(client, Simple("Green apples and red pears", "body"));
        var snippet = await SnippetAsync(client, id, new JsonObject
        {
            ["operator"] = "AND",
            ["conditions"] = new JsonArray(new JsonObject { ["subject"] = "apples" }, new JsonObject { ["text"] = "pears" }),
        });
        Assert.Equal("Green <mark>apples</mark> and red <mark>pears</mark>", snippet["subject"]!.GetValue<string>());
    }
}
