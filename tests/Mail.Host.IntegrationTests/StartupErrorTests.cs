using System.Text.Json.Nodes;

namespace Mail.Host.IntegrationTests;

/// <summary>
/// Each way a deployment can be wrong stops <c>mailhost serve</c> before any listener opens, with one message naming
/// the plugin, the file and the fix.
/// </summary>
[Collection(DeploymentCollection.Name)]
public sealed class StartupErrorTests(DeploymentFixture fixture) : IDisposable
{
    private const int ConfigurationError = 2;
    private readonly TestDeployment deployment = new(fixture, TestDeployment.PluginHostManifest);

    [Fact]
    public async Task Malformed_json_names_the_file_line_and_column()
    {
        File.WriteAllText(deployment.ManifestPath, "{\n  \"Server\": {\n    \"Hostname\" \"x\"\n  }\n}\n");

        var result = await deployment.RunAsync("serve");

        AssertRefused(result);
        Assert.Contains($"{deployment.ManifestPath}:3:", result.Error);
        Assert.Contains("line 3, column", result.Error);
    }

    [Fact]
    public async Task Unknown_key_suggests_the_nearest_valid_key()
    {
        deployment.EditManifest(m => m["Server"]!["PluginDirectory"] = "plugins");

        var result = await deployment.RunAsync("serve");

        AssertRefused(result);
        Assert.Contains("unknown manifest key Server:PluginDirectory", result.Error);
        Assert.Contains("did you mean Server:PluginsDirectory?", result.Error);
        Assert.Contains(deployment.ManifestPath, result.Error);
    }

    [Fact]
    public async Task Enabled_plugin_without_a_folder_names_the_missing_folder()
    {
        deployment.EditManifest(m => m["Plugins"]!["foundationdb"] = new JsonObject { ["Enabled"] = true });

        var result = await deployment.RunAsync("serve");

        AssertRefused(result, "foundationdb");
        Assert.Contains("is not installed", result.Error);
        Assert.Contains(Path.Combine(deployment.PluginsFolder, "foundationdb"), result.Error);
        Assert.Contains("Plugins:foundationdb:Enabled", result.Error);
    }

    [Fact]
    public async Task Plugin_built_for_another_contracts_version_is_refused()
    {
        deployment.EditDescriptor("filesystem", d => d["contractsVersion"] = "2.0.0");

        var result = await deployment.RunAsync("serve");

        AssertRefused(result, "filesystem");
        Assert.Contains("built for contracts 2.0.0", result.Error);
        Assert.Contains(Path.Combine(deployment.PluginsFolder, "filesystem", "plugin.json"), result.Error);
        Assert.Contains("made for contracts 1.x", result.Error);
    }

    [Fact]
    public async Task Plugin_whose_entry_point_throws_is_refused_with_its_message()
    {
        deployment.AddTestPlugin("test-faulty");
        deployment.EditManifest(m => m["Plugins"]!["test-faulty"] = new JsonObject { ["Enabled"] = true });

        var result = await deployment.RunAsync("serve");

        AssertRefused(result, "test-faulty");
        Assert.Contains("threw while registering its services", result.Error);
        Assert.Contains("fails on purpose", result.Error);
        Assert.Contains("Mail.Host.TestPlugins.Faulty.dll", result.Error);
    }

    [Fact]
    public async Task Garbage_entry_assembly_is_refused()
    {
        File.WriteAllBytes(Path.Combine(deployment.MaterializePlugin("filesystem"), "Mail.Host.Plugins.FileSystem.dll"), "MZ this is not an assembly"u8.ToArray());

        var result = await deployment.RunAsync("serve");

        AssertRefused(result, "filesystem");
        Assert.Contains("is not a .NET assembly", result.Error);
        Assert.Contains(Path.Combine(deployment.PluginsFolder, "filesystem", "Mail.Host.Plugins.FileSystem.dll"), result.Error);
    }

    [Fact]
    public async Task Store_type_no_enabled_plugin_provides_is_refused()
    {
        deployment.EditManifest(m => m["Stores"]!["main"]!["Type"] = "foundationdb");

        var result = await deployment.RunAsync("serve");

        AssertRefused(result);
        Assert.Contains("Stores:main:Type is 'foundationdb', and no plugin", result.Error);
        Assert.Contains("memory", result.Error);
    }

    [Fact]
    public async Task Store_type_of_a_disabled_plugin_suggests_enabling_it()
    {
        deployment.EditManifest(m => m["Plugins"]!["filesystem"]!["Enabled"] = false);

        var result = await deployment.RunAsync("serve");

        AssertRefused(result, "filesystem");
        Assert.Contains("Stores:blobs:Type is 'filesystem'", result.Error);
        Assert.Contains("set Plugins:filesystem:Enabled to true", result.Error);
    }

    [Fact]
    public async Task Directory_type_no_enabled_plugin_provides_is_refused()
    {
        deployment.EditManifest(m => m["Directories"]!["local"]!["Type"] = "ldap");

        var result = await deployment.RunAsync("serve");

        AssertRefused(result);
        Assert.Contains("Directories:local:Type is 'ldap'", result.Error);
    }

    [Fact]
    public async Task Two_plugins_claiming_one_store_type_are_refused()
    {
        CopyPluginAs("memory", "memory-copy");
        deployment.EditManifest(m => m["Plugins"]!["memory-copy"] = new JsonObject { ["Enabled"] = true });

        var result = await deployment.RunAsync("serve");

        AssertRefused(result, "memory-copy");
        Assert.Contains("'memory' and 'memory-copy' both provide the store type 'memory'", result.Error);
    }

    [Fact]
    public async Task Two_plugins_claiming_one_protocol_are_refused()
    {
        deployment.AddTestPlugin("test-json12");
        deployment.AddTestPlugin("test-json13");
        deployment.EditDescriptor("test-json12", d => d["provides"]!["protocols"] = new JsonArray("smtp"));
        deployment.EditDescriptor("test-json13", d => d["provides"]!["protocols"] = new JsonArray("smtp"));
        deployment.EditManifest(m =>
        {
            m["Plugins"]!["test-json12"] = new JsonObject { ["Enabled"] = true };
            m["Plugins"]!["test-json13"] = new JsonObject { ["Enabled"] = true };
        });

        var result = await deployment.RunAsync("serve");

        AssertRefused(result, "test-json13");
        Assert.Contains("both provide the protocol 'smtp'", result.Error);
    }

    [Fact]
    public async Task Broken_plugin_folder_that_is_not_enabled_does_not_stop_the_start()
    {
        var broken = Path.Combine(deployment.PluginsFolder, "broken");
        System.IO.Directory.CreateDirectory(broken);
        File.WriteAllText(Path.Combine(broken, "plugin.json"), "{ this is not json");

        var listing = await deployment.RunAsync("plugins");
        Assert.Equal(0, listing.ExitCode);
        var row = Assert.Single(listing.Output.Split('\n'), l => l.StartsWith("broken ", StringComparison.Ordinal));
        Assert.Contains("malfunctioned", row);
        Assert.Contains("not valid JSON", row);

        using var server = await deployment.StartServerAsync();
        var health = await server.Http.GetStringAsync("/health");
        Assert.Contains("\"id\":\"broken\"", health);
    }

    [Fact]
    public async Task Check_lists_every_problem_and_exits_non_zero()
    {
        deployment.EditManifest(m =>
        {
            m["Stores"]!["main"]!["Type"] = "postgresql";
            m["Roles"]!["Blob"] = "nowhere";
        });

        var result = await deployment.RunAsync("check");

        Assert.Equal(ConfigurationError, result.ExitCode);
        Assert.Contains("2 problems", result.Error);
        Assert.Contains("postgresql", result.Error);
        Assert.Contains("Roles:Blob names the store 'nowhere'", result.Error);
    }

    public void Dispose() => deployment.Dispose();

    private void CopyPluginAs(string id, string newId)
    {
        var source = Path.Combine(deployment.PluginsFolder, id);
        var target = Path.Combine(deployment.PluginsFolder, newId);
        System.IO.Directory.CreateDirectory(target);
        foreach (var file in System.IO.Directory.GetFiles(source))
        {
            File.Copy(file, Path.Combine(target, Path.GetFileName(file)));
        }

        deployment.EditDescriptor(newId, d => d["id"] = newId);
    }

    private static void AssertRefused(CommandResult result, string? pluginId = null)
    {
        Assert.True(result.ExitCode == ConfigurationError, $"expected exit {ConfigurationError}; got {result}");
        Assert.Contains("mailhost: cannot start", result.Error);
        Assert.Contains("  file:", result.Error);
        Assert.Contains("  fix:", result.Error);
        if (pluginId is not null)
        {
            Assert.Contains($"  plugin: {pluginId}", result.Error);
        }

        // Nothing was opened: the start-up log line is written only after every listener is bound.
        Assert.DoesNotContain("mailhost started", result.Output + result.Error);
        Assert.DoesNotContain("Now listening", result.Output + result.Error);
    }
}
