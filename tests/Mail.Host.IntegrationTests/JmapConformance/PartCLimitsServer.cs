namespace Mail.Host.IntegrationTests.JmapConformance;

/// <summary>
/// A second shared server whose JMAP upload limit is small (<see cref="MaxSizeUpload"/> bytes), so the tests of the
/// size limits it advertises (maxSizeUpload, maxSizeBlobSet, maxSizeAttachmentsPerEmail) stay fast.
/// </summary>
public static class PartCLimitsServer
{
    public const long MaxSizeUpload = 100_000;
    private static readonly SemaphoreSlim Gate = new(1, 1);
    private static (TestDeployment Deployment, ServerProcess Server, JmapTestServerLike Info)? shared;

    /// <summary>The running server's base URL and admin client.</summary>
    public sealed record JmapTestServerLike(string BaseUrl, MailClient Mail);

    public static async Task<JmapTestServerLike> GetAsync(DeploymentFixture fixture)
    {
        await Gate.WaitAsync();
        try
        {
            if (shared is { Server.HasExited: false } running)
            {
                return running.Info;
            }

            var deployment = new TestDeployment(fixture);
            var server = await deployment.StartServerAsync(new Dictionary<string, string?>
            {
                ["MAILHOST_ADMIN_PASSWORD"] = JmapTestServer.AdminPassword,
                ["MAILHOST__Plugins__jmap__Settings__MaxSizeUpload"] = MaxSizeUpload.ToString(System.Globalization.CultureInfo.InvariantCulture),
            });
            var info = new JmapTestServerLike(deployment.HttpUrl, new MailClient(server.Http, JmapTestServer.AdminPassword));
            await info.Mail.AddDomainAsync("example.org");
            AppDomain.CurrentDomain.ProcessExit += (_, _) => deployment.Dispose();
            shared = (deployment, server, info);
            return info;
        }
        finally
        {
            Gate.Release();
        }
    }

    /// <summary>A new account on the small-limits server and a client logged in to it.</summary>
    public static async Task<JmapClient> NewUserAsync(DeploymentFixture fixture)
    {
        var info = await GetAsync(fixture);
        var name = $"lim{Guid.NewGuid():N}"[..16];
        await info.Mail.AddAccountAsync(name, $"{name}@example.org");
        var client = new JmapClient(info.BaseUrl, name, $"{name}@example.org");
        client.UseBasic(name, JmapTestServer.PasswordOf(name));
        await client.LoadSessionAsync();
        return client;
    }
}
