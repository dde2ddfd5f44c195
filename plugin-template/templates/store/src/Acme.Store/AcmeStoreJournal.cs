using System.Buffers.Binary;
using System.Text;

namespace Acme.Store;

/// <summary>
/// The file that makes an <see cref="AcmeStoreDataStore"/> durable: one record per commit, each the length of its
/// payload (4 bytes, little-endian) and the payload: the number of changes, then for each its subspace, key and new
/// value (absent for a delete). A record is synced to disk before the commit returns. A crash can leave a partly
/// written last record; opening the journal drops it, since its commit was never acknowledged.
/// </summary>
public sealed class AcmeStoreJournal : IDisposable
{
    private readonly FileStream file;
    private bool failed;

    private AcmeStoreJournal(FileStream file) => this.file = file;

    /// <summary>Opens (or creates) a journal and replays every complete record through <paramref name="apply"/>.</summary>
    /// <param name="path">The journal file.</param>
    /// <param name="apply">Receives each recorded change, oldest first.</param>
    /// <returns>The journal, positioned for appending.</returns>
    public static AcmeStoreJournal Open(string path, Action<Change> apply)
    {
        ArgumentNullException.ThrowIfNull(apply);
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        var file = new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.Read);
        using (var reader = new BinaryReader(file, Encoding.UTF8, leaveOpen: true))
        {
            long complete = 0;
            while (file.Length - complete >= sizeof(int))
            {
                var length = reader.ReadInt32();
                if (length < 0 || file.Length - file.Position < length)
                {
                    break;
                }

                using var payload = new BinaryReader(new MemoryStream(reader.ReadBytes(length)), Encoding.UTF8);
                for (var count = payload.ReadInt32(); count > 0; count--)
                {
                    var subspace = payload.ReadString();
                    var key = payload.ReadBytes(payload.ReadInt32());
                    var valueLength = payload.ReadInt32();
                    apply(new(subspace, key, valueLength < 0 ? null : payload.ReadBytes(valueLength)));
                }

                complete = file.Position;
            }

            file.SetLength(complete);
            file.Position = complete;
        }

        return new AcmeStoreJournal(file);
    }

    /// <summary>Appends one commit's changes and syncs them to disk.</summary>
    /// <param name="changes">The changes, applied together.</param>
    /// <exception cref="IOException">The record could not be written; the journal takes no more records.</exception>
    public void Append(IReadOnlyList<Change> changes)
    {
        ArgumentNullException.ThrowIfNull(changes);
        if (failed)
        {
            throw new IOException($"An earlier write to {file.Name} failed; reopen the store.");
        }

        using var payload = new MemoryStream();
        using (var writer = new BinaryWriter(payload, Encoding.UTF8, leaveOpen: true))
        {
            writer.Write(changes.Count);
            foreach (var change in changes)
            {
                writer.Write(change.Subspace);
                writer.Write(change.Key.Length);
                writer.Write(change.Key);
                writer.Write(change.Value?.Length ?? -1);
                writer.Write(change.Value ?? []);
            }
        }

        try
        {
            Span<byte> length = stackalloc byte[sizeof(int)];
            BinaryPrimitives.WriteInt32LittleEndian(length, (int)payload.Length);
            file.Write(length);
            file.Write(payload.GetBuffer(), 0, (int)payload.Length);
            file.Flush(flushToDisk: true);
        }
        catch
        {
            // A record cut short would hide every later one from the replay.
            failed = true;
            throw;
        }
    }

    /// <summary>Closes the file.</summary>
    public void Dispose() => file.Dispose();

    /// <summary>One change: the new value of a key, or <see langword="null"/> when it is deleted.</summary>
    /// <param name="Subspace">The subspace.</param>
    /// <param name="Key">The key.</param>
    /// <param name="Value">The new value, or <see langword="null"/> for a delete.</param>
    public readonly record struct Change(string Subspace, byte[] Key, byte[]? Value);
}
