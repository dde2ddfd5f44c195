using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Text;
using System.Text.Json.Nodes;

namespace Mail.Host.IntegrationTests.JmapConformance;

/// <summary>
/// RFC 8620 §8.1-§8.2: credentials and transport. HTTP Basic sends the password in the clear, so it is taken over
/// https, from a loopback client (a local TLS-terminating proxy, development), or when the manifest sets
/// <c>AllowPlaintextAuth</c>. A second server listens on a non-loopback address of this machine to check the rule.
/// </summary>
[Collection(DeploymentCollection.Name)]
public sealed class Rfc8620AuthenticationTests(DeploymentFixture fixture)
{
    private const string AdminPassword = "Auth-Admin-2026";

    private static int FreePort()
    {
        var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        var port = ((IPEndPoint)probe.LocalEndpoint).Port;
        probe.Stop();
        return port;
    }

    private async Task<(TestDeployment Deployment, string ExternalUrl, string Name, MailClient Admin)> StartExternallyReachableAsync(bool allowPlaintext)
    {
        var deployment = new TestDeployment(fixture);
        var externalUrl = $"http://{PartANonLoopbackFactAttribute.Address}:{FreePort()}";
        var server = await deployment.StartServerAsync(new Dictionary<string, string?>
        {
            ["MAILHOST_ADMIN_PASSWORD"] = AdminPassword,
            ["MAILHOST__Http__Urls__1"] = externalUrl,
            ["MAILHOST__Plugins__jmap__Settings__AllowPlaintextAuth"] = allowPlaintext ? "true" : null,
        });
        var admin = new MailClient(server.Http, AdminPassword);
        await admin.AddDomainAsync("example.org");
        await admin.AddAccountAsync("remote", "remote@example.org");
        return (deployment, externalUrl, "remote", admin);
    }

    private static HttpClient BasicClient(string url, string name)
    {
        var http = new HttpClient { BaseAddress = new Uri(url), Timeout = TimeSpan.FromSeconds(30) };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{name}:{JmapTestServer.PasswordOf(name)}")));
        return http;
    }

    [Fact]
    public async Task Rfc8620_8_2_basic_credentials_from_a_loopback_client_are_honoured_over_http()
    {
        // RFC 8620 §8.2: the server authenticates each request; the dev setup (loopback http) takes HTTP Basic.
        var server = await JmapTestServer.GetAsync(fixture);
        using var client = await server.NewUserAsync();
        using var response = await client.Http.GetAsync("/jmap/session");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [PartANonLoopbackFact]
    public async Task Rfc8620_8_1_basic_over_plain_http_from_another_address_is_refused_and_a_bearer_token_is_not()
    {
        // RFC 8620 §8.1: "all requests MUST use TLS"; a password is not taken in the clear from off the machine.
        var (deployment, externalUrl, name, admin) = await StartExternallyReachableAsync(allowPlaintext: false);
        using (deployment)
        {
            using var http = BasicClient(externalUrl, name);
            using var session = await http.GetAsync("/jmap/session");
            Assert.Equal(HttpStatusCode.Forbidden, session.StatusCode);
            Assert.Equal("application/problem+json", session.Content.Headers.ContentType?.MediaType);
            Assert.Contains("https", JsonNode.Parse(await session.Content.ReadAsStringAsync())!["detail"]!.GetValue<string>());
            using var api = await http.PostAsync("/jmap/api/", new StringContent("{\"using\":[],\"methodCalls\":[]}", Encoding.UTF8, "application/json"));
            Assert.Equal(HttpStatusCode.Forbidden, api.StatusCode);

            // A bearer token (issued through the admin API) is not a password: it is taken.
            using var issued = await admin.SendAsync(HttpMethod.Post, "/api/admin/jmap/tokens", System.Net.Http.Json.JsonContent.Create(new { account = name }));
            Assert.Equal(HttpStatusCode.Created, issued.StatusCode);
            var token = JsonNode.Parse(await issued.Content.ReadAsStringAsync())!["token"]!.GetValue<string>();
            using var bearer = new HttpClient { BaseAddress = new Uri(externalUrl) };
            bearer.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
            using var bearerSession = await bearer.GetAsync("/jmap/session");
            Assert.Equal(HttpStatusCode.OK, bearerSession.StatusCode);

            // The same credentials from loopback are honoured.
            using var local = BasicClient(deployment.HttpUrl, name);
            using var localSession = await local.GetAsync("/jmap/session");
            Assert.Equal(HttpStatusCode.OK, localSession.StatusCode);
        }
    }

    [PartANonLoopbackFact]
    public async Task Rfc8620_8_1_AllowPlaintextAuth_lets_basic_over_http_through()
    {
        // The manifest can allow it (a TLS-terminating proxy on another machine): Plugins:jmap:Settings:AllowPlaintextAuth.
        var (deployment, externalUrl, name, _) = await StartExternallyReachableAsync(allowPlaintext: true);
        using (deployment)
        {
            using var http = BasicClient(externalUrl, name);
            using var session = await http.GetAsync("/jmap/session");
            Assert.Equal(HttpStatusCode.OK, session.StatusCode);
        }
    }
}
