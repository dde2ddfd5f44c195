using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text.Json;
using Mail.Host.Mail;
using Mail.Host.Storage;

namespace Mail.Host.Outbound;

/// <summary>
/// The durable outbound queue in the data store's <c>smtp_queue</c> subspace. One atomic batch per message:
/// <c>m</c> + id → the record (JSON: envelope, recipients with their DSN parameters and state, schedule);
/// <c>c</c> + id + chunk number (big-endian) → the message bytes in chunks of 64 KiB; <c>s</c> + next attempt
/// (.NET ticks, big-endian) + id → nothing, the schedule, so the due messages are one range scan, oldest first. An id
/// is 16 bytes: the enqueue time in ticks (big-endian) and 8 random bytes, written as 32 hex digits.
/// </summary>
public sealed class MailQueue : IMailQueue
{
    /// <summary>The data store subspace holding the queue.</summary>
    public const string Subspace = "smtp_queue";

    /// <summary>The size of a stored chunk of message bytes.</summary>
    public const int ChunkSize = 64 * 1024;

    private static readonly JsonSerializerOptions Json = new() { DefaultIgnoreCondition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull };
    private readonly IDataStore store;
    private readonly SemaphoreSlim wake = new(0, int.MaxValue);

    /// <summary>Creates the queue over a data store.</summary>
    /// <param name="store">The store serving the data role.</param>
    public MailQueue(IDataStore store) => this.store = store ?? throw new ArgumentNullException(nameof(store));

    /// <inheritdoc />
    public async ValueTask<string> EnqueueAsync(QueuedEnvelope envelope, Stream message, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(envelope);
        ArgumentNullException.ThrowIfNull(message);
        if (envelope.Recipients.Count == 0)
        {
            throw new ArgumentException("A queued message needs at least one recipient.", nameof(envelope));
        }

        var id = new byte[16];
        BinaryPrimitives.WriteInt64BigEndian(id, DateTime.UtcNow.Ticks);
        RandomNumberGenerator.Fill(id.AsSpan(8));
        var batch = new WriteBatch();
        var buffer = new byte[ChunkSize];
        var chunks = 0;
        long size = 0;
        while (true)
        {
            var read = await message.ReadAtLeastAsync(buffer, ChunkSize, throwOnEndOfStream: false, cancellationToken).ConfigureAwait(false);
            if (read == 0)
            {
                break;
            }

            batch.Set(Subspace, ChunkKey(id, chunks++), buffer.AsSpan(0, read));
            size += read;
        }

        var now = DateTimeOffset.UtcNow;
        var entry = new QueueEntry
        {
            Id = Convert.ToHexStringLower(id),
            From = envelope.From,
            Recipients = [.. envelope.Recipients.Select(r => new QueueRecipientState { Address = r.Address, Notify = r.Notify, OriginalRecipient = r.OriginalRecipient })],
            Ret = envelope.Ret,
            EnvelopeId = envelope.EnvelopeId,
            Body = envelope.Body,
            SmtpUtf8 = envelope.SmtpUtf8,
            RequireTls = envelope.RequireTls,
            Size = size,
            Chunks = chunks,
            ReceivedAt = envelope.ReceivedAt,
            AuthenticatedAs = envelope.AuthenticatedAs,
            Client = envelope.Client,
            Helo = envelope.Helo,
            NextAttempt = now,
        };
        batch.Set(Subspace, RecordKey(id), JsonSerializer.SerializeToUtf8Bytes(entry, Json));
        batch.Set(Subspace, ScheduleKey(now, id), ReadOnlySpan<byte>.Empty);
        await store.CommitAsync(batch, cancellationToken).ConfigureAwait(false);
        wake.Release();
        return entry.Id;
    }

    /// <summary>Waits until a message is enqueued in this process, or the timeout passes.</summary>
    internal async Task WaitForWorkAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        if (await wake.WaitAsync(timeout, cancellationToken).ConfigureAwait(false))
        {
            // Several enqueues wake one scan.
            while (wake.CurrentCount > 0 && wake.Wait(0))
            {
            }
        }
    }

    /// <summary>Wakes the delivery service (after a retry is asked for).</summary>
    internal void Wake() => wake.Release();

    /// <summary>The ids of messages due at <paramref name="now"/>, most overdue first.</summary>
    internal async Task<List<string>> DueAsync(DateTimeOffset now, int limit, CancellationToken cancellationToken)
    {
        var end = ScheduleKey(now.AddTicks(1), new byte[16]);
        var ids = new List<string>();
        await foreach (var entry in store.ScanAsync(Subspace, new KeyRange([(byte)'s'], end, limit: limit), cancellationToken).ConfigureAwait(false))
        {
            ids.Add(Convert.ToHexStringLower(entry.Key.AsSpan(9, 16)));
        }

        return ids;
    }

    /// <summary>Every queued message, oldest first (at most <paramref name="limit"/>).</summary>
    internal async Task<List<QueueEntry>> ListAsync(int limit, CancellationToken cancellationToken)
    {
        var list = new List<QueueEntry>();
        await foreach (var entry in store.ScanAsync(Subspace, KeyRange.Prefix([(byte)'m'], limit: limit), cancellationToken).ConfigureAwait(false))
        {
            if (Parse(entry.Value) is { } parsed)
            {
                list.Add(parsed);
            }
        }

        return list;
    }

    /// <summary>One message's record, or null when it is not (or no longer) queued or the id is malformed.</summary>
    internal async Task<QueueEntry?> GetAsync(string id, CancellationToken cancellationToken)
    {
        if (ParseId(id) is not { } key)
        {
            return null;
        }

        var value = await store.GetAsync(Subspace, RecordKey(key), cancellationToken).ConfigureAwait(false);
        return value is null ? null : Parse(value);
    }

    /// <summary>Writes a record back, moving its schedule entry from <paramref name="previousNextAttempt"/> to its new time, atomically.</summary>
    internal async Task SaveAsync(QueueEntry entry, DateTimeOffset previousNextAttempt, CancellationToken cancellationToken)
    {
        var id = ParseId(entry.Id) ?? throw new ArgumentException("Malformed queue id.", nameof(entry));
        var batch = new WriteBatch();
        batch.Set(Subspace, RecordKey(id), JsonSerializer.SerializeToUtf8Bytes(entry, Json));
        batch.Delete(Subspace, ScheduleKey(previousNextAttempt, id));
        batch.Set(Subspace, ScheduleKey(entry.NextAttempt, id), ReadOnlySpan<byte>.Empty);
        await store.CommitAsync(batch, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Removes a message, its schedule entry and its bytes in one batch; false when it was not queued.</summary>
    internal async Task<bool> RemoveAsync(string id, CancellationToken cancellationToken)
    {
        if (await GetAsync(id, cancellationToken).ConfigureAwait(false) is not { } entry)
        {
            return false;
        }

        var key = ParseId(id)!;
        var batch = new WriteBatch();
        batch.Delete(Subspace, RecordKey(key));
        batch.Delete(Subspace, ScheduleKey(entry.NextAttempt, key));
        for (var i = 0; i < entry.Chunks; i++)
        {
            batch.Delete(Subspace, ChunkKey(key, i));
        }

        await store.CommitAsync(batch, cancellationToken).ConfigureAwait(false);
        return true;
    }

    /// <summary>Reads a queued message's bytes.</summary>
    internal async Task<MemoryStream> ReadMessageAsync(QueueEntry entry, CancellationToken cancellationToken)
    {
        var key = ParseId(entry.Id) ?? throw new ArgumentException("Malformed queue id.", nameof(entry));
        var stream = new MemoryStream((int)Math.Min(entry.Size, int.MaxValue));
        var prefix = new byte[17];
        prefix[0] = (byte)'c';
        key.CopyTo(prefix, 1);
        await foreach (var chunk in store.ScanAsync(Subspace, KeyRange.Prefix(prefix), cancellationToken).ConfigureAwait(false))
        {
            stream.Write(chunk.Value);
        }

        if (stream.Length != entry.Size)
        {
            throw new InvalidDataException($"The queued message {entry.Id} has {stream.Length} bytes stored of {entry.Size}.");
        }

        stream.Position = 0;
        return stream;
    }

    internal static byte[]? ParseId(string id)
    {
        if (id.Length != 32)
        {
            return null;
        }

        try
        {
            return Convert.FromHexString(id);
        }
        catch (FormatException)
        {
            return null;
        }
    }

    private static QueueEntry? Parse(byte[] value)
    {
        try
        {
            return JsonSerializer.Deserialize<QueueEntry>(value, Json);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static byte[] RecordKey(byte[] id) => [(byte)'m', .. id];

    private static byte[] ChunkKey(byte[] id, int chunk)
    {
        var key = new byte[1 + 16 + 4];
        key[0] = (byte)'c';
        id.CopyTo(key, 1);
        BinaryPrimitives.WriteInt32BigEndian(key.AsSpan(17), chunk);
        return key;
    }

    private static byte[] ScheduleKey(DateTimeOffset when, byte[] id)
    {
        var key = new byte[1 + 8 + 16];
        key[0] = (byte)'s';
        BinaryPrimitives.WriteInt64BigEndian(key.AsSpan(1), Math.Max(0, when.UtcTicks));
        id.CopyTo(key, 9);
        return key;
    }
}
