using Mail.Host.Storage;

namespace Mail.Host.Plugins.InMemory;

/// <summary>Opens <c>memory</c> store instances: each a fresh, empty store that lives as long as the process.</summary>
public sealed class MemoryStoreProvider : IStoreProvider
{
    /// <inheritdoc />
    public string Type => "memory";

    /// <inheritdoc />
    public StoreRoles Roles => StoreRoles.Data | StoreRoles.FullText | StoreRoles.Lookup;

    /// <inheritdoc />
    public ValueTask<IStoreInstance> OpenAsync(StoreContext context, CancellationToken cancellationToken)
        => ValueTask.FromResult<IStoreInstance>(new MemoryStoreInstance());
}
