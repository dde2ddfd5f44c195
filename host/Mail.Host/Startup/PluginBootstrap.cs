using Mail.Host.Manifest;
using Mail.Host.Plugins;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Mail.Host.Startup;

/// <summary>The start-up steps shared by <c>serve</c>, <c>check</c> and <c>plugins</c>.</summary>
internal static class PluginBootstrap
{
    /// <summary>
    /// Discovers the plugin folders, checks the manifest against the enabled plugins' descriptors, and, only if that
    /// passed, loads the enabled plugins into <paramref name="services"/>.
    /// </summary>
    public static (PluginCatalog Catalog, List<StartupProblem> Problems) Load(HostManifest manifest, IServiceCollection services)
    {
        var catalog = PluginCatalog.Discover(manifest);
        var problems = DeploymentValidator.Validate(catalog);
        if (problems.Count == 0)
        {
            catalog.LoadEnabled(services);
            problems.AddRange(catalog.Problems());
        }

        return (catalog, problems);
    }

    /// <summary>Ties the registered providers to their plugins and lets each check its settings.</summary>
    public static (ProviderRegistry Registry, List<StartupProblem> Problems) Verify(HostManifest manifest, PluginCatalog catalog, IServiceProvider services)
    {
        var registry = ProviderRegistry.Build(services, catalog);
        var problems = catalog.Problems().ToList();
        if (problems.Count == 0)
        {
            problems.AddRange(registry.ValidateSettings(manifest, services));
        }

        return (registry, problems);
    }

    /// <summary>
    /// Everything <c>serve</c> checks before it opens a store, run in a scratch container: what <c>check</c> reports and
    /// what <c>plugins</c> shows. The plugins' providers are built but nothing is opened.
    /// </summary>
    public static (PluginCatalog Catalog, List<StartupProblem> Problems) Inspect(HostManifest manifest)
    {
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddSingleton<IConfiguration>(manifest.Configuration);
        var (catalog, problems) = Load(manifest, services);
        if (problems.Count == 0)
        {
            using var provider = services.BuildServiceProvider();
            problems = Verify(manifest, catalog, provider).Problems;
        }

        return (catalog, problems);
    }
}
