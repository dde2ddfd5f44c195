namespace Mail.Host.Storage;

/// <summary>
/// One open store instance. It exposes one object per role it serves; roles it does not serve are
/// <see langword="null"/>. Disposing it flushes and closes everything it holds.
/// </summary>
public interface IStoreInstance : IAsyncDisposable
{
    /// <summary>The data role, or <see langword="null"/>.</summary>
    IDataStore? Data { get; }

    /// <summary>The blob role, or <see langword="null"/>.</summary>
    IBlobStore? Blob { get; }

    /// <summary>The full-text role, or <see langword="null"/>.</summary>
    IFullTextStore? FullText { get; }

    /// <summary>The lookup role, or <see langword="null"/>.</summary>
    ILookupStore? Lookup { get; }

    /// <summary>
    /// Parameterized SQL against the instance's database, for stores backed by a SQL server; <see langword="null"/>
    /// (the default) for every other store.
    /// </summary>
    ISqlQueryStore? Sql => null;

    /// <summary>Makes everything written so far durable; called at shutdown before disposal.</summary>
    /// <param name="cancellationToken">Cancels the flush.</param>
    /// <returns>A task that completes when the data is durable.</returns>
    ValueTask FlushAsync(CancellationToken cancellationToken);
}
