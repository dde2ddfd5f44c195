using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;

namespace Mail.Host.IntegrationTests;

/// <summary>The admin API's directory and mail routes, as the tests drive a running server through them.</summary>
public sealed class MailClient(HttpClient http, string adminPassword)
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public async Task AddDomainAsync(string name)
        => await EnsureAsync(await SendAsync(HttpMethod.Post, "/api/admin/domains", JsonContent.Create(new { name })));

    public async Task AddAccountAsync(string name, params string[] addresses)
        => await EnsureAsync(await SendAsync(HttpMethod.Post, "/api/admin/accounts", JsonContent.Create(new { name, password = $"Pass-{name}-2026!", addresses })));

    /// <summary>Delivers through <c>POST /api/admin/mail/deliver</c>; the HTTP status and the recipients' statuses.</summary>
    public async Task<(HttpStatusCode Status, IReadOnlyList<string> Outcomes)> DeliverAsync(byte[] message, CancellationToken cancellationToken, params string[] recipients)
    {
        var query = string.Join('&', recipients.Select(r => "to=" + Uri.EscapeDataString(r)));
        var content = new ByteArrayContent(message);
        content.Headers.ContentType = new MediaTypeHeaderValue("message/rfc822");
        using var response = await SendAsync(HttpMethod.Post, "/api/admin/mail/deliver?" + query, content, cancellationToken);
        var body = await response.Content.ReadAsStringAsync(cancellationToken);
        if (!response.IsSuccessStatusCode)
        {
            return (response.StatusCode, [body]);
        }

        using var document = JsonDocument.Parse(body);
        return (response.StatusCode, [.. document.RootElement.GetProperty("recipients").EnumerateArray().Select(r => r.GetProperty("status").GetString()!)]);
    }

    public async Task<IReadOnlyList<MailboxInfo>> MailboxesAsync(string principal)
    {
        using var response = await SendAsync(HttpMethod.Get, $"/api/admin/mail/accounts/{principal}/mailboxes");
        await EnsureAsync(response);
        return (await response.Content.ReadFromJsonAsync<List<MailboxInfo>>(Json))!;
    }

    public async Task<IReadOnlyList<MessageInfo>> MessagesAsync(string principal, string mailbox = "INBOX")
    {
        using var response = await SendAsync(HttpMethod.Get, $"/api/admin/mail/accounts/{principal}/messages?mailbox={Uri.EscapeDataString(mailbox)}");
        await EnsureAsync(response);
        return (await response.Content.ReadFromJsonAsync<List<MessageInfo>>(Json))!;
    }

    public async Task<byte[]> RawAsync(string principal, ulong emailId)
    {
        using var response = await SendAsync(HttpMethod.Get, $"/api/admin/mail/accounts/{principal}/emails/{emailId}/raw");
        await EnsureAsync(response);
        return await response.Content.ReadAsByteArrayAsync();
    }

    public async Task<JsonElement> MaintenanceAsync()
    {
        using var response = await SendAsync(HttpMethod.Post, "/api/admin/mail/maintenance");
        await EnsureAsync(response);
        return (await response.Content.ReadFromJsonAsync<JsonElement>(Json))!;
    }

    public async Task<HttpResponseMessage> SendAsync(HttpMethod method, string path, HttpContent? content = null, CancellationToken cancellationToken = default)
    {
        var request = new HttpRequestMessage(method, path) { Content = content };
        request.Headers.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"admin:{adminPassword}")));
        var response = await http.SendAsync(request, cancellationToken);
        await response.Content.LoadIntoBufferAsync(cancellationToken);
        return response;
    }

    private static async Task EnsureAsync(HttpResponseMessage response)
    {
        if (!response.IsSuccessStatusCode)
        {
            throw new HttpRequestException($"{(int)response.StatusCode} {response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
        }
    }

    public sealed record MailboxInfo(ulong Id, string Name, string Role, uint UidValidity, uint UidNext, long Total, long Size);

    public sealed record MessageInfo(uint Uid, ulong EmailId, long Size, string? BlobId, string? MessageId, string? Subject);
}
