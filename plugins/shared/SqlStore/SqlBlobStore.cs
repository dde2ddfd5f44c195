using System.Security.Cryptography;
using Mail.Host.Storage;

namespace Mail.Host.Plugins.SqlStore;

/// <summary>
/// The blob role in a table of its own: a blob is rows of (hash, chunk number, bytes) with chunks of
/// <see cref="ChunkSize"/> bytes, chunk 0 always present (empty for an empty blob), written in one transaction so
/// that no reader sees part of a blob. The content is checked against its hash before anything is written.
/// </summary>
/// <param name="executor">Runs the statements.</param>
internal sealed class SqlBlobStore(SqlExecutor executor) : IBlobStore
{
    /// <summary>The bytes in one chunk row; small enough for any server's packet limit.</summary>
    public const int ChunkSize = 256 * 1024;

    private readonly SqlDialect dialect = executor.Dialect;

    /// <inheritdoc />
    public async ValueTask PutAsync(BlobHash hash, Stream content, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(content);
        var key = hash.Bytes.ToArray();

        // The whole blob is read and checked first, so a transaction rolled back for a conflict can be run again.
        var chunks = new List<byte[]>();
        using (var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256))
        {
            while (true)
            {
                var chunk = new byte[ChunkSize];
                var filled = 0;
                int read;
                while (filled < ChunkSize && (read = await content.ReadAsync(chunk.AsMemory(filled), cancellationToken).ConfigureAwait(false)) > 0)
                {
                    filled += read;
                }

                if (filled < ChunkSize)
                {
                    Array.Resize(ref chunk, filled);
                }

                sha.AppendData(chunk);
                if (filled > 0 || chunks.Count == 0)
                {
                    chunks.Add(chunk);
                }

                if (filled < ChunkSize)
                {
                    break;
                }
            }

            if (!sha.GetHashAndReset().AsSpan().SequenceEqual(key))
            {
                throw new InvalidDataException($"The content does not match the blob hash {hash}; nothing was stored.");
            }
        }

        await executor.RunAsync(async (connection, progress, ct) =>
        {
            await using var transaction = await connection.BeginTransactionAsync(System.Data.IsolationLevel.ReadCommitted, ct).ConfigureAwait(false);
            for (var n = 0; n < chunks.Count; n++)
            {
                await SqlCommands.ExecuteAsync(connection, transaction, dialect.InsertChunkSql, ct, ("h", key), ("n", n), ("data", chunks[n])).ConfigureAwait(false);
            }

            progress.Committing = true;
            await transaction.CommitAsync(CancellationToken.None).ConfigureAwait(false);
            return true;
        }, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async ValueTask<Stream?> OpenReadAsync(BlobHash hash, CancellationToken cancellationToken = default)
    {
        var key = hash.Bytes.ToArray();
        var first = await ReadChunkAsync(key, 0, cancellationToken).ConfigureAwait(false);
        return first is null ? null : new SqlBlobReadStream(first, n => ReadChunkAsync(key, n, CancellationToken.None));
    }

    /// <inheritdoc />
    public async ValueTask<byte[]?> ReadRangeAsync(BlobHash hash, long offset, int length, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(offset);
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        var key = hash.Bytes.ToArray();
        var firstChunk = offset / ChunkSize;
        var lastChunk = length == 0 ? firstChunk : (offset + length - 1) / ChunkSize;
        if (firstChunk > int.MaxValue)
        {
            return await ExistsAsync(hash, cancellationToken).ConfigureAwait(false) ? [] : null;
        }

        var rows = await executor.RunAsync(async (connection, _, ct) =>
        {
            await using var command = connection.CreateCommand();
            command.CommandText = $"SELECT n, data FROM {dialect.BlobTable} WHERE h = @h AND n >= @first AND n <= @last ORDER BY n";
            SqlParameters.Add(command, "h", key);
            SqlParameters.Add(command, "first", (int)firstChunk);
            SqlParameters.Add(command, "last", (int)Math.Min(lastChunk, int.MaxValue));
            var found = new List<(int N, byte[] Data)>();
            await using var reader = await command.ExecuteReaderAsync(ct).ConfigureAwait(false);
            while (await reader.ReadAsync(ct).ConfigureAwait(false))
            {
                found.Add((reader.GetInt32(0), (byte[])reader.GetValue(1)));
            }

            return found;
        }, cancellationToken).ConfigureAwait(false);

        if (rows.Count == 0)
        {
            return await ExistsAsync(hash, cancellationToken).ConfigureAwait(false) ? [] : null;
        }

        using var buffer = new MemoryStream();
        foreach (var (n, data) in rows)
        {
            var chunkStart = (long)n * ChunkSize;
            var from = (int)Math.Max(0, offset - chunkStart);
            var to = (int)Math.Min(data.Length, offset + length - chunkStart);
            if (to > from)
            {
                buffer.Write(data, from, to - from);
            }
        }

        return buffer.ToArray();
    }

    /// <inheritdoc />
    public async ValueTask<bool> ExistsAsync(BlobHash hash, CancellationToken cancellationToken = default)
    {
        var key = hash.Bytes.ToArray();
        return await executor.RunAsync(async (connection, _, ct) =>
            await SqlCommands.ScalarAsync(connection, null, $"SELECT 1 FROM {dialect.BlobTable} WHERE h = @h AND n = 0", ct, ("h", key)).ConfigureAwait(false) is not null,
            cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async ValueTask<bool> DeleteAsync(BlobHash hash, CancellationToken cancellationToken = default)
    {
        var key = hash.Bytes.ToArray();
        return await executor.RunAsync(async (connection, progress, ct) =>
        {
            await using var command = connection.CreateCommand();
            command.CommandText = $"DELETE FROM {dialect.BlobTable} WHERE h = @h";
            SqlParameters.Add(command, "h", key);
            progress.Committing = true;
            return await command.ExecuteNonQueryAsync(ct).ConfigureAwait(false) > 0;
        }, cancellationToken).ConfigureAwait(false);
    }

    private ValueTask<byte[]?> ReadChunkAsync(byte[] key, int n, CancellationToken cancellationToken)
        => executor.RunAsync(async (connection, _, ct) =>
            await SqlCommands.ScalarAsync(connection, null, $"SELECT data FROM {dialect.BlobTable} WHERE h = @h AND n = @n", ct, ("h", key), ("n", n)).ConfigureAwait(false) as byte[],
            cancellationToken);
}
