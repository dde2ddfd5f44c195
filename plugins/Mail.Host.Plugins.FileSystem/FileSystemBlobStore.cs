using System.Buffers;
using System.Collections.Concurrent;
using System.Security.Cryptography;
using Mail.Host.Storage;

namespace Mail.Host.Plugins.FileSystem;

/// <summary>
/// Blobs as files named by their hash under two levels of folders (<c>ab/cd/abcd…</c>), so that no folder grows
/// past a few thousand entries. A put writes a temporary file in <c>tmp/</c>, checks its hash, flushes it and
/// renames it into place, so a blob is either absent or whole, and durable once the put returns.
/// </summary>
/// <remarks>One folder belongs to one open store: opening removes whatever temporary files it finds.</remarks>
internal sealed class FileSystemBlobStore : IBlobStore
{
    private const string TempFolderName = "tmp";
    private const int CopyBufferSize = 128 * 1024;

    private readonly string root;
    private readonly string tempFolder;

    // Fan-out folders whose own entry is known to be on disk, so each costs one parent flush per process.
    private readonly ConcurrentDictionary<string, bool> durableFolders = new(StringComparer.Ordinal);

    private FileSystemBlobStore(string root)
    {
        this.root = root;
        tempFolder = Path.Combine(root, TempFolderName);
    }

    /// <summary>
    /// Opens the store in a folder, creating it when missing and removing temporary files a crash left behind.
    /// </summary>
    /// <param name="root">The folder's full path.</param>
    /// <returns>The store.</returns>
    public static FileSystemBlobStore Open(string root)
    {
        var store = new FileSystemBlobStore(root);

        // Each folder created on the way to the root must be flushed into its parent, or a power loss could take
        // the whole store with it.
        var created = new List<string>();
        for (var folder = root; folder is not null && !System.IO.Directory.Exists(folder); folder = Path.GetDirectoryName(folder))
        {
            created.Add(folder);
        }

        System.IO.Directory.CreateDirectory(store.tempFolder);
        foreach (var folder in created)
        {
            DirectorySync.Flush(Path.GetDirectoryName(folder)!);
        }

        // Nothing can still be writing these: the folder is this store's alone and the store is only now opening.
        foreach (var leftover in System.IO.Directory.EnumerateFiles(store.tempFolder))
        {
            File.Delete(leftover);
        }

        return store;
    }

    /// <inheritdoc />
    public async ValueTask PutAsync(BlobHash hash, Stream content, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(content);
        var name = NameOf(hash);
        var tempPath = Path.Combine(tempFolder, $"{name}.{Guid.NewGuid():N}");
        try
        {
            await WriteVerifiedAsync(hash, content, tempPath, cancellationToken).ConfigureAwait(false);
            var folder = EnsureFanOutFolder(name);
            try
            {
                // Replacing an existing copy is atomic and leaves identical bytes, so concurrent puts of one blob
                // need no coordination; readers holding the old file keep reading it.
                File.Move(tempPath, Path.Combine(folder, name), overwrite: true);
                DirectorySync.Flush(folder);
            }
            catch (Exception ex) when (IsStorageFailure(ex))
            {
                // A fan-out folder removed behind the store's back is created again by the next put.
                if (ex is DirectoryNotFoundException)
                {
                    durableFolders.Clear();
                }

                throw Unavailable($"store blob {name}", ex);
            }
        }
        catch
        {
            TryDelete(tempPath);
            throw;
        }
    }

    /// <inheritdoc />
    public ValueTask<Stream?> OpenReadAsync(BlobHash hash, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var path = PathOf(hash);
        try
        {
            // Sharing delete lets a blob be removed while someone is still streaming it; the reader keeps the file.
            Stream stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read | FileShare.Delete, 4096, FileOptions.Asynchronous | FileOptions.SequentialScan);
            return ValueTask.FromResult<Stream?>(stream);
        }
        catch (Exception ex) when (IsMissing(ex))
        {
            return ValueTask.FromResult<Stream?>(null);
        }
        catch (Exception ex) when (IsStorageFailure(ex))
        {
            throw Unavailable($"open blob {hash}", ex);
        }
    }

    /// <inheritdoc />
    public async ValueTask<byte[]?> ReadRangeAsync(BlobHash hash, long offset, int length, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(offset);
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        cancellationToken.ThrowIfCancellationRequested();
        try
        {
            using var handle = File.OpenHandle(PathOf(hash), FileMode.Open, FileAccess.Read, FileShare.Read | FileShare.Delete, FileOptions.Asynchronous);
            var size = RandomAccess.GetLength(handle);
            if (offset >= size || length == 0)
            {
                return [];
            }

            var buffer = new byte[(int)Math.Min(length, size - offset)];
            var read = 0;
            while (read < buffer.Length)
            {
                var count = await RandomAccess.ReadAsync(handle, buffer.AsMemory(read), offset + read, cancellationToken).ConfigureAwait(false);
                if (count == 0)
                {
                    // Blobs never change, so this only happens if something outside the store truncated the file.
                    return buffer[..read];
                }

                read += count;
            }

            return buffer;
        }
        catch (Exception ex) when (IsMissing(ex))
        {
            return null;
        }
        catch (Exception ex) when (IsStorageFailure(ex))
        {
            throw Unavailable($"read blob {hash}", ex);
        }
    }

    /// <inheritdoc />
    public ValueTask<bool> ExistsAsync(BlobHash hash, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        return ValueTask.FromResult(File.Exists(PathOf(hash)));
    }

    /// <inheritdoc />
    public ValueTask<bool> DeleteAsync(BlobHash hash, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var name = NameOf(hash);
        var path = PathOf(hash);
        var doomed = Path.Combine(tempFolder, $"{name}.{Guid.NewGuid():N}.deleted");
        try
        {
            // A rename (the overwriting move; the other one links and unlinks) succeeds for exactly one of several
            // concurrent deletes, which tells that caller alone the blob existed; deleting outright cannot tell.
            File.Move(path, doomed, overwrite: true);
        }
        catch (Exception ex) when (IsMissing(ex) && !File.Exists(path))
        {
            return ValueTask.FromResult(false);
        }
        catch (Exception ex) when (IsStorageFailure(ex))
        {
            throw Unavailable($"delete blob {name}", ex);
        }

        try
        {
            File.Delete(doomed);
            DirectorySync.Flush(Path.GetDirectoryName(path)!);
        }
        catch (Exception ex) when (IsStorageFailure(ex))
        {
            throw Unavailable($"delete blob {name}", ex);
        }

        return ValueTask.FromResult(true);
    }

    private static bool IsMissing(Exception ex) => ex is FileNotFoundException or DirectoryNotFoundException;

    private static bool IsStorageFailure(Exception ex) => ex is IOException or UnauthorizedAccessException;

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (Exception ex) when (IsStorageFailure(ex))
        {
            // The file stays in tmp/ and goes when the store next opens; the original failure matters more.
        }
    }

    private static async Task WriteVerifiedAsync(BlobHash hash, Stream content, string tempPath, CancellationToken cancellationToken)
    {
        using var hasher = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var buffer = ArrayPool<byte>.Shared.Rent(CopyBufferSize);
        try
        {
            FileStream file;
            try
            {
                file = new FileStream(tempPath, FileMode.CreateNew, FileAccess.Write, FileShare.None, 0, FileOptions.Asynchronous);
            }
            catch (Exception ex) when (IsStorageFailure(ex))
            {
                throw Unavailable($"store blob {hash}", ex);
            }

            await using (file.ConfigureAwait(false))
            {
                while (true)
                {
                    // Failures of the caller's stream are the caller's and pass through unchanged.
                    var read = await content.ReadAsync(buffer.AsMemory(0, CopyBufferSize), cancellationToken).ConfigureAwait(false);
                    if (read == 0)
                    {
                        break;
                    }

                    hasher.AppendData(buffer, 0, read);
                    try
                    {
                        await file.WriteAsync(buffer.AsMemory(0, read), cancellationToken).ConfigureAwait(false);
                    }
                    catch (Exception ex) when (IsStorageFailure(ex))
                    {
                        throw Unavailable($"store blob {hash}", ex);
                    }
                }

                if (!hasher.GetCurrentHash().AsSpan().SequenceEqual(hash.Bytes))
                {
                    throw new InvalidDataException($"The content does not match blob hash {hash}; nothing was stored.");
                }

                cancellationToken.ThrowIfCancellationRequested();
                try
                {
                    file.Flush(flushToDisk: true);
                }
                catch (Exception ex) when (IsStorageFailure(ex))
                {
                    throw Unavailable($"store blob {hash}", ex);
                }
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private static StoreUnavailableException Unavailable(string action, Exception cause)
        => new($"The filesystem blob store could not {action}: {cause.Message}", cause);

    private static string NameOf(BlobHash hash)
    {
        var name = hash.ToString();
        return name.Length == BlobHash.Size * 2 ? name : throw new ArgumentException("The blob hash was never assigned.", nameof(hash));
    }

    private string PathOf(BlobHash hash)
    {
        var name = NameOf(hash);
        return Path.Combine(root, name[..2], name[2..4], name);
    }

    /// <summary>Creates the two fan-out folders of a blob when needed and makes sure their entries are on disk.</summary>
    private string EnsureFanOutFolder(string name)
    {
        var first = Path.Combine(root, name[..2]);
        var second = Path.Combine(first, name[2..4]);
        try
        {
            EnsureDurableFolder(first, root);
            EnsureDurableFolder(second, first);
        }
        catch (Exception ex) when (IsStorageFailure(ex))
        {
            throw Unavailable($"create the folders of blob {name}", ex);
        }

        return second;
    }

    private void EnsureDurableFolder(string folder, string parent)
    {
        if (durableFolders.ContainsKey(folder))
        {
            return;
        }

        // Whoever created the folder, this caller flushes the parent itself before relying on it: another put may
        // have created it and not yet finished flushing.
        System.IO.Directory.CreateDirectory(folder);
        DirectorySync.Flush(parent);
        durableFolders.TryAdd(folder, true);
    }
}
