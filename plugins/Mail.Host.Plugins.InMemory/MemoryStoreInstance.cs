using Mail.Host.Storage;

namespace Mail.Host.Plugins.InMemory;

/// <summary>One in-memory store serving the data, full-text and lookup roles.</summary>
public sealed class MemoryStoreInstance : IStoreInstance
{
    private readonly MemoryLookupStore lookup = new();

    /// <inheritdoc />
    public IDataStore? Data { get; } = new MemoryDataStore();

    /// <inheritdoc />
    public IBlobStore? Blob => null;

    /// <inheritdoc />
    public IFullTextStore? FullText { get; } = new MemoryFullTextStore();

    /// <inheritdoc />
    public ILookupStore? Lookup => lookup;

    /// <inheritdoc />
    public ValueTask FlushAsync(CancellationToken cancellationToken) => ValueTask.CompletedTask;

    /// <inheritdoc />
    public ValueTask DisposeAsync() => lookup.DisposeAsync();
}
