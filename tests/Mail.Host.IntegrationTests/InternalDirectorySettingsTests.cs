using System.Net;

namespace Mail.Host.IntegrationTests;

/// <summary>The internal directory's Argon2id cost settings (<c>HashMemoryKiB</c>, <c>HashIterations</c>): checked at start, and applied.</summary>
[Collection(DeploymentCollection.Name)]
public sealed class InternalDirectorySettingsTests(DeploymentFixture fixture) : IDisposable
{
    private const string AdminPassword = "Settings-Admin-2026";
    private readonly TestDeployment deployment = new(fixture);

    public void Dispose() => deployment.Dispose();

    [Theory]
    [InlineData("HashIterations", "0", "HashIterations is '0'; it must be a whole number of passes from 1 to 16")]
    [InlineData("HashMemoryKiB", "512", "HashMemoryKiB is '512'; it must be a whole number of KiB from 1024 to 4194304")]
    [InlineData("HashCost", "1", "'HashCost' is not a setting of an internal directory")]
    public async Task A_setting_out_of_range_stops_the_start_naming_it(string key, string value, string message)
    {
        var result = await deployment.RunWithEnvironmentAsync(new Dictionary<string, string> { [$"MAILHOST__Directories__internal__{key}"] = value }, "serve");

        Assert.True(result.ExitCode == 2, result.ToString());
        Assert.Contains(message, result.Error);
    }

    [Fact]
    public async Task With_a_lower_cost_accounts_are_made_and_log_in()
    {
        var server = await deployment.StartServerAsync(new Dictionary<string, string?>
        {
            ["MAILHOST_ADMIN_PASSWORD"] = AdminPassword,
            ["MAILHOST__Directories__internal__HashMemoryKiB"] = "1024",
            ["MAILHOST__Directories__internal__HashIterations"] = "1",
        });
        var mail = new MailClient(server.Http, AdminPassword);
        await mail.AddDomainAsync("example.org");
        await mail.AddAccountAsync("light", "light@example.org");

        Assert.Equal(HttpStatusCode.OK, await DirectoryClients.JmapSessionAsync(deployment, "light", "Pass-light-2026!"));
        Assert.Equal(HttpStatusCode.Unauthorized, await DirectoryClients.JmapSessionAsync(deployment, "light", "Pass-light-2027!"));
    }
}
