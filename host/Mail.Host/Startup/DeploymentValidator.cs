using System.Net;
using Mail.Host.Manifest;
using Mail.Host.Plugins;
using Mail.Host.Protocols;
using Mail.Host.Storage;

namespace Mail.Host.Startup;

/// <summary>
/// Checks the manifest against the descriptors of the enabled plugins, before any plugin code runs: every store,
/// directory and listener has exactly one enabled plugin providing its type, and every role and reference points
/// at something that exists and can serve it.
/// </summary>
internal static class DeploymentValidator
{
    public static List<StartupProblem> Validate(PluginCatalog catalog)
    {
        var manifest = catalog.Manifest;
        var problems = catalog.Problems().ToList();
        var usable = catalog.Usable.Where(p => p.Descriptor is not null).ToList();

        var storeTypes = Claims(catalog, usable, d => d.StoreTypes.Keys, "store type", problems);
        var directoryTypes = Claims(catalog, usable, d => d.DirectoryTypes, "directory type", problems);
        var protocols = Claims(catalog, usable, d => d.Protocols, "protocol", problems);

        foreach (var store in manifest.Stores.Values)
        {
            if (!storeTypes.ContainsKey(store.Type))
            {
                problems.Add(Unprovided(catalog, $"Stores:{store.Name}:Type", store.Type, "store type", d => d.StoreTypes.Keys, storeTypes.Keys));
            }
        }

        foreach (var (role, storeName) in manifest.Roles)
        {
            if (!manifest.Stores.TryGetValue(storeName, out var store))
            {
                problems.Add(manifest.Problem(
                    $"Roles:{role} names the store '{storeName}', which the Stores section does not define",
                    $"define Stores:{storeName} with a Type, or set Roles:{role} to one of: {List(manifest.Stores.Keys)}"));
            }
            else if (storeTypes.TryGetValue(store.Type, out var provider) && !CanServe(provider.Descriptor!.StoreTypes[store.Type], role))
            {
                problems.Add(manifest.Problem(
                    $"Roles:{role} names the store '{storeName}' of type '{store.Type}', which cannot serve the {role} role (plugin '{provider.Id}' says it serves: {PluginDescriptor.FormatRoles(provider.Descriptor.StoreTypes[store.Type])})",
                    $"set Roles:{role} to a store whose type serves {role}",
                    provider.Id));
            }
        }

        foreach (var directory in manifest.Directories.Values)
        {
            if (!directoryTypes.ContainsKey(directory.Type))
            {
                problems.Add(Unprovided(catalog, $"Directories:{directory.Name}:Type", directory.Type, "directory type", d => d.DirectoryTypes, directoryTypes.Keys));
            }
        }

        if (manifest.AuthenticationDirectory is { } authentication && !manifest.Directories.ContainsKey(authentication))
        {
            problems.Add(manifest.Problem(
                $"Authentication:Directory names the directory '{authentication}', which the Directories section does not define",
                $"define Directories:{authentication} with a Type, or set Authentication:Directory to one of: {List(manifest.Directories.Keys)}"));
        }

        foreach (var listener in manifest.Listeners.Values)
        {
            if (!protocols.ContainsKey(listener.Type))
            {
                problems.Add(Unprovided(catalog, $"Listeners:{listener.Name}:Protocol", listener.Type, "protocol", d => d.Protocols, protocols.Keys));
            }

            if (ParseEndpoints(listener, out var endpointProblem).Count == 0)
            {
                problems.Add(manifest.Problem(endpointProblem!, $"set Listeners:{listener.Name}:Bind to addresses such as [\"127.0.0.1:2525\"]"));
            }

            if (!TryParseTls(listener.Section["Tls"], out _))
            {
                problems.Add(manifest.Problem(
                    $"Listeners:{listener.Name}:Tls is '{listener.Section["Tls"]}'; it must be StartTls, Implicit or None",
                    $"set Listeners:{listener.Name}:Tls to StartTls, Implicit or None"));
            }
        }

        return problems;
    }

    /// <summary>
    /// Whether a store type can serve a role: natively, or, for the blob, full-text and lookup roles, through the
    /// engine's adapters over its data role.
    /// </summary>
    public static bool CanServe(StoreRoles provided, StoreRoles role)
        => provided.HasFlag(role) || (role != StoreRoles.Data && provided.HasFlag(StoreRoles.Data));

    public static IReadOnlyList<IPEndPoint> ParseEndpoints(ComponentEntry listener, out string? problem)
    {
        problem = null;
        var endpoints = new List<IPEndPoint>();
        var values = listener.Section.GetSection("Bind").GetChildren().Select(c => c.Value).OfType<string>().ToList();
        if (values.Count == 0 && listener.Section["Bind"] is { Length: > 0 } single)
        {
            values.Add(single);
        }

        if (values.Count == 0)
        {
            problem = $"Listeners:{listener.Name} has no Bind addresses";
            return endpoints;
        }

        foreach (var value in values)
        {
            var text = value.StartsWith("*:", StringComparison.Ordinal) ? "0.0.0.0" + value[1..] : value;
            if (!IPEndPoint.TryParse(text, out var endpoint) || endpoint.Port == 0)
            {
                problem = $"Listeners:{listener.Name}:Bind has '{value}', which is not ADDRESS:PORT";
                return [];
            }

            endpoints.Add(endpoint);
        }

        return endpoints;
    }

    public static bool TryParseTls(string? value, out TlsMode mode)
    {
        mode = TlsMode.StartTls;
        if (value is null)
        {
            return true;
        }

        // Only the names: Enum.TryParse would also take "7" or "None,Implicit".
        var name = Enum.GetNames<TlsMode>().FirstOrDefault(n => string.Equals(n, value, StringComparison.OrdinalIgnoreCase));
        return name is not null && Enum.TryParse(name, out mode);
    }

    private static Dictionary<string, PluginState> Claims(PluginCatalog catalog, List<PluginState> usable, Func<PluginDescriptor, IEnumerable<string>> provided, string what, List<StartupProblem> problems)
    {
        var claims = new Dictionary<string, PluginState>(StringComparer.OrdinalIgnoreCase);
        foreach (var plugin in usable)
        {
            foreach (var name in provided(plugin.Descriptor!))
            {
                if (claims.TryGetValue(name, out var first))
                {
                    problems.Add(new StartupProblem(
                        $"the enabled plugins '{first.Id}' and '{plugin.Id}' both provide the {what} '{name}'",
                        catalog.Manifest.FilePath,
                        $"enable only one of them: set Plugins:{first.Id}:Enabled or Plugins:{plugin.Id}:Enabled to false in {catalog.Manifest.FilePath}",
                        plugin.Id));
                }
                else
                {
                    claims[name] = plugin;
                }
            }
        }

        return claims;
    }

    private static StartupProblem Unprovided(PluginCatalog catalog, string key, string type, string what, Func<PluginDescriptor, IEnumerable<string>> provided, IEnumerable<string> available)
    {
        var manifest = catalog.Manifest;
        var offering = catalog.Plugins.FirstOrDefault(p => p.Descriptor is not null && provided(p.Descriptor).Contains(type, StringComparer.OrdinalIgnoreCase));
        if (offering is not null && !offering.Enabled)
        {
            return manifest.Problem(
                $"{key} is '{type}', which the plugin '{offering.Id}' provides, but that plugin is not enabled",
                $"set Plugins:{offering.Id}:Enabled to true",
                offering.Id);
        }

        if (offering is not null)
        {
            return manifest.Problem(
                $"{key} is '{type}', whose plugin '{offering.Id}' cannot run ({offering.Status.ToString().ToLowerInvariant()}: {offering.Reason})",
                $"repair the plugin '{offering.Id}' or change {key}",
                offering.Id);
        }

        return manifest.Problem(
            $"{key} is '{type}', and no plugin in {manifest.PluginsDirectory} provides that {what}",
            $"install a plugin providing the {what} '{type}' into {manifest.PluginsDirectory} and enable it, or set {key} to one of: {List(available)}");
    }

    private static string List(IEnumerable<string> names)
    {
        var list = names.Order(StringComparer.Ordinal).ToList();
        return list.Count == 0 ? "(none available)" : string.Join(", ", list);
    }
}
