using Mail.Host.Directory;
using Mail.Host.Manifest;
using Mail.Host.Plugins;
using Mail.Host.Protocols;
using Mail.Host.Storage;
using Microsoft.Extensions.DependencyInjection;

namespace Mail.Host.Startup;

/// <summary>
/// The store, directory and protocol providers the loaded plugins registered, each tied to its plugin, and checked
/// against what the plugin's descriptor promised.
/// </summary>
internal sealed class ProviderRegistry
{
    private ProviderRegistry()
    {
    }

    public Dictionary<string, (IStoreProvider Provider, PluginState Plugin)> Stores { get; } = new(StringComparer.OrdinalIgnoreCase);

    public Dictionary<string, (IDirectoryProvider Provider, PluginState Plugin)> Directories { get; } = new(StringComparer.OrdinalIgnoreCase);

    public Dictionary<string, (IProtocolProvider Provider, PluginState Plugin)> Protocols { get; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>Resolves every provider; a plugin whose registrations do not match its descriptor is marked malfunctioned.</summary>
    public static ProviderRegistry Build(IServiceProvider services, PluginCatalog catalog)
    {
        var registry = new ProviderRegistry();
        Collect(services, catalog, registry.Stores, p => p.Type, "store type");
        Collect(services, catalog, registry.Directories, p => p.Type, "directory type");
        Collect(services, catalog, registry.Protocols, p => p.Protocol, "protocol");

        foreach (var plugin in catalog.Usable.ToList())
        {
            var descriptor = plugin.Descriptor!;
            foreach (var (type, roles) in descriptor.StoreTypes)
            {
                if (!registry.Stores.TryGetValue(type, out var store) || store.Plugin != plugin)
                {
                    plugin.Fail(PluginStatus.Malfunctioned, $"its {PluginDescriptor.FileName} lists the store type '{type}' but the plugin registers no {nameof(IStoreProvider)} for it");
                }
                else if ((store.Provider.Roles & roles) != roles)
                {
                    plugin.Fail(PluginStatus.Malfunctioned, $"its {PluginDescriptor.FileName} says the store type '{type}' serves {PluginDescriptor.FormatRoles(roles)}, but its provider serves only {PluginDescriptor.FormatRoles(store.Provider.Roles)}");
                }
            }

            foreach (var type in descriptor.DirectoryTypes.Where(t => !registry.Directories.TryGetValue(t, out var d) || d.Plugin != plugin))
            {
                plugin.Fail(PluginStatus.Malfunctioned, $"its {PluginDescriptor.FileName} lists the directory type '{type}' but the plugin registers no {nameof(IDirectoryProvider)} for it");
            }

            foreach (var protocol in descriptor.Protocols.Where(t => !registry.Protocols.TryGetValue(t, out var p) || p.Plugin != plugin))
            {
                plugin.Fail(PluginStatus.Malfunctioned, $"its {PluginDescriptor.FileName} lists the protocol '{protocol}' but the plugin registers no {nameof(IProtocolProvider)} for it");
            }
        }

        return registry;
    }

    /// <summary>Asks every provider to check the settings of the instances the manifest gives it.</summary>
    public List<StartupProblem> ValidateSettings(HostManifest manifest, IServiceProvider services)
    {
        var problems = new List<StartupProblem>();
        foreach (var store in manifest.Stores.Values)
        {
            if (Stores.TryGetValue(store.Type, out var entry))
            {
                Report(problems, manifest, entry.Plugin, $"Stores:{store.Name}", () => entry.Provider.Validate(StoreContextFor(manifest, store, services)));
            }
        }

        foreach (var directory in manifest.Directories.Values)
        {
            if (Directories.TryGetValue(directory.Type, out var entry))
            {
                Report(problems, manifest, entry.Plugin, $"Directories:{directory.Name}", () => entry.Provider.Validate(DirectoryContextFor(manifest, directory, services)));
            }
        }

        foreach (var listener in manifest.Listeners.Values)
        {
            if (Protocols.TryGetValue(listener.Type, out var entry))
            {
                Report(problems, manifest, entry.Plugin, $"Listeners:{listener.Name}", () => entry.Provider.Validate(ListenerContextFor(manifest, listener, services)));
            }
        }

        return problems;
    }

    public static StoreContext StoreContextFor(HostManifest manifest, ComponentEntry store, IServiceProvider services) => new()
    {
        Name = store.Name,
        Settings = store.Section,
        BaseDirectory = manifest.Directory,
        Services = services,
    };

    public static DirectoryContext DirectoryContextFor(HostManifest manifest, ComponentEntry directory, IServiceProvider services) => new()
    {
        Name = directory.Name,
        Settings = directory.Section,
        BaseDirectory = manifest.Directory,
        Services = services,
    };

    public static ListenerContext ListenerContextFor(HostManifest manifest, ComponentEntry listener, IServiceProvider services)
    {
        DeploymentValidator.TryParseTls(listener.Section["Tls"], out var tls);
        return new ListenerContext
        {
            Name = listener.Name,
            Protocol = listener.Type,
            Endpoints = DeploymentValidator.ParseEndpoints(listener, out _),
            Tls = tls,
            Settings = listener.Section,
            BaseDirectory = manifest.Directory,
            Services = services,
        };
    }

    private static void Report(List<StartupProblem> problems, HostManifest manifest, PluginState plugin, string key, Func<IEnumerable<string>> validate)
    {
        List<string> found;
        try
        {
            found = validate().ToList();
        }
        catch (Exception ex)
        {
            found = [$"the plugin threw while checking the settings: {ex.GetType().Name}: {ex.Message}"];
        }

        problems.AddRange(found.Select(message => new StartupProblem(
            message.Contains(key, StringComparison.OrdinalIgnoreCase) ? message : $"{key}: {message}",
            manifest.FilePath,
            $"correct {key} in {manifest.FilePath}; the plugin '{plugin.Id}' documents its settings",
            plugin.Id)));
    }

    private static void Collect<TProvider>(IServiceProvider services, PluginCatalog catalog, Dictionary<string, (TProvider, PluginState)> into, Func<TProvider, string> name, string what)
        where TProvider : class
    {
        foreach (var plugin in catalog.Usable.ToList())
        {
            // Each plugin's own registrations are instantiated, so a provider that cannot be built blames its plugin.
            foreach (var registration in plugin.Registrations.Where(r => r.ServiceType == typeof(TProvider) && !r.IsKeyedService))
            {
                TProvider provider;
                try
                {
                    provider = registration switch
                    {
                        { ImplementationInstance: TProvider instance } => instance,
                        { ImplementationFactory: { } factory } => (TProvider)factory(services),
                        { ImplementationType: { } type } => (TProvider)ActivatorUtilities.CreateInstance(services, type),
                        _ => throw new InvalidOperationException("the registration has no implementation"),
                    };
                }
                catch (Exception ex)
                {
                    plugin.Fail(PluginStatus.Malfunctioned, $"its {typeof(TProvider).Name} could not be created: {ex.GetType().Name}: {ex.Message}");
                    continue;
                }

                var key = name(provider).ToLowerInvariant();
                var declared = what switch
                {
                    "store type" => plugin.Descriptor!.StoreTypes.ContainsKey(key),
                    "directory type" => plugin.Descriptor!.DirectoryTypes.Contains(key),
                    _ => plugin.Descriptor!.Protocols.Contains(key),
                };
                if (!declared)
                {
                    plugin.Fail(PluginStatus.Malfunctioned, $"it registers the {what} '{key}', which its {PluginDescriptor.FileName} does not list");
                    continue;
                }

                into[key] = (provider, plugin);
            }
        }
    }
}
