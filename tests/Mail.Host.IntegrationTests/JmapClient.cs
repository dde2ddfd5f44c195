using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;

namespace Mail.Host.IntegrationTests;

/// <summary>A small JMAP client over a real HttpClient, for the conformance tests.</summary>
public sealed class JmapClient : IDisposable
{
    public static readonly string[] MailUsing = ["urn:ietf:params:jmap:core", "urn:ietf:params:jmap:mail"];

    public JmapClient(string baseUrl, string name, string address)
    {
        BaseUrl = baseUrl;
        Name = name;
        Address = address;
        Http = new HttpClient { BaseAddress = new Uri(baseUrl), Timeout = TimeSpan.FromSeconds(30) };
    }

    public string BaseUrl { get; }

    public string Name { get; }

    public string Address { get; }

    public HttpClient Http { get; }

    public JsonObject Session { get; private set; } = [];

    public string AccountId { get; private set; } = string.Empty;

    public string? Authorization { get; private set; }

    public void UseBasic(string name, string password)
    {
        Authorization = "Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes($"{name}:{password}"));
        Http.DefaultRequestHeaders.Authorization = AuthenticationHeaderValue.Parse(Authorization);
    }

    public void UseBearer(string token)
    {
        Authorization = "Bearer " + token;
        Http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
    }

    public async Task LoadSessionAsync()
    {
        using var response = await Http.GetAsync("/jmap/session");
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, text);
        Session = JsonNode.Parse(text)!.AsObject();
        AccountId = Session["primaryAccounts"]!["urn:ietf:params:jmap:mail"]!.GetValue<string>();
    }

    /// <summary>Posts raw bytes to the API endpoint.</summary>
    public async Task<(HttpStatusCode Status, string ContentType, JsonNode? Body)> PostRawAsync(byte[] body, string contentType = "application/json")
    {
        using var content = new ByteArrayContent(body);
        content.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType);
        using var response = await Http.PostAsync("/jmap/api/", content);
        var text = await response.Content.ReadAsStringAsync();
        JsonNode? parsed = null;
        try
        {
            parsed = text.Length > 0 ? JsonNode.Parse(text) : null;
        }
        catch (System.Text.Json.JsonException)
        {
        }

        return (response.StatusCode, response.Content.Headers.ContentType?.MediaType ?? string.Empty, parsed);
    }

    public Task<(HttpStatusCode Status, string ContentType, JsonNode? Body)> PostAsync(JsonObject request)
        => PostRawAsync(Encoding.UTF8.GetBytes(request.ToJsonString()));

    /// <summary>Sends one request and returns its method responses; fails on a request-level error.</summary>
    public async Task<JsonArray> CallAsync(IEnumerable<string> capabilities, params JsonArray[] calls)
    {
        var request = new JsonObject
        {
            ["using"] = new JsonArray([.. capabilities.Select(c => (JsonNode)c)]),
            ["methodCalls"] = new JsonArray([.. calls.Cast<JsonNode>()]),
        };
        var (status, _, body) = await PostAsync(request);
        Assert.True(status == HttpStatusCode.OK, $"{(int)status}: {body?.ToJsonString()}");
        return body!["methodResponses"]!.AsArray();
    }

    /// <summary>One call with the mail capability; returns [name, arguments, id].</summary>
    public async Task<JsonArray> CallOneAsync(string method, JsonObject arguments, params string[] extraCapabilities)
    {
        if (!arguments.ContainsKey("accountId") && !method.StartsWith("Core/", StringComparison.Ordinal) && !method.StartsWith("PushSubscription/", StringComparison.Ordinal))
        {
            arguments["accountId"] = AccountId;
        }

        var responses = await CallAsync([.. MailUsing, .. extraCapabilities], new JsonArray(method, arguments, "c0"));
        return responses[0]!.AsArray();
    }

    /// <summary>One call that must succeed; returns its arguments.</summary>
    public async Task<JsonObject> OkAsync(string method, JsonObject arguments, params string[] extraCapabilities)
    {
        var response = await CallOneAsync(method, arguments, extraCapabilities);
        Assert.True(response[0]!.GetValue<string>() == method, response.ToJsonString());
        return response[1]!.AsObject();
    }

    /// <summary>One call that must fail with a method-level error; returns its type.</summary>
    public async Task<string> ErrorAsync(string method, JsonObject arguments, params string[] extraCapabilities)
    {
        var response = await CallOneAsync(method, arguments, extraCapabilities);
        Assert.True(response[0]!.GetValue<string>() == "error", response.ToJsonString());
        return response[1]!["type"]!.GetValue<string>();
    }

    public async Task<string> MailboxIdAsync(string role)
    {
        var result = await OkAsync("Mailbox/get", new JsonObject { ["ids"] = null });
        return result["list"]!.AsArray().First(m => m!["role"]?.GetValue<string>() == role)!["id"]!.GetValue<string>();
    }

    public void Dispose() => Http.Dispose();
}
