using System.Buffers;
using System.Security.Cryptography;
using Mail.Host.Storage;

namespace Mail.Host.Engine.Mail;

/// <summary>
/// A raw message read once from its source: kept in memory up to a threshold and in a temporary file beyond, and
/// hashed on the way in. The parser and the blob store then read it again from the start, so the source need not
/// be seekable and a large message never has to fit in memory.
/// </summary>
internal sealed class MessageSpool : IAsyncDisposable
{
    private const int CopyBufferSize = 81920;

    private MessageSpool(Stream content, BlobHash hash)
    {
        Content = content;
        Hash = hash;
    }

    /// <summary>The bytes, seekable.</summary>
    public Stream Content { get; }

    public BlobHash Hash { get; }

    public long Length => Content.Length;

    public static async ValueTask<MessageSpool> CreateAsync(Stream source, int memoryThreshold, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(source);

        // Most messages stay in memory and are hashed once at the end; an incremental hash, which costs a native
        // context per message, is only started when a message outgrows memory.
        IncrementalHash? hasher = null;
        Stream target = new MemoryStream();
        var buffer = ArrayPool<byte>.Shared.Rent(CopyBufferSize);
        try
        {
            int read;
            while ((read = await source.ReadAsync(buffer.AsMemory(0, CopyBufferSize), cancellationToken).ConfigureAwait(false)) > 0)
            {
                if (target is MemoryStream memory && memory.Length + read > memoryThreshold)
                {
                    hasher = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
                    hasher.AppendData(memory.GetBuffer(), 0, (int)memory.Length);
                    target = await MoveToFileAsync(memory, cancellationToken).ConfigureAwait(false);
                }

                hasher?.AppendData(buffer, 0, read);
                await target.WriteAsync(buffer.AsMemory(0, read), cancellationToken).ConfigureAwait(false);
            }

            var hash = target is MemoryStream inMemory
                ? BlobHash.FromBytes(SHA256.HashData(inMemory.GetBuffer().AsSpan(0, (int)inMemory.Length)))
                : BlobHash.FromBytes(hasher!.GetHashAndReset());
            target.Position = 0;
            return new MessageSpool(target, hash);
        }
        catch
        {
            await target.DisposeAsync().ConfigureAwait(false);
            throw;
        }
        finally
        {
            hasher?.Dispose();
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>Rewinds to the first byte.</summary>
    public Stream Rewind()
    {
        Content.Position = 0;
        return Content;
    }

    public ValueTask DisposeAsync() => Content.DisposeAsync();

    private static async ValueTask<Stream> MoveToFileAsync(MemoryStream memory, CancellationToken cancellationToken)
    {
        var file = new FileStream(
            Path.Combine(Path.GetTempPath(), "mailhost-" + Guid.NewGuid().ToString("N") + ".eml"),
            FileMode.CreateNew,
            FileAccess.ReadWrite,
            FileShare.None,
            CopyBufferSize,
            FileOptions.Asynchronous | FileOptions.DeleteOnClose);
        try
        {
            memory.Position = 0;
            await memory.CopyToAsync(file, cancellationToken).ConfigureAwait(false);
            await memory.DisposeAsync().ConfigureAwait(false);
            return file;
        }
        catch
        {
            await file.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }
}
