using Mail.Host.Plugins;
using Xunit;

namespace Mail.Host.Tests;

public sealed class PluginCatalogTests : IDisposable
{
    private readonly TestFolder folder = new();

    public void Dispose() => folder.Dispose();

    [Fact]
    public void An_enabled_plugin_with_a_good_folder_is_pending_and_usable()
    {
        folder.WritePlugin("memory", stores: "\"memory\": [ \"data\" ]");

        var catalog = Discover("""{ "Plugins": { "memory": {} } }""");

        var plugin = Assert.Single(catalog.Plugins);
        Assert.Equal(PluginStatus.Pending, plugin.Status);
        Assert.True(plugin.IsUsable);
        Assert.Equal(folder.Combine("plugins", "memory"), plugin.Folder);
        Assert.Equal(folder.Combine("plugins", "memory", "Test.Plugins.memory.dll"), plugin.AssemblyPath);
        Assert.Empty(catalog.Problems());
    }

    [Fact]
    public void A_plugin_the_manifest_does_not_name_is_disabled_and_not_a_problem()
    {
        folder.WritePlugin("memory");

        var catalog = Discover("{}");

        var plugin = Assert.Single(catalog.Plugins);
        Assert.Equal(PluginStatus.Disabled, plugin.Status);
        Assert.False(plugin.Enabled);
        Assert.False(plugin.IsUsable);
        Assert.Empty(catalog.Problems());
    }

    [Fact]
    public void An_enabled_plugin_without_a_folder_is_missing_with_a_fix()
    {
        var catalog = Discover("""{ "Plugins": { "imap": { "Enabled": true } } }""");

        var plugin = Assert.Single(catalog.Plugins);
        Assert.Equal("imap", plugin.Id);
        Assert.Equal(PluginStatus.Missing, plugin.Status);
        var problem = Assert.Single(catalog.Problems());
        Assert.Equal("imap", problem.PluginId);
        Assert.Contains("'imap' is not installed", problem.Message, StringComparison.Ordinal);
        Assert.Contains(folder.Combine("plugins", "imap"), problem.Message, StringComparison.Ordinal);
        Assert.Equal(catalog.Manifest.FilePath, problem.File);
        Assert.Contains($"publish the plugin into {folder.Combine("plugins", "imap")}", problem.Fix, StringComparison.Ordinal);
        Assert.Contains("set Plugins:imap:Enabled to false", problem.Fix, StringComparison.Ordinal);
        Assert.Contains(catalog.Manifest.FilePath, problem.Fix, StringComparison.Ordinal);
    }

    [Fact]
    public void Enabled_plugins_are_missing_when_the_plugins_folder_does_not_exist()
    {
        var catalog = Discover("""{ "Server": { "PluginsDirectory": "nowhere" }, "Plugins": { "memory": {}, "filesystem": {} } }""");

        Assert.All(catalog.Plugins, p => Assert.Equal(PluginStatus.Missing, p.Status));
        Assert.Equal(2, catalog.Problems().Count());
    }

    [Fact]
    public void A_disabled_plugin_without_a_folder_is_not_listed()
    {
        var catalog = Discover("""{ "Plugins": { "imap": { "Enabled": false } } }""");

        Assert.Empty(catalog.Plugins);
        Assert.Empty(catalog.Problems());
    }

    [Fact]
    public void A_folder_named_otherwise_than_the_id_is_malfunctioned()
    {
        folder.WritePlugin("memory-old", id: "memory");

        var catalog = Discover("""{ "Plugins": { "memory": {} } }""");

        var plugin = Assert.Single(catalog.Plugins);
        Assert.Equal("memory", plugin.Id);
        Assert.Equal(PluginStatus.Malfunctioned, plugin.Status);
        var problem = Assert.Single(catalog.Problems());
        Assert.Equal("memory", problem.PluginId);
        Assert.Contains("'memory' malfunctioned", problem.Message, StringComparison.Ordinal);
        Assert.Contains("folder is named 'memory-old'", problem.Message, StringComparison.Ordinal);
        Assert.Contains("must be named after the id", problem.Message, StringComparison.Ordinal);
        Assert.StartsWith(folder.Combine("plugins", "memory-old"), problem.File, StringComparison.Ordinal);
        Assert.Contains(folder.Combine("plugins", "memory-old"), problem.Fix, StringComparison.Ordinal);
        Assert.Contains("set Plugins:memory:Enabled to false", problem.Fix, StringComparison.Ordinal);
    }

    [Fact]
    public void A_folder_name_differing_only_in_case_is_malfunctioned()
    {
        folder.WritePlugin("Memory", id: "memory");

        var catalog = Discover("""{ "Plugins": { "memory": {} } }""");

        Assert.Equal(PluginStatus.Malfunctioned, Assert.Single(catalog.Plugins).Status);
    }

    [Theory]
    [InlineData("2.0.0")]
    [InlineData("1.9.0")]
    [InlineData("0.9.0")]
    public void A_plugin_built_for_other_contracts_is_incompatible(string contracts)
    {
        var descriptorPath = folder.WritePlugin("smtp", contractsVersion: contracts, protocols: "\"smtp\"");

        var catalog = Discover("""{ "Plugins": { "smtp": {} } }""");

        var plugin = Assert.Single(catalog.Plugins);
        Assert.Equal(PluginStatus.Incompatible, plugin.Status);
        var problem = Assert.Single(catalog.Problems());
        Assert.Equal("smtp", problem.PluginId);
        Assert.Contains("'smtp' is incompatible", problem.Message, StringComparison.Ordinal);
        Assert.Contains($"built for contracts {contracts}", problem.Message, StringComparison.Ordinal);
        Assert.Equal(descriptorPath, problem.File);
        Assert.Contains("made for contracts 1.x", problem.Fix, StringComparison.Ordinal);
        Assert.Contains("set Plugins:smtp:Enabled to false", problem.Fix, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("1.0.5")]
    [InlineData("1.0")]
    [InlineData("1.0.0.7")]
    public void A_plugin_built_for_the_same_minor_contracts_is_usable(string contracts)
    {
        folder.WritePlugin("smtp", contractsVersion: contracts, protocols: "\"smtp\"");

        var catalog = Discover("""{ "Plugins": { "smtp": {} } }""");

        Assert.True(Assert.Single(catalog.Plugins).IsUsable);
        Assert.Empty(catalog.Problems());
    }

    [Fact]
    public void A_missing_entry_assembly_is_malfunctioned_and_points_at_the_assembly()
    {
        folder.WritePlugin("memory", withAssembly: false);

        var catalog = Discover("""{ "Plugins": { "memory": {} } }""");

        Assert.Equal(PluginStatus.Malfunctioned, Assert.Single(catalog.Plugins).Status);
        var problem = Assert.Single(catalog.Problems());
        Assert.Contains("entry assembly Test.Plugins.memory.dll is not in the folder", problem.Message, StringComparison.Ordinal);
        Assert.Equal(folder.Combine("plugins", "memory", "Test.Plugins.memory.dll"), problem.File);
    }

    [Fact]
    public void A_folder_without_a_descriptor_is_malfunctioned_under_its_folder_name()
    {
        System.IO.Directory.CreateDirectory(folder.Combine("plugins", "memory"));

        var catalog = Discover("""{ "Plugins": { "memory": {} } }""");

        var plugin = Assert.Single(catalog.Plugins);
        Assert.Equal("memory", plugin.Id);
        Assert.Equal(PluginStatus.Malfunctioned, plugin.Status);
        var problem = Assert.Single(catalog.Problems());
        Assert.Contains("has no plugin.json", problem.Message, StringComparison.Ordinal);
        Assert.Equal(folder.Combine("plugins", "memory", "plugin.json"), problem.File);
    }

    [Fact]
    public void An_unreadable_descriptor_is_malfunctioned_with_the_reason()
    {
        folder.Write(Path.Combine("plugins", "memory", "plugin.json"), """{ "id": "memory", "version": "1.0.0", "contractsVersion": "one", "assembly": "M.dll" }""");

        var catalog = Discover("""{ "Plugins": { "memory": {} } }""");

        Assert.Equal(PluginStatus.Malfunctioned, Assert.Single(catalog.Plugins).Status);
        var problem = Assert.Single(catalog.Problems());
        Assert.Equal("memory", problem.PluginId);
        Assert.Contains("contractsVersion 'one'", problem.Message, StringComparison.Ordinal);
        Assert.Equal(folder.Combine("plugins", "memory", "plugin.json"), problem.File);
    }

    [Fact]
    public void Broken_folders_that_are_not_enabled_are_listed_but_are_no_problem()
    {
        folder.WritePlugin("renamed", id: "other");
        folder.WritePlugin("future", contractsVersion: "2.0.0");
        folder.WritePlugin("noassembly", withAssembly: false);
        folder.WritePlugin("fine");
        folder.Write(Path.Combine("plugins", "garbled", "plugin.json"), "{ not json");
        System.IO.Directory.CreateDirectory(folder.Combine("plugins", "empty"));

        var catalog = Discover("{}");

        Assert.Empty(catalog.Problems());
        Assert.Empty(catalog.Usable);
        Assert.Equal(6, catalog.Plugins.Count);
        Assert.All(catalog.Plugins, p => Assert.False(p.Enabled));
        Assert.Equal(PluginStatus.Malfunctioned, Status(catalog, "other"));
        Assert.Equal(PluginStatus.Incompatible, Status(catalog, "future"));
        Assert.Equal(PluginStatus.Malfunctioned, Status(catalog, "noassembly"));
        Assert.Equal(PluginStatus.Disabled, Status(catalog, "fine"));
        Assert.Equal(PluginStatus.Malfunctioned, Status(catalog, "garbled"));
        Assert.Equal(PluginStatus.Malfunctioned, Status(catalog, "empty"));
    }

    [Fact]
    public void A_descriptor_with_a_null_role_list_is_malfunctioned_not_a_crash()
    {
        folder.Write(Path.Combine("plugins", "broken", "plugin.json"), """
            { "id": "broken", "version": "1.0.0", "contractsVersion": "1.0.0", "assembly": "B.dll", "provides": { "stores": { "kv": null } } }
            """);
        folder.WritePlugin("memory");
        PluginCatalog? catalog = null;

        var exception = Record.Exception(() => catalog = Discover("""{ "Plugins": { "memory": {} } }"""));

        Assert.Null(exception);
        Assert.Equal(PluginStatus.Malfunctioned, Status(catalog!, "broken"));
        Assert.Equal(PluginStatus.Pending, Status(catalog!, "memory"));
        Assert.Empty(catalog!.Problems());
    }

    [Fact]
    public void Folders_are_listed_in_ordinal_order()
    {
        folder.WritePlugin("zeta");
        folder.WritePlugin("alpha");
        folder.WritePlugin("mid");

        var catalog = Discover("{}");

        Assert.Equal(["alpha", "mid", "zeta"], catalog.Plugins.Select(p => p.Id));
    }

    private static PluginStatus Status(PluginCatalog catalog, string id) => Assert.Single(catalog.Plugins, p => p.Id == id).Status;

    private PluginCatalog Discover(string manifestJson) => PluginCatalog.Discover(Load.Manifest(folder.WriteManifest(manifestJson)));
}
