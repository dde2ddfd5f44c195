using System.Net;
using System.Text.Json.Nodes;

namespace Mail.Host.IntegrationTests.JmapConformance;

/// <summary>RFC 8620 §2: the session resource and its discovery.</summary>
[Collection(DeploymentCollection.Name)]
public sealed class Rfc8620SessionTests(DeploymentFixture fixture)
{
    [Fact]
    public async Task Rfc8620_2_the_session_has_every_required_property_with_its_type()
    {
        // RFC 8620 §2: capabilities, accounts, primaryAccounts, username, apiUrl, downloadUrl, uploadUrl, eventSourceUrl, state.
        var server = await JmapTestServer.GetAsync(fixture);
        using var client = await server.NewUserAsync();
        var session = client.Session;
        Assert.IsType<JsonObject>(session["capabilities"]);
        Assert.IsType<JsonObject>(session["accounts"]);
        Assert.IsType<JsonObject>(session["primaryAccounts"]);
        foreach (var name in new[] { "username", "apiUrl", "downloadUrl", "uploadUrl", "eventSourceUrl", "state" })
        {
            Assert.Equal(System.Text.Json.JsonValueKind.String, session[name]!.GetValueKind());
        }

        Assert.True(Uri.IsWellFormedUriString(session["apiUrl"]!.GetValue<string>(), UriKind.Absolute));
    }

    [Fact]
    public async Task Rfc8620_2_each_account_has_name_isPersonal_isReadOnly_and_accountCapabilities()
    {
        // RFC 8620 §2: Account object: name, isPersonal, isReadOnly, accountCapabilities.
        var server = await JmapTestServer.GetAsync(fixture);
        using var client = await server.NewUserAsync();
        foreach (var (_, node) in client.Session["accounts"]!.AsObject())
        {
            var account = node!.AsObject();
            Assert.False(string.IsNullOrEmpty(account["name"]!.GetValue<string>()));
            Assert.Equal(System.Text.Json.JsonValueKind.True, account["isPersonal"]!.GetValueKind());
            Assert.Equal(System.Text.Json.JsonValueKind.False, account["isReadOnly"]!.GetValueKind());
            Assert.IsType<JsonObject>(account["accountCapabilities"]);
        }
    }

    [Fact]
    public async Task Rfc8620_2_primaryAccounts_name_accounts_listed_and_capabilities_the_server_has()
    {
        // RFC 8620 §2: primaryAccounts maps a capability URI to the id of an account in "accounts".
        var server = await JmapTestServer.GetAsync(fixture);
        using var client = await server.NewUserAsync();
        var accounts = client.Session["accounts"]!.AsObject();
        var capabilities = client.Session["capabilities"]!.AsObject();
        foreach (var (capability, id) in client.Session["primaryAccounts"]!.AsObject())
        {
            Assert.True(accounts.ContainsKey(id!.GetValue<string>()), capability);
            Assert.True(capabilities.ContainsKey(capability), capability);
            Assert.True(accounts[id.GetValue<string>()]!["accountCapabilities"]!.AsObject().ContainsKey(capability), capability);
        }
    }

    [Fact]
    public async Task Rfc8620_2_url_templates_carry_every_variable_the_rfc_names()
    {
        // RFC 8620 §2: downloadUrl has {accountId} {blobId} {type} {name}; uploadUrl {accountId}; eventSourceUrl {types} {closeafter} {ping}.
        var server = await JmapTestServer.GetAsync(fixture);
        using var client = await server.NewUserAsync();
        var download = client.Session["downloadUrl"]!.GetValue<string>();
        foreach (var variable in new[] { "{accountId}", "{blobId}", "{type}", "{name}" })
        {
            Assert.Contains(variable, download);
        }

        Assert.Contains("{accountId}", client.Session["uploadUrl"]!.GetValue<string>());
        var events = client.Session["eventSourceUrl"]!.GetValue<string>();
        foreach (var variable in new[] { "{types}", "{closeafter}", "{ping}" })
        {
            Assert.Contains(variable, events);
        }
    }

    [Fact]
    public async Task Rfc8620_2_core_capability_limits_are_present_and_sensible()
    {
        // RFC 8620 §2: the core capability's maxSizeUpload ... maxObjectsInSet and collationAlgorithms.
        var server = await JmapTestServer.GetAsync(fixture);
        using var client = await server.NewUserAsync();
        Assert.True(client.CoreLimit("maxSizeUpload") >= 1_000_000);
        Assert.True(client.CoreLimit("maxConcurrentUpload") >= 1);
        Assert.True(client.CoreLimit("maxSizeRequest") >= 10_000);
        Assert.True(client.CoreLimit("maxConcurrentRequests") >= 1);
        Assert.True(client.CoreLimit("maxCallsInRequest") >= 1);
        Assert.True(client.CoreLimit("maxObjectsInGet") >= 1);
        Assert.True(client.CoreLimit("maxObjectsInSet") >= 1);
        Assert.IsType<JsonArray>(client.Session["capabilities"]!["urn:ietf:params:jmap:core"]!["collationAlgorithms"]);
    }

    [Fact]
    public async Task Rfc8620_2_the_session_state_is_stable_while_the_session_does_not_change()
    {
        // RFC 8620 §2: "state: A (preferably short) string representing the state of this object on the server."
        var server = await JmapTestServer.GetAsync(fixture);
        using var client = await server.NewUserAsync();
        var first = client.Session["state"]!.GetValue<string>();
        await client.CreateMailboxAsync("Session state");
        await client.LoadSessionAsync();
        Assert.Equal(first, client.Session["state"]!.GetValue<string>());
        var response = await client.SendAsync(PartAHelpers.Request(PartAHelpers.Call("Core/echo", [], "e")));
        Assert.Equal(first, response["sessionState"]!.GetValue<string>());
    }

    [Fact]
    public async Task Rfc8620_2_2_well_known_jmap_redirects_for_an_authenticated_client_too()
    {
        // RFC 8620 §2.2: "/.well-known/jmap ... The server MAY use a redirect to point to the JMAP Session resource."
        var server = await JmapTestServer.GetAsync(fixture);
        using var client = await server.NewUserAsync();
        using var http = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false }) { BaseAddress = new Uri(server.BaseUrl) };
        http.DefaultRequestHeaders.Authorization = client.Http.DefaultRequestHeaders.Authorization;
        using var redirect = await http.GetAsync("/.well-known/jmap");
        Assert.True((int)redirect.StatusCode is 301 or 302 or 307 or 308, redirect.StatusCode.ToString());
        using var response = await http.GetAsync(new Uri(new Uri(server.BaseUrl), redirect.Headers.Location!));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var session = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
        Assert.Equal(client.Name, session["username"]!.GetValue<string>());
    }

    [Fact]
    public async Task Rfc8620_2_the_advertised_apiUrl_and_uploadUrl_are_where_the_api_and_uploads_answer()
    {
        // RFC 8620 §2: "apiUrl: The URL to use for JMAP API requests"; "uploadUrl: The URL endpoint to use when uploading files"
        var server = await JmapTestServer.GetAsync(fixture);
        using var client = await server.NewUserAsync();
        using var api = await client.Http.PostAsync(client.Session["apiUrl"]!.GetValue<string>(), new StringContent("{\"using\":[\"urn:ietf:params:jmap:core\"],\"methodCalls\":[[\"Core/echo\",{\"a\":1},\"c\"]]}", System.Text.Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.OK, api.StatusCode);
        var upload = client.Session["uploadUrl"]!.GetValue<string>().Replace("{accountId}", client.AccountId);
        using var uploaded = await client.Http.PostAsync(upload, new ByteArrayContent([1, 2, 3]));
        Assert.Equal(HttpStatusCode.Created, uploaded.StatusCode);
    }

    [Fact]
    public async Task Rfc8620_2_the_session_resource_is_not_cached()
    {
        // RFC 8620 §2: the session changes; a client fetches it again when sessionState differs, so it must not be cached stale.
        var server = await JmapTestServer.GetAsync(fixture);
        using var client = await server.NewUserAsync();
        using var response = await client.Http.GetAsync("/jmap/session");
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        Assert.True(response.Headers.CacheControl?.NoStore == true || response.Headers.CacheControl?.NoCache == true);
    }
}
