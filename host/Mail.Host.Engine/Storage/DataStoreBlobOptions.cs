using Mail.Host.Storage;

namespace Mail.Host.Engine.Storage;

/// <summary>How a <see cref="DataStoreBlobStore"/> lays blobs out in its data store.</summary>
public sealed record DataStoreBlobOptions
{
    /// <summary>The largest chunk used when <see cref="ChunkSize"/> is not set: 64 KiB.</summary>
    public const int DefaultMaxChunkSize = 64 * 1024;

    /// <summary>
    /// The size of every chunk but a blob's last, in bytes; <see langword="null"/> (the default) for the smaller of
    /// <see cref="DefaultMaxChunkSize"/> and the store's <see cref="IDataStore.MaxValueSize"/>.
    /// It must not exceed the store's largest value. A blob is read with the chunk size it was written with, so the
    /// setting can change over time; but every process putting blobs into one store at the same moment must use the
    /// same size, because two puts of the same blob write the same chunk keys.
    /// </summary>
    public int? ChunkSize { get; init; }

    /// <summary>
    /// The most chunks written by one commit (default 16), which bounds both the memory a put holds and the size
    /// of each transaction the data store sees.
    /// </summary>
    public int ChunksPerCommit { get; init; } = 16;

    /// <summary>
    /// How long a put may be in progress before <see cref="DataStoreBlobStore.RemoveOrphanChunksAsync"/> treats its
    /// chunks as left by a crash and removes them (default one hour). A put still running after this may then fail
    /// with <see cref="StoreUnavailableException"/>, never with a damaged blob.
    /// </summary>
    public TimeSpan OrphanGracePeriod { get; init; } = TimeSpan.FromHours(1);
}
