using Mail.Host.Engine.Storage;
using Mail.Host.Manifest;
using Mail.Host.Startup;
using Mail.Host.Storage;
using Microsoft.Extensions.Logging;

namespace Mail.Host.Runtime;

/// <summary>The open store instances, by manifest name, and the one serving each role.</summary>
internal sealed class MailStores(ILogger<MailStores> logger) : IMailStores, IAsyncDisposable
{
    private readonly List<(string Name, IStoreInstance Instance)> instances = [];
    private readonly Dictionary<StoreRoles, object> byRole = [];
    private readonly List<IAsyncDisposable> adapters = [];
    private readonly HashSet<StoreRoles> nativeRoles = [];

    public IDataStore Data => Role<IDataStore>(StoreRoles.Data);

    public IBlobStore Blob => Role<IBlobStore>(StoreRoles.Blob);

    public IFullTextStore FullText => Role<IFullTextStore>(StoreRoles.FullText);

    public ILookupStore Lookup => Role<ILookupStore>(StoreRoles.Lookup);

    public bool Serves(StoreRoles role) => byRole.ContainsKey(role);

    public IStoreInstance? FindStore(string name)
        => instances.FirstOrDefault(i => string.Equals(i.Name, name, StringComparison.OrdinalIgnoreCase)).Instance;

    /// <summary>Whether the role is served by its store's own implementation, not the engine's adapter over a data store.</summary>
    public bool IsNative(StoreRoles role) => nativeRoles.Contains(role);

    /// <summary>Opens every store of the manifest; the first failure stops the start, naming the plugin and the store.</summary>
    public async Task OpenAsync(HostManifest manifest, ProviderRegistry registry, IServiceProvider services, CancellationToken cancellationToken)
    {
        foreach (var store in manifest.Stores.Values)
        {
            var (provider, plugin) = registry.Stores[store.Type];
            IStoreInstance instance;
            try
            {
                instance = await provider.OpenAsync(ProviderRegistry.StoreContextFor(manifest, store, services), cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                throw new StartupException(new StartupProblem(
                    $"the store '{store.Name}' (type '{store.Type}') could not be opened: {ex.GetType().Name}: {ex.Message}",
                    manifest.FilePath,
                    $"check Stores:{store.Name} in {manifest.FilePath} (paths, addresses, credentials) and that its backend is reachable",
                    plugin.Id));
            }

            instances.Add((store.Name, instance));
            logger.LogInformation("Opened store {Store} of type {StoreType} from plugin {Plugin}", store.Name, store.Type, plugin.Id);
        }

        foreach (var (role, name) in manifest.Roles)
        {
            var instance = instances.First(i => string.Equals(i.Name, name, StringComparison.OrdinalIgnoreCase)).Instance;
            var served = Native(instance, role) ?? Adapted(instance, role);
            if (served is null)
            {
                var store = manifest.Stores[name];
                throw new StartupException(new StartupProblem(
                    $"the store '{name}' (type '{store.Type}') opened without the {role} role its plugin claims",
                    manifest.FilePath,
                    $"assign Roles:{role} to another store in {manifest.FilePath}, or report the fault to the plugin's authors",
                    registry.Stores[store.Type].Plugin.Id));
            }

            if (Native(instance, role) is null)
            {
                logger.LogInformation("Store {Store} serves the {Role} role through the engine's adapter over its data role", name, role);
            }
            else
            {
                nativeRoles.Add(role);
            }

            byRole[role] = served;
        }
    }

    /// <summary>Makes everything every store holds durable; run at shutdown, after the listeners stopped.</summary>
    public async Task FlushAsync(CancellationToken cancellationToken)
    {
        foreach (var (name, instance) in instances)
        {
            try
            {
                await instance.FlushAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                logger.LogError(ex, "Flushing store {Store} failed", name);
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var adapter in adapters)
        {
            await adapter.DisposeAsync().ConfigureAwait(false);
        }

        adapters.Clear();
        for (var i = instances.Count - 1; i >= 0; i--)
        {
            try
            {
                await instances[i].Instance.DisposeAsync().ConfigureAwait(false);
            }
            catch (Exception ex)
            {
                logger.LogError(ex, "Closing store {Store} failed", instances[i].Name);
            }
        }

        instances.Clear();
        byRole.Clear();
        nativeRoles.Clear();
    }

    private static object? Native(IStoreInstance instance, StoreRoles role) => role switch
    {
        StoreRoles.Data => instance.Data,
        StoreRoles.Blob => instance.Blob,
        StoreRoles.FullText => instance.FullText,
        _ => instance.Lookup,
    };

    /// <summary>Any data store serves the other roles through the engine, so one embedded database can hold everything.</summary>
    private object? Adapted(IStoreInstance instance, StoreRoles role)
    {
        if (instance.Data is not { } data || role == StoreRoles.Data)
        {
            return null;
        }

        object adapter = role switch
        {
            StoreRoles.Blob => new DataStoreBlobStore(data),
            StoreRoles.FullText => new DataStoreFullTextStore(data),
            _ => new DataStoreLookupStore(data),
        };
        if (adapter is IAsyncDisposable disposable)
        {
            adapters.Add(disposable);
        }

        return adapter;
    }

    private T Role<T>(StoreRoles role)
        where T : class
        => byRole.TryGetValue(role, out var store) && store is T typed
            ? typed
            : throw new InvalidOperationException($"No store serves the {role} role: set Roles:{role} in the manifest to a store whose type serves it.");
}
