using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Mail.Host.Cli;

/// <summary>
/// Calls a running server's admin API (<c>/api/admin/</c>) with HTTP Basic credentials, and turns every failure into
/// an <see cref="AdminCliException"/> whose message an operator can act on: the server's problem detail, or what to do
/// when there is no server.
/// </summary>
internal sealed class AdminClient : IDisposable
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);
    private readonly HttpClient http;
    private readonly Uri server;

    public AdminClient(Uri server, string user, string password)
    {
        this.server = server;
        http = new HttpClient { BaseAddress = server, Timeout = Timeout };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue(
            "Basic",
            Convert.ToBase64String(Encoding.UTF8.GetBytes($"{user}:{password}")));
        http.DefaultRequestHeaders.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
    }

    /// <summary>A path under the admin API, each segment escaped.</summary>
    public static string PathOf(params string[] segments)
        => "api/admin/" + string.Join('/', segments.Select(Uri.EscapeDataString));

    public Task<JsonElement?> GetAsync(string path, CancellationToken cancellationToken)
        => SendAsync(HttpMethod.Get, path, null, cancellationToken);

    public Task<JsonElement?> PostAsync(string path, JsonObject body, CancellationToken cancellationToken)
        => SendAsync(HttpMethod.Post, path, body, cancellationToken);

    public Task<JsonElement?> PatchAsync(string path, JsonObject body, CancellationToken cancellationToken)
        => SendAsync(HttpMethod.Patch, path, body, cancellationToken);

    public Task<JsonElement?> DeleteAsync(string path, CancellationToken cancellationToken)
        => SendAsync(HttpMethod.Delete, path, null, cancellationToken);

    public void Dispose() => http.Dispose();

    private async Task<JsonElement?> SendAsync(HttpMethod method, string path, JsonObject? body, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(method, path);
        if (body is not null)
        {
            request.Content = new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json");
        }

        HttpResponseMessage response;
        string text;
        try
        {
            response = await http.SendAsync(request, cancellationToken).ConfigureAwait(false);
            text = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (HttpRequestException ex) when (ex.HttpRequestError == HttpRequestError.ConnectionError)
        {
            throw new AdminCliException($"no server at {Display}: start it with mailhost serve or set --url");
        }
        catch (HttpRequestException ex) when (ex.HttpRequestError == HttpRequestError.NameResolutionError)
        {
            throw new AdminCliException($"cannot resolve the host name of {Display}: check --url or MAILHOST_URL");
        }
        catch (HttpRequestException ex)
        {
            throw new AdminCliException($"cannot talk to the server at {Display}: {ex.Message}");
        }
        catch (TaskCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new AdminCliException($"the server at {Display} did not answer within {Timeout.TotalSeconds:0} seconds");
        }

        using (response)
        {
            if (!response.IsSuccessStatusCode)
            {
                throw new AdminCliException(Describe(response, text));
            }

            if (string.IsNullOrWhiteSpace(text))
            {
                return null;
            }

            try
            {
                using var document = JsonDocument.Parse(text);
                return document.RootElement.Clone();
            }
            catch (JsonException)
            {
                throw new AdminCliException($"the server at {Display} answered {method} /{path} with something that is not JSON; is it a mailhost server?");
            }
        }
    }

    private string Display => server.GetLeftPart(UriPartial.Authority);

    private string Describe(HttpResponseMessage response, string text)
    {
        var status = $"{(int)response.StatusCode} {response.ReasonPhrase}";
        string? detail = null;
        string? title = null;
        try
        {
            using var document = JsonDocument.Parse(text);
            if (document.RootElement.ValueKind == JsonValueKind.Object)
            {
                detail = document.RootElement.TryGetProperty("detail", out var d) && d.ValueKind == JsonValueKind.String ? d.GetString() : null;
                title = document.RootElement.TryGetProperty("title", out var t) && t.ValueKind == JsonValueKind.String ? t.GetString() : null;
            }
        }
        catch (JsonException)
        {
            // Not a problem document: described by the status alone below.
        }

        if (detail is not null)
        {
            var hint = response.StatusCode == HttpStatusCode.Unauthorized
                ? " (the admin password comes from --password-stdin or MAILHOST_ADMIN_PASSWORD; the user from --user)"
                : string.Empty;
            return $"{status}: {detail}{hint}";
        }

        if (response.StatusCode is HttpStatusCode.NotFound or HttpStatusCode.MethodNotAllowed)
        {
            return $"{status}: the server at {Display} has no admin API; enable the plugin 'internal' in its manifest";
        }

        return title is null ? status : $"{status}: {title}";
    }
}
