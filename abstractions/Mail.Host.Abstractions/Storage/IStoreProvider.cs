namespace Mail.Host.Storage;

/// <summary>
/// Creates store instances of one type (for example <c>rocksdb</c> or <c>postgresql</c>). A plugin registers one
/// provider per type it offers; the type must also be listed in the plugin's descriptor.
/// </summary>
public interface IStoreProvider
{
    /// <summary>The store type, as written in the manifest's <c>Stores:&lt;name&gt;:Type</c>; lower case.</summary>
    string Type { get; }

    /// <summary>The roles instances of this type can serve.</summary>
    StoreRoles Roles { get; }

    /// <summary>
    /// Checks an instance's settings before anything starts and returns every problem found, each a sentence an
    /// operator can act on. The default accepts everything.
    /// </summary>
    /// <param name="context">The instance's name and settings.</param>
    /// <returns>The problems; empty when the settings are usable.</returns>
    IEnumerable<string> Validate(StoreContext context) => [];

    /// <summary>
    /// Opens (and, if new, creates) a store instance. Throwing stops the server's start with the exception's
    /// message, naming the plugin and the instance.
    /// </summary>
    /// <param name="context">The instance's name and settings.</param>
    /// <param name="cancellationToken">Cancels opening.</param>
    /// <returns>The open instance.</returns>
    ValueTask<IStoreInstance> OpenAsync(StoreContext context, CancellationToken cancellationToken);
}
