using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace Mail.Host.IntegrationTests;

/// <summary>
/// The internal directory of the default manifest as an operator meets it: the first admin created on start, the
/// account, domain and group commands of the real executable talking to a running server, and the admin API itself.
/// </summary>
[Collection(DeploymentCollection.Name)]
public sealed partial class AdminCliTests(DeploymentFixture fixture) : IDisposable
{
    private const string AdminPassword = "Integration-Admin-77";
    private readonly TestDeployment deployment = new(fixture);

    [Fact]
    public async Task Cli_manages_domains_accounts_and_groups_on_a_running_server()
    {
        using var server = await StartWithAdminPasswordAsync();

        var domain = await CliAsync("domain", "add", "example.org");
        Assert.True(domain.ExitCode == 0, domain.ToString());
        Assert.Contains("added domain example.org", domain.Output);

        var alice = await CliAsync("account", "add", "alice", "--password", "Wonderland-1865", "--address", "alice@example.org", "--address", "Ally@Example.org", "--display-name", "Alice Liddell", "--quota-bytes", "2G");
        Assert.True(alice.ExitCode == 0, alice.ToString());
        Assert.Contains("created account alice (alice@example.org, ally@example.org)", alice.Output);
        var bob = await CliAsync("account", "add", "bob", "--password", "Builder-Bob-99", "--address", "bob@example.org");
        Assert.True(bob.ExitCode == 0, bob.ToString());

        var list = await CliAsync("account", "list");
        Assert.True(list.ExitCode == 0, list.ToString());
        Assert.StartsWith("NAME", list.Output, StringComparison.Ordinal);
        Assert.Matches(@"(?m)^alice\s+Alice Liddell\s+alice@example\.org, ally@example\.org\s+user\s+2147483648 bytes \(2 GiB\)\s+enabled$", list.Output);
        Assert.Matches(@"(?m)^bob\s+-\s+bob@example\.org\s+user\s+-\s+enabled$", list.Output);
        Assert.Matches(@"(?m)^admin\s+Administrator\s+-\s+admin\s+-\s+enabled$", list.Output);

        var passwd = await CliAsync("account", "passwd", "alice", "--password", "Looking-Glass-1871");
        Assert.True(passwd.ExitCode == 0, passwd.ToString());
        Assert.Contains("changed the password of alice", passwd.Output);
        Assert.Equal(HttpStatusCode.Forbidden, (await SendAsync(server, HttpMethod.Get, "/api/admin/accounts", ("alice", "Looking-Glass-1871"))).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await SendAsync(server, HttpMethod.Get, "/api/admin/accounts", ("alice", "Wonderland-1865"))).StatusCode);

        var group = await CliAsync("group", "add", "team", "--address", "team@example.org", "--member", "alice", "--display-name", "The Team");
        Assert.True(group.ExitCode == 0, group.ToString());
        Assert.Contains("created group team with 1 member", group.Output);
        var added = await CliAsync("group", "add-member", "team", "bob", "partner@example.com");
        Assert.True(added.ExitCode == 0, added.ToString());
        Assert.Contains("group team now has 3 members: alice@example.org, bob@example.org, partner@example.com", added.Output);
        var shown = await CliAsync("account", "show", "bob");
        Assert.Matches(@"(?m)^member of:\s+team$", shown.Output);

        var refusedDomain = await CliAsync("domain", "remove", "example.org");
        Assert.True(refusedDomain.ExitCode == 1, refusedDomain.ToString());
        Assert.Contains("mailhost: 409 Conflict: The domain example.org still has 4 addresses", refusedDomain.Error);

        var taken = await CliAsync("account", "add", "mallory", "--password", "Mallory-Pass-1", "--address", "ALICE@example.org");
        Assert.True(taken.ExitCode == 1, taken.ToString());
        Assert.Contains("mailhost: 409 Conflict: The address alice@example.org is already given to 'alice'.", taken.Error);

        var removed = await CliAsync("account", "remove", "bob");
        Assert.True(removed.ExitCode == 0, removed.ToString());
        Assert.Contains("removed account bob", removed.Output);
        var after = await CliAsync("group", "show", "team");
        Assert.Matches(@"(?m)^members:\s+alice@example\.org, partner@example\.com$", after.Output);
        Assert.DoesNotMatch(@"(?m)^bob\s", (await CliAsync("account", "list")).Output);

        var missing = await CliAsync("account", "show", "bob");
        Assert.True(missing.ExitCode == 1, missing.ToString());
        Assert.Contains("mailhost: 404 Not Found: There is no account named 'bob'.", missing.Error);
    }

    [Fact]
    public async Task Admin_api_needs_admin_credentials_and_answers_with_problem_details()
    {
        using var server = await StartWithAdminPasswordAsync();
        var admin = ("admin", AdminPassword);

        var anonymous = await SendAsync(server, HttpMethod.Get, "/api/admin/accounts", null);
        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        Assert.Equal("Basic realm=\"mailhost\"", anonymous.Headers.WwwAuthenticate.ToString());
        Assert.Equal("application/problem+json", anonymous.Content.Headers.ContentType?.MediaType);
        Assert.Equal(HttpStatusCode.Unauthorized, (await SendAsync(server, HttpMethod.Get, "/api/admin/accounts", ("admin", "wrong-password"))).StatusCode);

        var domain = await SendAsync(server, HttpMethod.Post, "/api/admin/domains", admin, new { name = "Example.org" });
        Assert.Equal(HttpStatusCode.Created, domain.StatusCode);
        Assert.Equal("/api/admin/domains/example.org", domain.Headers.Location?.OriginalString);
        var user = await SendAsync(server, HttpMethod.Post, "/api/admin/accounts", admin, new { name = "user1", password = "User-Password-1", addresses = new[] { "user1@example.org" } });
        Assert.Equal(HttpStatusCode.Created, user.StatusCode);
        var created = JsonDocument.Parse(await user.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal("user1", created.GetProperty("name").GetString());
        Assert.Equal(["user"], created.GetProperty("roles").EnumerateArray().Select(r => r.GetString()));

        var forbidden = await SendAsync(server, HttpMethod.Get, "/api/admin/accounts", ("user1", "User-Password-1"));
        Assert.Equal(HttpStatusCode.Forbidden, forbidden.StatusCode);
        Assert.Contains("'user1' does not have the admin role", await DetailAsync(forbidden));

        await AssertProblemAsync(HttpStatusCode.BadRequest, "'not-an-address' is not a valid address", await SendAsync(server, HttpMethod.Post, "/api/admin/accounts", admin, new { name = "user2", password = "User-Password-2", addresses = new[] { "not-an-address" } }));
        await AssertProblemAsync(HttpStatusCode.BadRequest, "not in a local domain", await SendAsync(server, HttpMethod.Post, "/api/admin/accounts", admin, new { name = "user2", password = "User-Password-2", addresses = new[] { "user2@example.com" } }));
        await AssertProblemAsync(HttpStatusCode.BadRequest, "the password is too short", await SendAsync(server, HttpMethod.Post, "/api/admin/accounts", admin, new { name = "user2", password = "pw" }));
        await AssertProblemAsync(HttpStatusCode.BadRequest, "a password is required", await SendAsync(server, HttpMethod.Post, "/api/admin/accounts", admin, new { name = "user2" }));
        await AssertProblemAsync(HttpStatusCode.BadRequest, "pasword", await SendAsync(server, HttpMethod.Post, "/api/admin/accounts", admin, new { name = "user2", pasword = "User-Password-2" }));
        await AssertProblemAsync(HttpStatusCode.Conflict, "user1@example.org is already given to 'user1'", await SendAsync(server, HttpMethod.Post, "/api/admin/accounts", admin, new { name = "user2", password = "User-Password-2", addresses = new[] { "user1@example.org" } }));
        await AssertProblemAsync(HttpStatusCode.Conflict, "already taken by an account", await SendAsync(server, HttpMethod.Post, "/api/admin/groups", admin, new { name = "user1" }));
        await AssertProblemAsync(HttpStatusCode.Conflict, "still has 1 address (user1@example.org)", await SendAsync(server, HttpMethod.Delete, "/api/admin/domains/example.org", admin));
        await AssertProblemAsync(HttpStatusCode.Conflict, "last enabled account with the admin role", await SendAsync(server, HttpMethod.Delete, "/api/admin/accounts/admin", admin));
        await AssertProblemAsync(HttpStatusCode.NotFound, "There is no account named 'nobody'", await SendAsync(server, HttpMethod.Get, "/api/admin/accounts/nobody", admin));

        var disabled = await SendAsync(server, HttpMethod.Patch, "/api/admin/accounts/user1", admin, new { disabled = true, roles = new[] { "user", "admin" } });
        Assert.Equal(HttpStatusCode.OK, disabled.StatusCode);
        Assert.Contains("is disabled", await DetailAsync(await SendAsync(server, HttpMethod.Get, "/api/admin/accounts", ("user1", "User-Password-1"))));
        Assert.Equal(HttpStatusCode.NoContent, (await SendAsync(server, HttpMethod.Delete, "/api/admin/accounts/user1", admin)).StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await SendAsync(server, HttpMethod.Delete, "/api/admin/domains/example.org", admin)).StatusCode);
    }

    [Fact]
    public async Task Without_an_admin_password_one_is_generated_logged_exactly_once_and_works()
    {
        using var server = await deployment.StartServerAsync(new Dictionary<string, string?> { ["MAILHOST_ADMIN_PASSWORD"] = null });

        var match = GeneratedPassword().Match(server.Output);
        Assert.True(match.Success, server.Output);
        var password = match.Groups["password"].Value;
        Assert.True(password.Length >= 20, password);
        Assert.Single(Regex.Matches(server.Output, Regex.Escape(password)));

        var list = await deployment.RunCliAsync(
            new Dictionary<string, string?> { ["MAILHOST_ADMIN_PASSWORD"] = null, ["MAILHOST_URL"] = deployment.HttpUrl },
            password + "\n",
            "account",
            "list",
            "--password-stdin");
        Assert.True(list.ExitCode == 0, list.ToString());
        Assert.Matches(@"(?m)^admin\s", list.Output);
        Assert.Equal(HttpStatusCode.OK, (await SendAsync(server, HttpMethod.Get, "/api/admin/domains", ("admin", password))).StatusCode);
    }

    [Fact]
    public async Task Cli_without_a_server_says_there_is_none_and_how_to_start_one()
    {
        var result = await CliAsync("domain", "list");

        Assert.True(result.ExitCode == 1, result.ToString());
        Assert.Contains($"mailhost: no server at {deployment.HttpUrl}: start it with mailhost serve or set --url", result.Error);
    }

    [Theory]
    [InlineData("account", "add", "--quota-bytes")]
    [InlineData("account", "passwd", "--password-stdin")]
    [InlineData("domain", "remove", "--url")]
    [InlineData("group", "add-member", "<member>...")]
    public async Task Admin_commands_have_help(string command, string subcommand, string expected)
    {
        var result = await deployment.RunCliAsync(new Dictionary<string, string?>(), null, command, subcommand, "--help");

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains(expected, result.Output);
        Assert.Contains("--user", result.Output);
    }

    public void Dispose() => deployment.Dispose();

    private static async Task<string> DetailAsync(HttpResponseMessage response)
        => JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("detail").GetString()!;

    private static async Task AssertProblemAsync(HttpStatusCode status, string expected, HttpResponseMessage response)
    {
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == status, $"{(int)response.StatusCode}: {body}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Contains(expected, JsonDocument.Parse(body).RootElement.GetProperty("detail").GetString());
    }

    private static async Task<HttpResponseMessage> SendAsync(ServerProcess server, HttpMethod method, string path, (string User, string Password)? credentials, object? body = null)
    {
        using var request = new HttpRequestMessage(method, path);
        if (credentials is { } given)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{given.User}:{given.Password}")));
        }

        if (body is not null)
        {
            request.Content = JsonContent.Create(body);
        }

        var response = await server.Http.SendAsync(request);
        await response.Content.LoadIntoBufferAsync();
        return response;
    }

    [GeneratedRegex(@"Created the admin account 'admin' with password (?<password>\S+): change it with mailhost account passwd admin")]
    private static partial Regex GeneratedPassword();

    private Task<ServerProcess> StartWithAdminPasswordAsync()
        => deployment.StartServerAsync(new Dictionary<string, string?> { ["MAILHOST_ADMIN_PASSWORD"] = AdminPassword });

    private Task<CommandResult> CliAsync(params string[] arguments) => deployment.RunCliAsync(
        new Dictionary<string, string?> { ["MAILHOST_ADMIN_PASSWORD"] = AdminPassword, ["MAILHOST_URL"] = null },
        null,
        [.. arguments, "--url", deployment.HttpUrl]);
}
