using Xunit;

namespace Mail.Host.Tests;

public sealed class ManifestKeyTests : IDisposable
{
    private readonly TestFolder folder = new();

    public void Dispose() => folder.Dispose();

    [Fact]
    public void An_unknown_top_level_key_suggests_the_nearest()
    {
        var path = folder.WriteManifest("""{ "Plugin": { "memory": { "Enabled": true } } }""");

        var problem = Assert.Single(Load.Problems(path));

        Assert.Contains("unknown manifest key Plugin ", problem.Message, StringComparison.Ordinal);
        Assert.Contains("did you mean Plugins?", problem.Message, StringComparison.Ordinal);
        Assert.Contains(path, problem.Message, StringComparison.Ordinal);
        Assert.Equal(path, problem.File);
        Assert.Contains("rename Plugin to Plugins", problem.Fix, StringComparison.Ordinal);
    }

    [Fact]
    public void An_unknown_nested_key_suggests_the_full_path_of_the_nearest()
    {
        var path = folder.WriteManifest("""{ "Server": { "PluginDirectory": "plugins" } }""");

        var problem = Assert.Single(Load.Problems(path));

        Assert.Contains("Server:PluginDirectory", problem.Message, StringComparison.Ordinal);
        Assert.Contains("did you mean Server:PluginsDirectory?", problem.Message, StringComparison.Ordinal);
        Assert.Contains("rename Server:PluginDirectory to Server:PluginsDirectory", problem.Fix, StringComparison.Ordinal);
    }

    [Fact]
    public void An_unknown_key_below_a_plugin_suggests_the_plugin_key()
    {
        var path = folder.WriteManifest("""{ "Plugins": { "memory": { "Enable": false } } }""");

        var problem = Assert.Single(Load.Problems(path));

        Assert.Contains("Plugins:memory:Enable ", problem.Message, StringComparison.Ordinal);
        Assert.Contains("did you mean Plugins:memory:Enabled?", problem.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_unknown_key_with_nothing_near_lists_the_allowed_keys()
    {
        var path = folder.WriteManifest("""{ "Server": { "Zzzzzzzzzzzz": 1 } }""");

        var problem = Assert.Single(Load.Problems(path));

        Assert.DoesNotContain("did you mean", problem.Message, StringComparison.Ordinal);
        Assert.Contains("remove Server:Zzzzzzzzzzzz", problem.Fix, StringComparison.Ordinal);
        Assert.Contains("under Server", problem.Fix, StringComparison.Ordinal);
        Assert.Contains("Hostname, PluginsDirectory, DataDirectory, ShutdownTimeoutSeconds", problem.Fix, StringComparison.Ordinal);
    }

    [Fact]
    public void Key_names_are_matched_regardless_of_case()
    {
        var path = folder.WriteManifest("""{ "server": { "hostname": "mx.example.org" } }""");

        Assert.Equal("mx.example.org", Load.Manifest(path).Hostname);
    }

    [Fact]
    public void The_schema_key_is_allowed_at_the_top_level()
    {
        var path = folder.WriteManifest("""{ "$schema": "https://example.org/mailhost.schema.json" }""");

        Assert.NotNull(Load.Manifest(path));
    }

    [Fact]
    public void An_unknown_key_from_an_environment_variable_names_the_variable()
    {
        var path = folder.WriteManifest("{}");

        var problem = Assert.Single(Load.Problems(path, ("MAILHOST__Servr__Hostname", "mx.example.org")));

        Assert.Contains("MAILHOST__Servr__Hostname", problem.Message, StringComparison.Ordinal);
        Assert.Contains("environment variable", problem.Message, StringComparison.Ordinal);
        Assert.Contains("did you mean Server?", problem.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_unknown_nested_key_from_an_environment_variable_suggests_the_full_path()
    {
        var path = folder.WriteManifest("{}");

        var problem = Assert.Single(Load.Problems(path, ("MAILHOST__Server__Hostnme", "mx.example.org")));

        Assert.Contains("MAILHOST__Server__Hostnme", problem.Message, StringComparison.Ordinal);
        Assert.Contains("did you mean Server:Hostname?", problem.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Environment_variables_without_the_prefix_are_ignored()
    {
        var path = folder.WriteManifest("{}");

        var manifest = Load.Manifest(path, ("PATH", "/usr/bin"), ("MAILHOST_MANIFEST", path), ("OTHER__Servr__X", "1"));

        Assert.NotNull(manifest);
    }

    [Fact]
    public void Keys_below_plugin_settings_stores_directories_listeners_and_logging_are_not_the_hosts_to_check()
    {
        var path = folder.WriteManifest("""
            {
              "Plugins": { "memory": { "Enabled": true, "Settings": { "Anything": { "Deep": [ 1, 2 ] }, "Other": "x" } } },
              "Stores": { "main": { "Type": "memory", "Path": "data/main", "Tuning": { "CacheMegabytes": 64 } } },
              "Directories": { "local": { "Type": "static", "Domains": [ "example.org" ], "Principals": [] } },
              "Listeners": { "smtp": { "Protocol": "smtp", "Bind": [ "127.0.0.1:2525" ], "Tls": "None", "Certificate": { "Path": "cert.pem" } } },
              "Logging": { "LogLevel": { "Default": "Debug" }, "Console": { "FormatterName": "simple" } }
            }
            """);

        var manifest = Load.Manifest(path);

        Assert.Equal("memory", manifest.Stores["main"].Type);
        Assert.Equal("data/main", manifest.Stores["main"].Section["Path"]);
        Assert.Equal("x", manifest.Plugins["memory"].Settings["Other"]);
    }

    [Fact]
    public void Environment_variables_below_open_sections_are_not_flagged()
    {
        var path = folder.WriteManifest("{}");

        var manifest = Load.Manifest(
            path,
            ("MAILHOST__Plugins__memory__Settings__Anything", "1"),
            ("MAILHOST__Stores__main__Type", "memory"),
            ("MAILHOST__Stores__main__Whatever__Deep", "1"),
            ("MAILHOST__Logging__LogLevel__Default", "Debug"));

        Assert.Equal("1", manifest.Plugins["memory"].Settings["Anything"]);
        Assert.Equal("1", manifest.Stores["main"].Section["Whatever:Deep"]);
    }

    [Fact]
    public void Every_unknown_key_is_reported_not_just_the_first()
    {
        var path = folder.WriteManifest("""
            {
              "Servr": { "Hostname": "x" },
              "Http": { "Url": [ "http://127.0.0.1:8080" ] }
            }
            """);

        var problems = Load.Problems(path);

        Assert.Equal(2, problems.Count);
        Assert.Contains(problems, p => p.Message.Contains("Servr", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.Message.Contains("Http:Url ", StringComparison.Ordinal));
    }

    [Fact]
    public void Unknown_keys_in_the_file_and_the_environment_are_reported_together()
    {
        var path = folder.WriteManifest("""{ "Plugin": {} }""");

        var problems = Load.Problems(path, ("MAILHOST__Roles__Blobs", "main"));

        Assert.Equal(2, problems.Count);
        Assert.Contains(problems, p => p.Message.Contains("did you mean Plugins?", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.Message.Contains("MAILHOST__Roles__Blobs", StringComparison.Ordinal) && p.Message.Contains("Roles:Blob?", StringComparison.Ordinal));
    }
}
