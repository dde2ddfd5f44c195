using Mail.Host.Plugins;
using Mail.Host.Startup;
using Xunit;

namespace Mail.Host.Tests;

public sealed class DeploymentValidatorTests : IDisposable
{
    private const string MemoryStores = "\"memory\": [ \"data\", \"fullText\", \"lookup\" ]";
    private const string BlobStores = "\"filesystem\": [ \"blob\" ]";

    private readonly TestFolder folder = new();

    public void Dispose() => folder.Dispose();

    [Fact]
    public void A_consistent_deployment_has_no_problems()
    {
        folder.WritePlugin("memory", stores: MemoryStores, directories: "\"static\"");
        folder.WritePlugin("filesystem", stores: BlobStores);
        folder.WritePlugin("smtp", protocols: "\"smtp\"");

        var problems = Validate("""
            {
              "Plugins": { "memory": {}, "filesystem": {}, "smtp": {} },
              "Stores": { "main": { "Type": "memory" }, "blobs": { "Type": "filesystem" } },
              "Roles": { "Data": "main", "Blob": "blobs", "FullText": "main", "Lookup": "main" },
              "Directories": { "local": { "Type": "static" } },
              "Authentication": { "Directory": "local" },
              "Listeners": { "smtp": { "Protocol": "smtp", "Bind": [ "127.0.0.1:2525", "*:2587", "[::1]:2525" ], "Tls": "none" } }
            }
            """);

        Assert.Empty(problems.Select(p => p.Render()));
    }

    [Fact]
    public void An_enabled_plugin_without_a_folder_is_reported_with_its_id_and_the_fix()
    {
        var problems = Validate("""{ "Plugins": { "imap": {} } }""");

        var problem = Assert.Single(problems);
        Assert.Equal("imap", problem.PluginId);
        Assert.Contains("'imap' is not installed", problem.Message, StringComparison.Ordinal);
        Assert.Contains("publish the plugin into", problem.Fix, StringComparison.Ordinal);
        Assert.Contains("Plugins:imap:Enabled to false", problem.Fix, StringComparison.Ordinal);
    }

    [Fact]
    public void A_plugin_for_newer_minor_contracts_is_reported_as_incompatible()
    {
        var newer = $"{ContractsVersion.Current.Major}.{ContractsVersion.Current.Minor + 1}.0";
        folder.WritePlugin("memory", contractsVersion: newer, stores: MemoryStores);

        var problems = Validate("""{ "Plugins": { "memory": {} } }""");

        var problem = Assert.Single(problems);
        Assert.Contains("'memory' is incompatible", problem.Message, StringComparison.Ordinal);
        Assert.Contains($"contracts {ContractsVersion.Current.Major}.x (up to {ContractsVersion.Current.Major}.{ContractsVersion.Current.Minor})", problem.Fix, StringComparison.Ordinal);
    }

    [Fact]
    public void Two_enabled_plugins_providing_one_store_type_are_one_problem_naming_both()
    {
        folder.WritePlugin("kv-a", stores: "\"kv\": [ \"data\" ]");
        folder.WritePlugin("kv-b", stores: "\"KV\": [ \"data\" ]");

        var problems = Validate("""{ "Plugins": { "kv-a": {}, "kv-b": {} } }""");

        var problem = Assert.Single(problems);
        Assert.Contains("'kv-a' and 'kv-b' both provide the store type 'kv'", problem.Message, StringComparison.Ordinal);
        Assert.Contains("set Plugins:kv-a:Enabled or Plugins:kv-b:Enabled to false", problem.Fix, StringComparison.Ordinal);
    }

    [Fact]
    public void Two_enabled_plugins_providing_one_protocol_are_one_problem_naming_both()
    {
        folder.WritePlugin("smtp-a", protocols: "\"smtp\"");
        folder.WritePlugin("smtp-b", protocols: "\"smtp\"");

        var problems = Validate("""{ "Plugins": { "smtp-a": {}, "smtp-b": {} } }""");

        var problem = Assert.Single(problems);
        Assert.Contains("'smtp-a' and 'smtp-b' both provide the protocol 'smtp'", problem.Message, StringComparison.Ordinal);
        Assert.Contains("enable only one of them", problem.Fix, StringComparison.Ordinal);
    }

    [Fact]
    public void Two_enabled_plugins_providing_one_directory_type_are_one_problem()
    {
        folder.WritePlugin("dir-a", directories: "\"ldap\"");
        folder.WritePlugin("dir-b", directories: "\"ldap\"");

        var problem = Assert.Single(Validate("""{ "Plugins": { "dir-a": {}, "dir-b": {} } }"""));

        Assert.Contains("both provide the directory type 'ldap'", problem.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_disabled_plugin_sharing_a_type_with_an_enabled_one_is_no_conflict()
    {
        folder.WritePlugin("smtp-a", protocols: "\"smtp\"");
        folder.WritePlugin("smtp-b", protocols: "\"smtp\"");

        Assert.Empty(Validate("""{ "Plugins": { "smtp-a": {}, "smtp-b": { "Enabled": false } } }"""));
    }

    [Fact]
    public void A_plugin_listing_a_type_twice_does_not_conflict_with_itself()
    {
        folder.WritePlugin("memory", directories: "\"static\", \"Static\"", protocols: "\"smtp\", \"smtp\"");

        Assert.Empty(Validate("""{ "Plugins": { "memory": {} } }""").Select(p => p.Render()));
    }

    [Fact]
    public void A_role_on_a_store_whose_type_no_plugin_provides_is_a_problem()
    {
        folder.WritePlugin("memory", stores: MemoryStores);

        var problems = Validate("""
            {
              "Plugins": { "memory": {} },
              "Stores": { "main": { "Type": "memory" }, "bodies": { "Type": "s3" } },
              "Roles": { "Data": "main", "Blob": "bodies" }
            }
            """);

        var problem = Assert.Single(problems);
        Assert.Contains("Stores:bodies:Type is 's3'", problem.Message, StringComparison.Ordinal);
        Assert.Contains("no plugin in " + folder.PluginsPath, problem.Message, StringComparison.Ordinal);
        Assert.Contains("install a plugin providing the store type 's3'", problem.Fix, StringComparison.Ordinal);
        Assert.Contains("one of: memory", problem.Fix, StringComparison.Ordinal);
        Assert.Equal(folder.Combine("mailhost.json"), problem.File);
    }

    [Fact]
    public void A_type_provided_by_a_disabled_plugin_suggests_enabling_it()
    {
        folder.WritePlugin("memory", stores: MemoryStores);
        folder.WritePlugin("filesystem", stores: BlobStores);

        var problems = Validate("""
            {
              "Plugins": { "memory": {}, "filesystem": { "Enabled": false } },
              "Stores": { "main": { "Type": "memory" }, "blobs": { "Type": "filesystem" } },
              "Roles": { "Data": "main", "Blob": "blobs" }
            }
            """);

        var problem = Assert.Single(problems);
        Assert.Equal("filesystem", problem.PluginId);
        Assert.Contains("Stores:blobs:Type is 'filesystem'", problem.Message, StringComparison.Ordinal);
        Assert.Contains("plugin 'filesystem' provides, but that plugin is not enabled", problem.Message, StringComparison.Ordinal);
        Assert.Contains("set Plugins:filesystem:Enabled to true", problem.Fix, StringComparison.Ordinal);
    }

    [Fact]
    public void A_type_provided_by_a_plugin_the_manifest_does_not_name_suggests_enabling_it()
    {
        folder.WritePlugin("smtp", protocols: "\"smtp\"");

        var problem = Assert.Single(Validate("""{ "Listeners": { "in": { "Protocol": "smtp", "Bind": [ "127.0.0.1:2525" ] } } }"""));

        Assert.Equal("smtp", problem.PluginId);
        Assert.Contains("Listeners:in:Protocol is 'smtp'", problem.Message, StringComparison.Ordinal);
        Assert.Contains("set Plugins:smtp:Enabled to true", problem.Fix, StringComparison.Ordinal);
    }

    [Fact]
    public void A_type_of_an_enabled_plugin_that_cannot_run_is_reported_with_the_plugin()
    {
        folder.WritePlugin("memory", contractsVersion: "2.0.0", stores: MemoryStores);

        var problems = Validate("""{ "Plugins": { "memory": {} }, "Stores": { "main": { "Type": "memory" } } }""");

        Assert.Equal(2, problems.Count);
        Assert.Contains(problems, p => p.Message.Contains("'memory' is incompatible", StringComparison.Ordinal));
        var store = Assert.Single(problems, p => p.Message.Contains("Stores:main:Type", StringComparison.Ordinal));
        Assert.Equal("memory", store.PluginId);
        Assert.Contains("cannot run (incompatible:", store.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_role_naming_an_undefined_store_is_a_problem()
    {
        folder.WritePlugin("memory", stores: MemoryStores);

        var problems = Validate("""
            { "Plugins": { "memory": {} }, "Stores": { "main": { "Type": "memory" } }, "Roles": { "Data": "main", "Lookup": "lookups" } }
            """);

        var problem = Assert.Single(problems);
        Assert.Contains("Roles:Lookup names the store 'lookups'", problem.Message, StringComparison.Ordinal);
        Assert.Contains("Stores section does not define", problem.Message, StringComparison.Ordinal);
        Assert.Contains("define Stores:lookups with a Type, or set Roles:Lookup to one of: main", problem.Fix, StringComparison.Ordinal);
    }

    [Fact]
    public void A_store_type_that_cannot_serve_its_role_is_a_problem()
    {
        folder.WritePlugin("memory", stores: MemoryStores);
        folder.WritePlugin("filesystem", stores: BlobStores);

        var problems = Validate("""
            {
              "Plugins": { "memory": {}, "filesystem": {} },
              "Stores": { "main": { "Type": "memory" }, "blobs": { "Type": "filesystem" } },
              "Roles": { "Data": "blobs", "Blob": "blobs" }
            }
            """);

        var problem = Assert.Single(problems);
        Assert.Equal("filesystem", problem.PluginId);
        Assert.Contains("Roles:Data names the store 'blobs' of type 'filesystem'", problem.Message, StringComparison.Ordinal);
        Assert.Contains("cannot serve the Data role", problem.Message, StringComparison.Ordinal);
        Assert.Contains("it serves: blob", problem.Message, StringComparison.Ordinal);
        Assert.Contains("set Roles:Data to a store whose type serves Data", problem.Fix, StringComparison.Ordinal);
    }

    [Fact]
    public void A_data_store_type_may_serve_the_other_roles_through_the_engine()
    {
        folder.WritePlugin("memory", stores: MemoryStores);
        folder.WritePlugin("filesystem", stores: BlobStores);

        var problems = Validate("""
            {
              "Plugins": { "memory": {}, "filesystem": {} },
              "Stores": { "main": { "Type": "memory" } },
              "Roles": { "Data": "main", "Blob": "main", "FullText": "main", "Lookup": "main" }
            }
            """);

        Assert.Empty(problems);
    }

    [Fact]
    public void A_directory_type_no_plugin_provides_is_a_problem()
    {
        folder.WritePlugin("memory", directories: "\"static\"");

        var problem = Assert.Single(Validate("""{ "Plugins": { "memory": {} }, "Directories": { "corp": { "Type": "ldap" } } }"""));

        Assert.Contains("Directories:corp:Type is 'ldap'", problem.Message, StringComparison.Ordinal);
        Assert.Contains("one of: static", problem.Fix, StringComparison.Ordinal);
    }

    [Fact]
    public void Authentication_naming_an_undefined_directory_is_a_problem()
    {
        folder.WritePlugin("memory", directories: "\"static\"");

        var problems = Validate("""
            { "Plugins": { "memory": {} }, "Directories": { "local": { "Type": "static" } }, "Authentication": { "Directory": "corp" } }
            """);

        var problem = Assert.Single(problems);
        Assert.Contains("Authentication:Directory names the directory 'corp'", problem.Message, StringComparison.Ordinal);
        Assert.Contains("define Directories:corp with a Type, or set Authentication:Directory to one of: local", problem.Fix, StringComparison.Ordinal);
        Assert.Equal(folder.Combine("mailhost.json"), problem.File);
    }

    [Theory]
    [InlineData("[ \"localhost:25\" ]", "'localhost:25'")]
    [InlineData("[ \"127.0.0.1\" ]", "'127.0.0.1'")]
    [InlineData("[ \"127.0.0.1:0\" ]", "'127.0.0.1:0'")]
    [InlineData("[ \"127.0.0.1:70000\" ]", "'127.0.0.1:70000'")]
    [InlineData("[ \"127.0.0.1:2525\", \"mail:25\" ]", "'mail:25'")]
    [InlineData("[]", "has no Bind addresses")]
    public void A_listener_with_a_bad_bind_is_a_problem(string bind, string shown)
    {
        folder.WritePlugin("smtp", protocols: "\"smtp\"");

        var problems = Validate($$"""{ "Plugins": { "smtp": {} }, "Listeners": { "in": { "Protocol": "smtp", "Bind": {{bind}} } } }""");

        var problem = Assert.Single(problems);
        Assert.Contains("Listeners:in", problem.Message, StringComparison.Ordinal);
        Assert.Contains(shown, problem.Message, StringComparison.Ordinal);
        Assert.Contains("set Listeners:in:Bind to addresses such as", problem.Fix, StringComparison.Ordinal);
    }

    [Fact]
    public void A_listener_without_bind_is_a_problem()
    {
        folder.WritePlugin("smtp", protocols: "\"smtp\"");

        var problem = Assert.Single(Validate("""{ "Plugins": { "smtp": {} }, "Listeners": { "in": { "Protocol": "smtp" } } }"""));

        Assert.Contains("Listeners:in has no Bind addresses", problem.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Sometimes")]
    [InlineData("tls")]
    [InlineData("")]
    public void A_listener_with_a_bad_tls_value_is_a_problem(string tls)
    {
        folder.WritePlugin("smtp", protocols: "\"smtp\"");

        var problems = Validate($$"""{ "Plugins": { "smtp": {} }, "Listeners": { "in": { "Protocol": "smtp", "Bind": [ "127.0.0.1:2525" ], "Tls": "{{tls}}" } } }""");

        var problem = Assert.Single(problems);
        Assert.Contains($"Listeners:in:Tls is '{tls}'", problem.Message, StringComparison.Ordinal);
        Assert.Contains("StartTls, Implicit or None", problem.Fix, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("7")]
    [InlineData("None,Implicit")]
    public void A_listener_tls_that_is_a_number_or_a_list_is_a_problem(string tls)
    {
        folder.WritePlugin("smtp", protocols: "\"smtp\"");

        var problems = Validate($$"""{ "Plugins": { "smtp": {} }, "Listeners": { "in": { "Protocol": "smtp", "Bind": [ "127.0.0.1:2525" ], "Tls": "{{tls}}" } } }""");

        Assert.Contains($"Listeners:in:Tls is '{tls}'", Assert.Single(problems).Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("StartTls")]
    [InlineData("implicit")]
    [InlineData("NONE")]
    public void The_tls_modes_are_accepted_regardless_of_case(string tls)
    {
        folder.WritePlugin("smtp", protocols: "\"smtp\"");

        Assert.Empty(Validate($$"""{ "Plugins": { "smtp": {} }, "Listeners": { "in": { "Protocol": "smtp", "Bind": [ "127.0.0.1:2525" ], "Tls": "{{tls}}" } } }"""));
    }

    [Fact]
    public void Broken_plugins_that_are_not_enabled_produce_no_problem()
    {
        folder.WritePlugin("memory", stores: MemoryStores);
        folder.WritePlugin("renamed", id: "other", stores: "\"other\": [ \"blob\" ]");
        folder.WritePlugin("future", contractsVersion: "2.0.0");
        folder.WritePlugin("noassembly", withAssembly: false);
        folder.Write(Path.Combine("plugins", "garbled", "plugin.json"), "{ not json");

        var catalog = Discover("""
            { "Plugins": { "memory": {}, "future": { "Enabled": false } }, "Stores": { "main": { "Type": "memory" } }, "Roles": { "Data": "main" } }
            """);
        var problems = DeploymentValidator.Validate(catalog);

        Assert.Empty(problems.Select(p => p.Render()));
        Assert.Equal(PluginStatus.Pending, Status(catalog, "memory"));
        Assert.Equal(PluginStatus.Malfunctioned, Status(catalog, "other"));
        Assert.Equal(PluginStatus.Incompatible, Status(catalog, "future"));
        Assert.Equal(PluginStatus.Malfunctioned, Status(catalog, "noassembly"));
        Assert.Equal(PluginStatus.Malfunctioned, Status(catalog, "garbled"));
    }

    [Fact]
    public void Every_problem_is_reported_not_just_the_first()
    {
        folder.WritePlugin("memory", stores: MemoryStores);

        var problems = Validate("""
            {
              "Plugins": { "memory": {}, "imap": {} },
              "Stores": { "main": { "Type": "memory" }, "bodies": { "Type": "s3" } },
              "Roles": { "Data": "main", "Lookup": "lookups" },
              "Authentication": { "Directory": "corp" },
              "Listeners": { "in": { "Protocol": "smtp", "Bind": [ "nowhere" ], "Tls": "maybe" } }
            }
            """);

        Assert.Equal(7, problems.Count);
        Assert.Contains(problems, p => p.PluginId == "imap");
        Assert.Contains(problems, p => p.Message.Contains("Stores:bodies:Type", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.Message.Contains("Roles:Lookup", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.Message.Contains("Authentication:Directory", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.Message.Contains("Listeners:in:Protocol", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.Message.Contains("'nowhere'", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.Message.Contains("Listeners:in:Tls", StringComparison.Ordinal));
    }

    private static PluginStatus Status(PluginCatalog catalog, string id) => Assert.Single(catalog.Plugins, p => p.Id == id).Status;

    private PluginCatalog Discover(string manifestJson) => PluginCatalog.Discover(Load.Manifest(folder.WriteManifest(manifestJson)));

    private List<StartupProblem> Validate(string manifestJson) => DeploymentValidator.Validate(Discover(manifestJson));
}
