namespace Mail.Host.Storage;

/// <summary>The roles a store instance can serve; the manifest assigns one instance to each role.</summary>
[Flags]
public enum StoreRoles
{
    /// <summary>No role.</summary>
    None = 0,

    /// <summary>The ordered key-value store everything else is built on (<see cref="IDataStore"/>).</summary>
    Data = 1,

    /// <summary>Message bodies and other large values by content hash (<see cref="IBlobStore"/>).</summary>
    Blob = 2,

    /// <summary>The full-text index (<see cref="IFullTextStore"/>).</summary>
    FullText = 4,

    /// <summary>Expiring values, counters, locks and publish/subscribe (<see cref="ILookupStore"/>).</summary>
    Lookup = 8,
}
