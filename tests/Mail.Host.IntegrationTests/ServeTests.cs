using System.Text.Json;
using System.Text.Json.Nodes;

namespace Mail.Host.IntegrationTests;

/// <summary><c>mailhost serve</c> as an operator runs it: from any folder, stopped by SIGTERM, with plugins isolated.</summary>
[Collection(DeploymentCollection.Name)]
public sealed class ServeTests(DeploymentFixture fixture) : IDisposable
{
    private readonly TestDeployment deployment = new(fixture, TestDeployment.PluginHostManifest);

    [Fact]
    public async Task Serves_health_with_every_role_and_stops_gracefully_on_sigterm()
    {
        using var server = await deployment.StartServerAsync();

        var health = JsonDocument.Parse(await server.Http.GetStringAsync("/health")).RootElement;
        Assert.Equal("ok", health.GetProperty("status").GetString());
        Assert.Equal(["Data", "Blob", "FullText", "Lookup"], health.GetProperty("roles").EnumerateArray().Select(r => r.GetString()!));

        var exitCode = await server.TerminateAsync(TimeSpan.FromSeconds(30));

        Assert.True(exitCode == 0, server.Output);
        Assert.Contains("mailhost started", server.Output);
        Assert.Contains("mailhost stopped", server.Output);
    }

    [Fact]
    public async Task Relative_paths_resolve_against_the_manifest_folder_not_the_working_directory()
    {
        using var server = await deployment.StartServerAsync();

        // The process runs in the temp folder; the default manifest puts blobs in data/blobs beside itself.
        Assert.True(System.IO.Directory.Exists(Path.Combine(deployment.Folder, "data", "blobs")), server.Output);
        Assert.Contains($"with manifest {deployment.ManifestPath}", server.Output);
    }

    [Fact]
    public async Task Two_plugins_with_different_major_versions_of_one_library_both_work_in_one_process()
    {
        deployment.AddTestPlugin("test-json12");
        deployment.AddTestPlugin("test-json13");
        deployment.EditManifest(m =>
        {
            m["Plugins"]!["test-json12"] = new JsonObject { ["Enabled"] = true };
            m["Plugins"]!["test-json13"] = new JsonObject { ["Enabled"] = true };
        });
        using var server = await deployment.StartServerAsync();

        var old = await server.Http.GetStringAsync("/test/test-json12");
        var current = await server.Http.GetStringAsync("/test/test-json13");

        Assert.Contains("12.0.0.0", old);
        Assert.Contains("test-json12", old);
        Assert.Contains("13.0.0.0", current);
        Assert.Contains("test-json13", current);
    }

    [Fact]
    public async Task A_copied_deployment_is_an_independent_installation()
    {
        using var copy = new TestDeployment(fixture, TestDeployment.PluginHostManifest);
        using var first = await deployment.StartServerAsync();
        using var second = await copy.StartServerAsync();

        Assert.Equal("ok", JsonDocument.Parse(await first.Http.GetStringAsync("/health")).RootElement.GetProperty("status").GetString());
        Assert.Equal("ok", JsonDocument.Parse(await second.Http.GetStringAsync("/health")).RootElement.GetProperty("status").GetString());
        Assert.True(System.IO.Directory.Exists(Path.Combine(copy.Folder, "data", "blobs")));
        Assert.True(System.IO.Directory.Exists(Path.Combine(deployment.Folder, "data", "blobs")));
    }

    [Fact]
    public async Task Port_in_use_is_a_clear_start_up_error()
    {
        using var blocker = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, deployment.HttpPort);
        blocker.Start();

        var result = await deployment.RunAsync("serve");

        Assert.True(result.ExitCode == 2, result.ToString());
        Assert.Contains("cannot listen", result.Error);
        Assert.Contains("Http:Urls", result.Error);
    }

    [Theory]
    [InlineData("serve")]
    [InlineData("plugins")]
    [InlineData("check")]
    public async Task Every_command_has_help(string command)
    {
        var result = await deployment.RunAsync(command, "--help");

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains("Usage:", result.Output);
        Assert.Contains("--manifest", result.Output);
    }

    [Fact]
    public async Task Root_help_lists_the_commands()
    {
        var result = await deployment.RunAsync("--help");

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains("serve", result.Output);
        Assert.Contains("plugins", result.Output);
        Assert.Contains("check", result.Output);
    }

    [Fact]
    public async Task Check_accepts_the_default_manifest()
    {
        var result = await deployment.RunAsync("check");

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains("ok: " + deployment.ManifestPath, result.Output);
        Assert.Contains("Data=main", result.Output);
    }

    public void Dispose() => deployment.Dispose();
}
