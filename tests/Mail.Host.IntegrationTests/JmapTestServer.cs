using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;

namespace Mail.Host.IntegrationTests;

/// <summary>
/// One server on the default manifest (the JMAP plugin enabled) shared by the JMAP test classes, since starting one
/// per test costs more than the tests; every test works in an account of its own (<see cref="NewUserAsync"/>).
/// </summary>
public sealed class JmapTestServer
{
    public const string AdminPassword = "Jmap-Admin-2026";
    private static readonly SemaphoreSlim Gate = new(1, 1);
    private static JmapTestServer? shared;
    private static int userCounter;
    private readonly TestDeployment deployment;

    private JmapTestServer(TestDeployment deployment, ServerProcess server)
    {
        this.deployment = deployment;
        Server = server;
        Mail = new MailClient(server.Http, AdminPassword);
    }

    public ServerProcess Server { get; }

    public MailClient Mail { get; }

    public string BaseUrl => deployment.HttpUrl;

    public int SmtpPort => deployment.ListenerPorts["smtp"];

    public int ImapPort => deployment.ListenerPorts["imap"];

    /// <summary>The password <see cref="NewUserAsync"/> gives an account.</summary>
    public static string PasswordOf(string name) => $"Pass-{name}-2026!";

    public static async Task<JmapTestServer> GetAsync(DeploymentFixture fixture)
    {
        await Gate.WaitAsync();
        try
        {
            if (shared is { Server.HasExited: false })
            {
                return shared;
            }

            var deployment = new TestDeployment(fixture);
            var server = await deployment.StartServerAsync(new Dictionary<string, string?>
            {
                ["MAILHOST_ADMIN_PASSWORD"] = AdminPassword,
                ["MAILHOST__Plugins__jmap__Settings__AllowHttpPushToLoopback"] = "true",

                // Every test makes an account of its own: at the default Argon2id cost the hashing alone took minutes.
                ["MAILHOST__Directories__internal__HashMemoryKiB"] = "1024",
                ["MAILHOST__Directories__internal__HashIterations"] = "1",
            });
            shared = new JmapTestServer(deployment, server);
            await shared.Mail.AddDomainAsync("example.org");
            AppDomain.CurrentDomain.ProcessExit += (_, _) => deployment.Dispose();
            return shared;
        }
        finally
        {
            Gate.Release();
        }
    }

    /// <summary>A new account (<c>userN@example.org</c>) and a client logged in to it with HTTP Basic.</summary>
    public async Task<JmapClient> NewUserAsync(string prefix = "user")
    {
        var name = $"{prefix}{Interlocked.Increment(ref userCounter)}x{Environment.ProcessId}";
        await Mail.AddAccountAsync(name, $"{name}@example.org");
        var client = new JmapClient(BaseUrl, name, $"{name}@example.org");
        client.UseBasic(name, PasswordOf(name));
        await client.LoadSessionAsync();
        return client;
    }

    /// <summary>Issues a bearer token through the admin API.</summary>
    public async Task<(HttpStatusCode Status, JsonObject? Body)> IssueTokenAsync(string account)
    {
        using var response = await Mail.SendAsync(HttpMethod.Post, "/api/admin/jmap/tokens", JsonContent.Create(new { account }));
        var text = await response.Content.ReadAsStringAsync();
        return (response.StatusCode, text.Length > 0 ? JsonNode.Parse(text) as JsonObject : null);
    }

    /// <summary>Delivers a message through the admin API, as an MTA would.</summary>
    public async Task DeliverAsync(string to, string subject, string body = "Hello there", string from = "sender@elsewhere.test", string? extraHeaders = null)
    {
        var message = Encoding.UTF8.GetBytes(
            $"From: Sender <{from}>\r\nTo: {to}\r\nSubject: {subject}\r\nDate: Sat, 28 Nov 2026 10:00:00 +0000\r\nMessage-ID: <{Guid.NewGuid():N}@test>\r\n{extraHeaders}" +
            $"MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n{body}\r\n");
        var (status, outcomes) = await Mail.DeliverAsync(message, CancellationToken.None, to);
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.All(outcomes, o => Assert.Equal("delivered", o));
    }
}
