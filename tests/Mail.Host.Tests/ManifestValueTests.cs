using Mail.Host.Manifest;
using Mail.Host.Storage;
using Xunit;

namespace Mail.Host.Tests;

public sealed class ManifestValueTests : IDisposable
{
    private readonly TestFolder folder = new();

    public void Dispose() => folder.Dispose();

    [Fact]
    public void Http_urls_as_a_string_instead_of_an_array_is_a_problem()
    {
        var path = folder.WriteManifest("""{ "Http": { "Urls": "http://127.0.0.1:8080" } }""");

        var problem = Assert.Single(Load.Problems(path));

        Assert.Contains("Http:Urls", problem.Message, StringComparison.Ordinal);
        Assert.Contains("should be an array, not a string", problem.Message, StringComparison.Ordinal);
        Assert.Equal(path, problem.File);
        Assert.Contains("write Http:Urls as an array", problem.Fix, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("""{ "Server": [ "localhost" ] }""", "Server", "should be an object, not an array")]
    [InlineData("""{ "Server": { "Hostname": { "Name": "x" } } }""", "Server:Hostname", "should be a single value, not an object")]
    [InlineData("""{ "Plugins": { "memory": true } }""", "Plugins:memory", "should be an object, not a boolean")]
    [InlineData("""{ "Listeners": { "smtp": { "Protocol": "smtp", "Bind": "127.0.0.1:25" } } }""", "Listeners:smtp:Bind", "should be an array, not a string")]
    [InlineData("""{ "Http": { "Urls": [ [ "http://127.0.0.1:8080" ] ] } }""", "Http:Urls:0", "should be a single value, not an array")]
    [InlineData("""{ "Logging": "Debug" }""", "Logging", "should be an object, not a string")]
    public void A_value_of_the_wrong_shape_is_a_problem_naming_the_key(string json, string key, string shape)
    {
        var path = folder.WriteManifest(json);

        var problem = Assert.Single(Load.Problems(path));

        Assert.Contains($"key {key} ", problem.Message, StringComparison.Ordinal);
        Assert.Contains(shape, problem.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Defaults_apply_when_keys_are_absent()
    {
        var path = folder.WriteManifest("{}");

        var manifest = Load.Manifest(path);

        Assert.Equal(Environment.MachineName.ToLowerInvariant(), manifest.Hostname);
        Assert.Equal(folder.Combine("plugins"), manifest.PluginsDirectory);
        Assert.Equal(folder.Combine("data"), manifest.DataDirectory);
        Assert.Equal(TimeSpan.FromSeconds(30), manifest.ShutdownTimeout);
        Assert.Equal([HostManifest.DefaultHttpUrl], manifest.HttpUrls);
        Assert.Empty(manifest.Plugins);
        Assert.Empty(manifest.Stores);
        Assert.Empty(manifest.Roles);
        Assert.Empty(manifest.Directories);
        Assert.Empty(manifest.Listeners);
        Assert.Null(manifest.AuthenticationDirectory);
        Assert.Equal(path, manifest.FilePath);
        Assert.Equal(folder.Path, manifest.Directory);
    }

    [Fact]
    public void Relative_directories_resolve_against_the_manifests_folder_not_the_current_directory()
    {
        var path = folder.WriteManifest("""{ "Server": { "PluginsDirectory": "lib/plugins", "DataDirectory": "../var/data" } }""", Path.Combine("etc", "mailhost.json"));

        var manifest = Load.Manifest(path);

        Assert.Equal(folder.Combine("etc", "lib", "plugins"), manifest.PluginsDirectory);
        Assert.Equal(folder.Combine("var", "data"), manifest.DataDirectory);
        Assert.NotEqual(Path.GetFullPath("lib/plugins"), manifest.PluginsDirectory);
        Assert.Equal(folder.Combine("etc", "x"), manifest.ResolvePath("x"));
    }

    [Fact]
    public void Absolute_directories_are_kept()
    {
        var plugins = folder.Combine("elsewhere", "plugins");
        var path = folder.WriteManifest($$"""{ "Server": { "PluginsDirectory": "{{plugins.Replace("\\", "\\\\", StringComparison.Ordinal)}}" } }""", Path.Combine("etc", "mailhost.json"));

        Assert.Equal(plugins, Load.Manifest(path).PluginsDirectory);
    }

    [Fact]
    public void A_plugin_named_without_enabled_is_enabled()
    {
        var path = folder.WriteManifest("""
            { "Plugins": { "memory": {}, "filesystem": { "Settings": { "Root": "x" } }, "other": { "Enabled": false } } }
            """);

        var manifest = Load.Manifest(path);

        Assert.True(manifest.IsEnabled("memory"));
        Assert.True(manifest.IsEnabled("filesystem"));
        Assert.False(manifest.IsEnabled("other"));
        Assert.False(manifest.IsEnabled("unnamed"));
        Assert.Equal(3, manifest.Plugins.Count);
    }

    [Fact]
    public void Plugin_ids_are_looked_up_regardless_of_case()
    {
        var path = folder.WriteManifest("""{ "Plugins": { "Memory": { "Enabled": true } } }""");

        Assert.True(Load.Manifest(path).IsEnabled("memory"));
    }

    [Fact]
    public void Enabled_that_is_not_a_boolean_is_a_problem_naming_the_plugin()
    {
        var path = folder.WriteManifest("""{ "Plugins": { "memory": { "Enabled": "yes" } } }""");

        var problem = Assert.Single(Load.Problems(path));

        Assert.Contains("Plugins:memory:Enabled is 'yes'", problem.Message, StringComparison.Ordinal);
        Assert.Equal("memory", problem.PluginId);
        Assert.Contains("set Plugins:memory:Enabled to true or false", problem.Fix, StringComparison.Ordinal);
        Assert.Contains(path, problem.Fix, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("0")]
    [InlineData("-5")]
    [InlineData("3601")]
    [InlineData("\"soon\"")]
    [InlineData("2.5")]
    [InlineData("true")]
    public void A_bad_shutdown_timeout_is_a_problem(string value)
    {
        var path = folder.WriteManifest($$"""{ "Server": { "ShutdownTimeoutSeconds": {{value}} } }""");

        var problem = Assert.Single(Load.Problems(path));

        Assert.Contains("Server:ShutdownTimeoutSeconds", problem.Message, StringComparison.Ordinal);
        Assert.Contains("1 to 3600", problem.Message, StringComparison.Ordinal);
        Assert.Equal(path, problem.File);
        Assert.Contains("set Server:ShutdownTimeoutSeconds", problem.Fix, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("1", 1)]
    [InlineData("3600", 3600)]
    [InlineData("\"45\"", 45)]
    public void A_shutdown_timeout_in_range_is_used(string value, int seconds)
    {
        var path = folder.WriteManifest($$"""{ "Server": { "ShutdownTimeoutSeconds": {{value}} } }""");

        Assert.Equal(TimeSpan.FromSeconds(seconds), Load.Manifest(path).ShutdownTimeout);
    }

    [Fact]
    public void A_store_without_a_type_is_a_problem_naming_the_store()
    {
        var path = folder.WriteManifest("""{ "Stores": { "main": { "Path": "data/main" } } }""");

        var problem = Assert.Single(Load.Problems(path));

        Assert.Contains("Stores:main has no Type", problem.Message, StringComparison.Ordinal);
        Assert.Contains("set Stores:main:Type", problem.Fix, StringComparison.Ordinal);
        Assert.Equal(path, problem.File);
    }

    [Fact]
    public void A_listener_without_a_protocol_and_a_directory_without_a_type_are_both_reported()
    {
        var path = folder.WriteManifest("""
            {
              "Directories": { "local": { "Domains": [] } },
              "Listeners": { "smtp": { "Bind": [ "127.0.0.1:2525" ] } }
            }
            """);

        var problems = Load.Problems(path);

        Assert.Equal(2, problems.Count);
        Assert.Contains(problems, p => p.Message.Contains("Directories:local has no Type", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.Message.Contains("Listeners:smtp has no Protocol", StringComparison.Ordinal));
    }

    [Fact]
    public void Every_value_problem_is_reported_not_just_the_first()
    {
        var path = folder.WriteManifest("""
            {
              "Server": { "ShutdownTimeoutSeconds": 0 },
              "Http": { "Urls": [ "ftp://127.0.0.1:21" ] },
              "Plugins": { "memory": { "Enabled": "maybe" } },
              "Stores": { "main": {} }
            }
            """);

        var problems = Load.Problems(path);

        Assert.Equal(4, problems.Count);
        Assert.Contains(problems, p => p.Message.Contains("ShutdownTimeoutSeconds", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.Message.Contains("ftp://127.0.0.1:21", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.Message.Contains("Plugins:memory:Enabled", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.Message.Contains("Stores:main has no Type", StringComparison.Ordinal));
    }

    [Fact]
    public void An_http_url_that_is_not_http_is_a_problem()
    {
        var path = folder.WriteManifest("""{ "Http": { "Urls": [ "http://127.0.0.1:8080", "127.0.0.1:8081" ] } }""");

        var problem = Assert.Single(Load.Problems(path));

        Assert.Contains("'127.0.0.1:8081'", problem.Message, StringComparison.Ordinal);
        Assert.Contains("Http:Urls", problem.Fix, StringComparison.Ordinal);
    }

    [Fact]
    public void Types_are_lower_cased_and_names_are_kept()
    {
        var path = folder.WriteManifest("""
            {
              "Stores": { "Main": { "Type": "Memory" } },
              "Roles": { "Data": "Main", "Lookup": "Main" },
              "Directories": { "local": { "Type": "STATIC" } },
              "Authentication": { "Directory": "local" },
              "Listeners": { "smtp": { "Protocol": "SMTP", "Bind": [ "127.0.0.1:2525" ] } }
            }
            """);

        var manifest = Load.Manifest(path);

        Assert.Equal("memory", manifest.Stores["main"].Type);
        Assert.Equal("Main", manifest.Stores["main"].Name);
        Assert.Equal("static", manifest.Directories["local"].Type);
        Assert.Equal("smtp", manifest.Listeners["smtp"].Type);
        Assert.Equal("local", manifest.AuthenticationDirectory);
        Assert.Equal(2, manifest.Roles.Count);
        Assert.Equal("Main", manifest.Roles[StoreRoles.Data]);
        Assert.Equal("Main", manifest.Roles[StoreRoles.Lookup]);
        Assert.False(manifest.Roles.ContainsKey(StoreRoles.Blob));
    }
}
