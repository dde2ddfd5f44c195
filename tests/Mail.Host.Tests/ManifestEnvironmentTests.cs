using Mail.Host.Manifest;
using Mail.Host.Startup;
using Mail.Host.Storage;
using Xunit;

namespace Mail.Host.Tests;

public sealed class ManifestEnvironmentTests : IDisposable
{
    private readonly TestFolder folder = new();

    public void Dispose() => folder.Dispose();

    [Fact]
    public void An_environment_variable_overrides_the_file()
    {
        var path = folder.WriteManifest("""{ "Server": { "Hostname": "file.example.org" } }""");

        var manifest = Load.Manifest(path, ("MAILHOST__Server__Hostname", "x"));

        Assert.Equal("x", manifest.Hostname);
    }

    [Fact]
    public void The_file_value_is_used_without_the_variable()
    {
        var path = folder.WriteManifest("""{ "Server": { "Hostname": "file.example.org" } }""");

        Assert.Equal("file.example.org", Load.Manifest(path).Hostname);
    }

    [Fact]
    public void An_environment_variable_can_disable_a_plugin()
    {
        var path = folder.WriteManifest("""{ "Plugins": { "memory": { "Enabled": true }, "filesystem": { "Enabled": true } } }""");

        var manifest = Load.Manifest(path, ("MAILHOST__Plugins__memory__Enabled", "false"));

        Assert.False(manifest.IsEnabled("memory"));
        Assert.True(manifest.IsEnabled("filesystem"));
    }

    [Fact]
    public void An_environment_variable_can_enable_a_plugin_the_file_does_not_name()
    {
        var path = folder.WriteManifest("{}");

        var manifest = Load.Manifest(path, ("MAILHOST__Plugins__memory__Enabled", "true"));

        Assert.True(manifest.IsEnabled("memory"));
    }

    [Fact]
    public void The_prefix_and_key_names_are_matched_regardless_of_case()
    {
        var path = folder.WriteManifest("""{ "Server": { "Hostname": "file.example.org" } }""");

        var manifest = Load.Manifest(path, ("mailhost__server__hostname", "lower.example.org"));

        Assert.Equal("lower.example.org", manifest.Hostname);
    }

    [Fact]
    public void A_relative_directory_from_the_environment_resolves_against_the_manifests_folder()
    {
        var path = folder.WriteManifest("{}", Path.Combine("etc", "mailhost.json"));

        var manifest = Load.Manifest(path, ("MAILHOST__Server__PluginsDirectory", "extra"), ("MAILHOST__Server__DataDirectory", "state"));

        Assert.Equal(folder.Combine("etc", "extra"), manifest.PluginsDirectory);
        Assert.Equal(folder.Combine("etc", "state"), manifest.DataDirectory);
    }

    [Fact]
    public void Array_entries_can_be_overridden_by_index()
    {
        var path = folder.WriteManifest("""{ "Http": { "Urls": [ "http://127.0.0.1:8080" ] } }""");

        var manifest = Load.Manifest(path, ("MAILHOST__Http__Urls__0", "http://0.0.0.0:9000"));

        Assert.Equal(["http://0.0.0.0:9000"], manifest.HttpUrls);
    }

    [Fact]
    public void Roles_and_stores_can_come_from_the_environment()
    {
        var path = folder.WriteManifest("""{ "Stores": { "main": { "Type": "memory" } }, "Roles": { "Data": "main" } }""");

        var manifest = Load.Manifest(path, ("MAILHOST__Stores__other__Type", "memory"), ("MAILHOST__Roles__Data", "other"));

        Assert.Equal("other", manifest.Roles[StoreRoles.Data]);
        Assert.Equal(2, manifest.Stores.Count);
    }

    [Fact]
    public void A_bad_value_from_the_environment_is_a_problem()
    {
        var path = folder.WriteManifest("""{ "Server": { "ShutdownTimeoutSeconds": 30 } }""");

        var problem = Assert.Single(Load.Problems(path, ("MAILHOST__Server__ShutdownTimeoutSeconds", "forever")));

        Assert.Contains("'forever'", problem.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Http_urls_given_as_one_value_in_the_environment_is_used_or_reported()
    {
        var path = folder.WriteManifest("{}");
        HostManifest? manifest = null;

        var exception = Record.Exception(() => manifest = Load.Manifest(path, ("MAILHOST__Http__Urls", "http://0.0.0.0:9000")));

        if (exception is StartupException startup)
        {
            Assert.Contains(startup.Problems, p => p.Message.Contains("Http:Urls", StringComparison.Ordinal));
            return;
        }

        Assert.Null(exception);
        Assert.Equal(["http://0.0.0.0:9000"], manifest!.HttpUrls);
    }
}
