using System.Reflection;
using Mail.Host.Manifest;
using Mail.Host.Startup;
using McMaster.NETCore.Plugins;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Mail.Host.Plugins;

/// <summary>
/// The plugin folders of a deployment and the plugins the manifest enables: discovered from their descriptors,
/// then (only the enabled ones) loaded each into its own load context.
/// </summary>
internal sealed class PluginCatalog
{
    /// <summary>
    /// Types whose assemblies every plugin shares with the host, so that a plugin's IMailHostPlugin, IServiceCollection
    /// or ILogger is the host's and not a private copy with another identity.
    /// </summary>
    private static readonly Type[] SharedTypes =
    [
        typeof(IMailHostPlugin),
        typeof(IServiceCollection),
        typeof(ServiceProvider),
        typeof(IConfiguration),
        typeof(ILogger),
        typeof(IOptions<>),
        typeof(IHostApplicationLifetime),
        typeof(IEndpointRouteBuilder),
        typeof(HttpContext),
    ];

    private PluginCatalog(HostManifest manifest, List<PluginState> plugins)
    {
        Manifest = manifest;
        Plugins = plugins;
    }

    public HostManifest Manifest { get; }

    public IReadOnlyList<PluginState> Plugins { get; }

    public IEnumerable<PluginState> Usable => Plugins.Where(p => p.IsUsable);

    public static PluginCatalog Discover(HostManifest manifest)
    {
        var plugins = new List<PluginState>();
        if (System.IO.Directory.Exists(manifest.PluginsDirectory))
        {
            foreach (var folder in System.IO.Directory.GetDirectories(manifest.PluginsDirectory).Order(StringComparer.Ordinal))
            {
                plugins.Add(ReadFolder(manifest, folder));
            }
        }

        foreach (var entry in manifest.Plugins.Values.Where(e => e.Enabled))
        {
            if (!plugins.Any(p => string.Equals(p.Id, entry.Id, StringComparison.OrdinalIgnoreCase)))
            {
                var missing = new PluginState(entry.Id, null, null, enabled: true);
                missing.Fail(PluginStatus.Missing, $"no folder {Path.Combine(manifest.PluginsDirectory, entry.Id)} with a {PluginDescriptor.FileName}");
                plugins.Add(missing);
            }
        }

        return new PluginCatalog(manifest, plugins);
    }

    /// <summary>Loads every usable enabled plugin and lets it register its services into <paramref name="services"/>.</summary>
    public void LoadEnabled(IServiceCollection services)
    {
        foreach (var plugin in Usable.ToList())
        {
            Load(plugin, services);
        }
    }

    /// <summary>A problem for every enabled plugin that cannot run.</summary>
    public IEnumerable<StartupProblem> Problems()
    {
        foreach (var plugin in Plugins.Where(p => p.Enabled && !p.IsUsable))
        {
            yield return Problem(plugin);
        }
    }

    public StartupProblem Problem(PluginState plugin)
    {
        var disable = $"or set Plugins:{plugin.Id}:Enabled to false in {Manifest.FilePath}";
        return plugin.Status switch
        {
            PluginStatus.Missing => new StartupProblem(
                $"the enabled plugin '{plugin.Id}' is not installed: {plugin.Reason}",
                Manifest.FilePath,
                $"publish the plugin into {Path.Combine(Manifest.PluginsDirectory, plugin.Id)}{Path.DirectorySeparatorChar} (its dotnet publish output with its {PluginDescriptor.FileName}), {disable}",
                plugin.Id),
            PluginStatus.Incompatible => new StartupProblem(
                $"the plugin '{plugin.Id}' is incompatible: {plugin.Reason}",
                plugin.Reason?.Contains("compiled against", StringComparison.Ordinal) == true ? plugin.AssemblyPath : plugin.DescriptorPath,
                $"install a build of '{plugin.Id}' made for contracts {ContractsVersion.Current.Major}.x (up to {ContractsVersion.Current.Major}.{ContractsVersion.Current.Minor}), {disable}",
                plugin.Id),
            _ => new StartupProblem(
                $"the plugin '{plugin.Id}' malfunctioned: {plugin.Reason}",
                plugin.Descriptor is null ? plugin.DescriptorPath : plugin.AssemblyPath,
                $"reinstall or repair the plugin folder {plugin.Folder ?? Manifest.PluginsDirectory}, {disable}",
                plugin.Id),
        };
    }

    private static PluginState ReadFolder(HostManifest manifest, string folder)
    {
        var folderName = Path.GetFileName(folder);
        var descriptorPath = Path.Combine(folder, PluginDescriptor.FileName);
        if (!File.Exists(descriptorPath))
        {
            var undescribed = new PluginState(folderName, folder, null, manifest.IsEnabled(folderName));
            undescribed.Fail(PluginStatus.Malfunctioned, $"the folder has no {PluginDescriptor.FileName}");
            return undescribed;
        }

        PluginDescriptor descriptor;
        try
        {
            descriptor = PluginDescriptor.Read(descriptorPath);
        }
        catch (Exception ex)
        {
            // Whatever is wrong with one folder, the others and the status listing go on.
            var unreadable = new PluginState(folderName, folder, null, manifest.IsEnabled(folderName));
            unreadable.Fail(PluginStatus.Malfunctioned, ex.Message);
            return unreadable;
        }

        var plugin = new PluginState(descriptor.Id, folder, descriptor, manifest.IsEnabled(descriptor.Id));
        if (!string.Equals(folderName, descriptor.Id, StringComparison.Ordinal))
        {
            plugin.Fail(PluginStatus.Malfunctioned, $"its folder is named '{folderName}' but its {PluginDescriptor.FileName} says id '{descriptor.Id}'; the folder must be named after the id");
        }
        else if (!ContractsVersion.IsCompatible(descriptor.ContractsVersion, ContractsVersion.Current))
        {
            plugin.Fail(PluginStatus.Incompatible, $"it was built for contracts {descriptor.ContractsVersion}; this host implements contracts {ContractsVersion.Current}");
        }
        else if (!File.Exists(Path.Combine(folder, descriptor.Assembly)))
        {
            plugin.Fail(PluginStatus.Malfunctioned, $"its entry assembly {descriptor.Assembly} is not in the folder");
        }

        return plugin;
    }

    private void Load(PluginState plugin, IServiceCollection services)
    {
        var descriptor = plugin.Descriptor!;
        Assembly assembly;
        try
        {
            plugin.Loader = PluginLoader.CreateFromAssemblyFile(plugin.AssemblyPath, SharedTypes, config => config.PreferSharedTypes = true);
            assembly = plugin.Loader.LoadDefaultAssembly();
        }
        catch (BadImageFormatException)
        {
            plugin.Fail(PluginStatus.Malfunctioned, $"{descriptor.Assembly} is not a .NET assembly");
            return;
        }
        catch (Exception ex) when (ex is IOException or InvalidOperationException or ArgumentException or UnauthorizedAccessException)
        {
            plugin.Fail(PluginStatus.Malfunctioned, $"{descriptor.Assembly} could not be loaded: {ex.GetType().Name}: {ex.Message}");
            return;
        }

        plugin.Assembly = assembly;
        var contracts = assembly.GetReferencedAssemblies().FirstOrDefault(a => a.Name == typeof(IMailHostPlugin).Assembly.GetName().Name);
        if (contracts?.Version is { } compiledAgainst && !ContractsVersion.IsCompatible(compiledAgainst, ContractsVersion.Current))
        {
            plugin.Fail(PluginStatus.Incompatible, $"{descriptor.Assembly} was compiled against contracts {compiledAgainst.ToString(3)}; this host implements contracts {ContractsVersion.Current}");
            return;
        }

        Type[] entryTypes;
        try
        {
            entryTypes = assembly.GetExportedTypes()
                .Where(t => t is { IsClass: true, IsAbstract: false } && typeof(IMailHostPlugin).IsAssignableFrom(t))
                .ToArray();
        }
        catch (Exception ex) when (ex is ReflectionTypeLoadException or FileNotFoundException or FileLoadException or TypeLoadException)
        {
            plugin.Fail(PluginStatus.Malfunctioned, $"the types of {descriptor.Assembly} could not be read: {ex.Message}");
            return;
        }

        if (entryTypes.Length != 1)
        {
            plugin.Fail(PluginStatus.Malfunctioned, entryTypes.Length == 0
                ? $"{descriptor.Assembly} has no public class implementing {nameof(IMailHostPlugin)} (or was built against another copy of the contracts)"
                : $"{descriptor.Assembly} has {entryTypes.Length} classes implementing {nameof(IMailHostPlugin)}; it must have exactly one");
            return;
        }

        var settings = Manifest.Plugins.TryGetValue(plugin.Id, out var entry) ? entry.Settings : Manifest.Configuration.GetSection($"Plugins:{plugin.Id}:Settings");
        plugin.Context = new PluginContext(plugin.Id, descriptor.Version, plugin.Folder!, Manifest.Directory, settings);
        var registered = new ServiceCollection();
        try
        {
            plugin.Entry = (IMailHostPlugin)Activator.CreateInstance(entryTypes[0])!;
            plugin.Entry.ConfigureServices(plugin.Context, registered);
        }
        catch (Exception ex)
        {
            var cause = ex is TargetInvocationException { InnerException: { } inner } ? inner : ex;
            plugin.Fail(PluginStatus.Malfunctioned, $"{entryTypes[0].FullName} threw while registering its services: {cause.GetType().Name}: {cause.Message}");
            return;
        }

        // Registrations are copied only once the plugin has registered without error, so a failing plugin leaves nothing behind.
        foreach (var service in registered)
        {
            services.Add(service);
        }

        plugin.Registrations = registered.ToList();
        plugin.MarkLoaded();
    }
}
