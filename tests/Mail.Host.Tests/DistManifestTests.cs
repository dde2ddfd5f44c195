using Mail.Host.Plugins;
using Mail.Host.Startup;
using Mail.Host.Storage;
using Xunit;

namespace Mail.Host.Tests;

public sealed class DistManifestTests
{
    private static readonly string DistManifest = Path.Combine(RepositoryRoot.Path, "dist", "mailhost.json");

    [Fact]
    public void The_shipped_manifest_loads_without_problems()
    {
        var manifest = Load.Manifest(DistManifest);

        Assert.Equal("localhost", manifest.Hostname);
        Assert.Equal(Path.Combine(RepositoryRoot.Path, "dist", "plugins"), manifest.PluginsDirectory);
        Assert.Equal(Path.Combine(RepositoryRoot.Path, "dist", "data"), manifest.DataDirectory);
        Assert.True(manifest.IsEnabled("rocksdb"));
        Assert.True(manifest.IsEnabled("filesystem"));
        Assert.True(manifest.IsEnabled("internal"));
        Assert.False(manifest.IsEnabled("memory"));
        Assert.Equal("rocksdb", manifest.Stores[manifest.Roles[StoreRoles.Data]].Type);
        Assert.Equal("filesystem", manifest.Stores[manifest.Roles[StoreRoles.Blob]].Type);
        Assert.Equal("internal", manifest.AuthenticationDirectory);
    }

    [Fact]
    public void The_shipped_manifest_assigns_all_four_roles_to_defined_stores()
    {
        var manifest = Load.Manifest(DistManifest);

        foreach (var role in new[] { StoreRoles.Data, StoreRoles.Blob, StoreRoles.FullText, StoreRoles.Lookup })
        {
            Assert.True(manifest.Roles.TryGetValue(role, out var store), $"Roles:{role} is not assigned");
            Assert.True(manifest.Stores.ContainsKey(store!), $"Roles:{role} names '{store}', which is not defined");
        }
    }

    [Fact]
    public void The_shipped_manifest_fits_the_shipped_plugin_descriptors()
    {
        // Copies the repository's descriptors into plugin folders beside a copy of the shipped manifest, as a
        // published distribution lays them out, and checks the deployment without loading any assembly.
        using var folder = new TestFolder();
        var manifestPath = folder.WriteManifest(File.ReadAllText(DistManifest));
        foreach (var descriptorPath in System.IO.Directory.GetFiles(Path.Combine(RepositoryRoot.Path, "plugins"), PluginDescriptor.FileName, SearchOption.AllDirectories)
                     .Where(p => !p.Contains($"{Path.DirectorySeparatorChar}bin{Path.DirectorySeparatorChar}", StringComparison.Ordinal)
                              && !p.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal)))
        {
            var descriptor = PluginDescriptor.Read(descriptorPath);
            folder.Write(Path.Combine("plugins", descriptor.Id, PluginDescriptor.FileName), File.ReadAllText(descriptorPath));
            folder.Write(Path.Combine("plugins", descriptor.Id, descriptor.Assembly), string.Empty);
        }

        var catalog = PluginCatalog.Discover(Load.Manifest(manifestPath));

        Assert.Empty(DeploymentValidator.Validate(catalog).Select(p => p.Render()));
        Assert.All(catalog.Plugins.Where(p => p.Enabled), p => Assert.True(p.IsUsable, $"{p.Id}: {p.Status} {p.Reason}"));
    }
}
