namespace Mail.Host.Storage;

/// <summary>
/// Immutable blobs addressed by the SHA-256 of their content (<see cref="BlobHash"/>). The caller computes the
/// hash; putting the same hash twice is harmless. A store may check the hash while writing and reject content that
/// does not match it with <see cref="InvalidDataException"/>, storing nothing. Reference counting is the engine's
/// job, not the store's.
/// </summary>
public interface IBlobStore
{
    /// <summary>Stores a blob; it is durable when the call returns.</summary>
    /// <param name="hash">The SHA-256 of the content.</param>
    /// <param name="content">The content, read to its end.</param>
    /// <param name="cancellationToken">Cancels the write; nothing partial stays visible.</param>
    /// <returns>A task that completes when the blob is durable.</returns>
    ValueTask PutAsync(BlobHash hash, Stream content, CancellationToken cancellationToken = default);

    /// <summary>Opens a whole blob for reading.</summary>
    /// <param name="hash">The blob's hash.</param>
    /// <param name="cancellationToken">Cancels opening.</param>
    /// <returns>A stream the caller disposes, or <see langword="null"/> when there is no such blob.</returns>
    ValueTask<Stream?> OpenReadAsync(BlobHash hash, CancellationToken cancellationToken = default);

    /// <summary>
    /// Reads a byte range of a blob without reading the rest. A range that runs past the end returns the bytes up
    /// to the end; one that starts at or past the end returns no bytes.
    /// </summary>
    /// <param name="hash">The blob's hash.</param>
    /// <param name="offset">The first byte to read.</param>
    /// <param name="length">The most bytes to read.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>The bytes, or <see langword="null"/> when there is no such blob.</returns>
    ValueTask<byte[]?> ReadRangeAsync(BlobHash hash, long offset, int length, CancellationToken cancellationToken = default);

    /// <summary>Tells whether a blob exists.</summary>
    /// <param name="hash">The blob's hash.</param>
    /// <param name="cancellationToken">Cancels the check.</param>
    /// <returns><see langword="true"/> when it does.</returns>
    ValueTask<bool> ExistsAsync(BlobHash hash, CancellationToken cancellationToken = default);

    /// <summary>Removes a blob.</summary>
    /// <param name="hash">The blob's hash.</param>
    /// <param name="cancellationToken">Cancels the removal.</param>
    /// <returns><see langword="true"/> when it existed.</returns>
    ValueTask<bool> DeleteAsync(BlobHash hash, CancellationToken cancellationToken = default);
}
