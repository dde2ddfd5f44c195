namespace Mail.Host.Storage;

/// <summary>
/// The store instances the manifest assigned to each role (<c>Roles</c> section), available to every plugin from
/// the host's container once the server has started. Reading a role that no instance serves throws
/// <see cref="InvalidOperationException"/> naming the manifest key to set.
/// </summary>
public interface IMailStores
{
    /// <summary>The data role.</summary>
    IDataStore Data { get; }

    /// <summary>The blob role.</summary>
    IBlobStore Blob { get; }

    /// <summary>The full-text role.</summary>
    IFullTextStore FullText { get; }

    /// <summary>The lookup role.</summary>
    ILookupStore Lookup { get; }

    /// <summary>Tells whether the manifest assigned an instance to a role.</summary>
    /// <param name="role">One role.</param>
    /// <returns><see langword="true"/> when it did.</returns>
    bool Serves(StoreRoles role);

    /// <summary>
    /// A store instance by its manifest name (<c>Stores:&lt;name&gt;</c>), whatever roles it serves, for plugins that
    /// use a store named in their own settings (a SQL directory runs its queries through the <see cref="IStoreInstance.Sql"/>
    /// of the store it names).
    /// </summary>
    /// <param name="name">The store's name in the manifest, compared regardless of case.</param>
    /// <returns>The open instance, or <see langword="null"/> when the manifest has no store of that name.</returns>
    IStoreInstance? FindStore(string name) => null;
}
