using System.Text.Json;
using System.Text.Json.Nodes;

namespace Mail.Host.IntegrationTests;

/// <summary>What <c>mailhost plugins</c> and a running server report as the plugin set changes.</summary>
[Collection(DeploymentCollection.Name)]
public sealed class PluginSetTests(DeploymentFixture fixture) : IDisposable
{
    private readonly TestDeployment deployment = new(fixture, TestDeployment.PluginHostManifest);

    [Fact]
    public async Task Default_deployment_lists_memory_and_filesystem_as_loaded()
    {
        var result = await deployment.RunAsync("plugins");

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains($"manifest: {deployment.ManifestPath}", result.Output);
        var memory = Row(result, "memory");
        Assert.Contains("loaded", memory);
        Assert.Contains("store:memory(data,fullText,lookup)", memory);
        Assert.Contains("directory:static", memory);
        var filesystem = Row(result, "filesystem");
        Assert.Contains("loaded", filesystem);
        Assert.Contains("store:filesystem(blob)", filesystem);
        Assert.Contains(" yes ", filesystem);
    }

    [Fact]
    public async Task Disabling_a_plugin_removes_it_from_the_loaded_set_and_deleting_its_folder_changes_nothing_else()
    {
        deployment.EditManifest(m =>
        {
            m["Plugins"]!["filesystem"]!["Enabled"] = false;
            m["Stores"]!.AsObject().Remove("blobs");
            m["Roles"]!.AsObject().Remove("Blob");
        });

        var disabled = await deployment.RunAsync("plugins");
        Assert.True(disabled.ExitCode == 0, disabled.ToString());
        Assert.Contains("disabled", Row(disabled, "filesystem"));
        Assert.Contains(" no ", Row(disabled, "filesystem"));
        Assert.Contains("loaded", Row(disabled, "memory"));
        var healthWithFolder = await HealthAsync();
        Assert.Equal("disabled", PluginStatus(healthWithFolder, "filesystem"));
        Assert.Equal("loaded", PluginStatus(healthWithFolder, "memory"));

        deployment.RemovePlugin("filesystem");

        var deleted = await deployment.RunAsync("plugins");
        Assert.True(deleted.ExitCode == 0, deleted.ToString());
        Assert.DoesNotContain(deleted.Output.Split('\n'), l => l.StartsWith("filesystem ", StringComparison.Ordinal));
        Assert.Equal(Row(disabled, "memory"), Row(deleted, "memory"));
        var healthWithoutFolder = await HealthAsync();
        Assert.Null(PluginStatus(healthWithoutFolder, "filesystem"));
        Assert.Equal("loaded", PluginStatus(healthWithoutFolder, "memory"));
        Assert.Equal(
            healthWithFolder.GetProperty("roles").ToString(),
            healthWithoutFolder.GetProperty("roles").ToString());
    }

    [Fact]
    public async Task Environment_variable_disables_a_plugin_like_the_manifest_key()
    {
        deployment.EditManifest(m =>
        {
            m["Stores"]!.AsObject().Remove("blobs");
            m["Roles"]!.AsObject().Remove("Blob");
        });
        Environment.SetEnvironmentVariable("MAILHOST__Plugins__filesystem__Enabled", null);

        var result = await deployment.RunAsync("plugins");
        Assert.Contains("loaded", Row(result, "filesystem"));

        var overridden = await deployment.RunWithEnvironmentAsync(new() { ["MAILHOST__Plugins__filesystem__Enabled"] = "false" }, "plugins");
        Assert.Contains("disabled", Row(overridden, "filesystem"));
    }

    [Fact]
    public async Task Incompatible_plugin_that_is_not_enabled_is_listed_with_its_reason()
    {
        deployment.AddTestPlugin("test-json12");
        deployment.EditDescriptor("test-json12", d => d["contractsVersion"] = "2.0.0");

        var result = await deployment.RunAsync("plugins");

        Assert.True(result.ExitCode == 0, result.ToString());
        var row = Row(result, "test-json12");
        Assert.Contains("incompatible", row);
        Assert.Contains("built for contracts 2.0.0", row);
    }

    [Fact]
    public async Task Enabled_plugin_that_throws_is_listed_as_malfunctioned()
    {
        deployment.AddTestPlugin("test-faulty");
        deployment.EditManifest(m => m["Plugins"]!["test-faulty"] = new JsonObject { ["Enabled"] = true });

        var result = await deployment.RunAsync("plugins");

        var row = Row(result, "test-faulty");
        Assert.Contains("malfunctioned", row);
        Assert.Contains("fails on purpose", row);
        Assert.Contains("loaded", Row(result, "memory"));
    }

    public void Dispose() => deployment.Dispose();

    /// <summary>The row of one plugin, its columns separated by single spaces (widths depend on the other rows).</summary>
    private static string Row(CommandResult result, string id)
        => string.Join(' ', Assert.Single(result.Output.Split('\n'), l => l.StartsWith(id + " ", StringComparison.Ordinal)).Split(' ', StringSplitOptions.RemoveEmptyEntries));

    private static string? PluginStatus(JsonElement health, string id)
        => health.GetProperty("plugins").EnumerateArray()
            .Where(p => p.GetProperty("id").GetString() == id)
            .Select(p => p.GetProperty("status").GetString())
            .SingleOrDefault();

    private async Task<JsonElement> HealthAsync()
    {
        using var server = await deployment.StartServerAsync();
        var health = JsonDocument.Parse(await server.Http.GetStringAsync("/health")).RootElement.Clone();
        Assert.Equal(0, await server.TerminateAsync(TimeSpan.FromSeconds(30)));
        return health;
    }
}
