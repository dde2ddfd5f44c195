using Mail.Host.Storage;

namespace Mail.Host.Engine.Tests;

/// <summary>Passes every call to a blob store and counts the puts, deletes and reads, so tests can see a blob stored once or read only when needed.</summary>
internal sealed class CountingBlobStore(IBlobStore inner) : IBlobStore
{
    private int puts;
    private int deletes;
    private int reads;

    public int Puts => Volatile.Read(ref puts);

    public int Deletes => Volatile.Read(ref deletes);

    /// <summary>Whole-blob and ranged reads.</summary>
    public int Reads => Volatile.Read(ref reads);

    public ValueTask PutAsync(BlobHash hash, Stream content, CancellationToken cancellationToken = default)
    {
        Interlocked.Increment(ref puts);
        return inner.PutAsync(hash, content, cancellationToken);
    }

    public ValueTask<Stream?> OpenReadAsync(BlobHash hash, CancellationToken cancellationToken = default)
    {
        Interlocked.Increment(ref reads);
        return inner.OpenReadAsync(hash, cancellationToken);
    }

    public ValueTask<byte[]?> ReadRangeAsync(BlobHash hash, long offset, int length, CancellationToken cancellationToken = default)
    {
        Interlocked.Increment(ref reads);
        return inner.ReadRangeAsync(hash, offset, length, cancellationToken);
    }

    public ValueTask<bool> ExistsAsync(BlobHash hash, CancellationToken cancellationToken = default)
        => inner.ExistsAsync(hash, cancellationToken);

    public ValueTask<bool> DeleteAsync(BlobHash hash, CancellationToken cancellationToken = default)
    {
        Interlocked.Increment(ref deletes);
        return inner.DeleteAsync(hash, cancellationToken);
    }
}
