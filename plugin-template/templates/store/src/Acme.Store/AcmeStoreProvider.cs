using Mail.Host.Storage;

namespace Acme.Store;

/// <summary>
/// Opens stores of the type <c>acme-store</c>, configured in the manifest as
/// <c>"Stores": { "main": { "Type": "acme-store", "Path": "data/acme-store.journal" } }</c>. Without a
/// <c>Path</c> the store lives in memory and is lost when the server stops.
/// </summary>
public sealed class AcmeStoreProvider : IStoreProvider
{
    private static readonly string[] Settings = ["Type", "Path"];

    /// <inheritdoc />
    public string Type => "acme-store";

    /// <inheritdoc />
    /// <remarks>
    /// The data role is enough for the blob, full-text and lookup roles too: the host's engine builds them over any
    /// data store when the manifest points those roles at this store.
    /// </remarks>
    public StoreRoles Roles => StoreRoles.Data;

    /// <inheritdoc />
    public IEnumerable<string> Validate(StoreContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        foreach (var setting in context.Settings.GetChildren())
        {
            if (!Settings.Contains(setting.Key, StringComparer.OrdinalIgnoreCase))
            {
                yield return $"Stores:{context.Name}:{setting.Key} is not a setting of an {Type} store; the settings are {string.Join(", ", Settings)}.";
            }
        }

        if (context.Settings["Path"] is { } path && string.IsNullOrWhiteSpace(path))
        {
            yield return $"Stores:{context.Name}:Path is empty; give the journal file, e.g. data/{context.Name}.journal, or leave it out to keep the store in memory.";
        }
    }

    /// <inheritdoc />
    public ValueTask<IStoreInstance> OpenAsync(StoreContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        var path = context.Settings["Path"] is { Length: > 0 } configured ? context.ResolvePath(configured) : null;
        return ValueTask.FromResult<IStoreInstance>(new AcmeStoreInstance(AcmeStoreDataStore.Open(path)));
    }
}
