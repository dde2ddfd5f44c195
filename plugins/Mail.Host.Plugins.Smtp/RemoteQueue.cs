using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text.Json;
using Mail.Host.Storage;

namespace Mail.Host.Plugins.Smtp;

/// <summary>
/// The durable queue of messages for remote recipients, in the data store's <c>smtp_queue</c> subspace, for the
/// outbound delivery to drain. One atomic batch per message: <c>m</c> + id → the envelope (JSON: sender, recipients
/// with their DSN parameters, RET, ENVID, BODY, SMTPUTF8, size, the authenticated principal, the client), and
/// <c>c</c> + id + chunk number (big-endian) → the message bytes in chunks of 64 KiB. An id is 16 bytes: the
/// enqueue time in .NET ticks (big-endian, so a scan is oldest first) and 8 random bytes.
/// </summary>
internal sealed class RemoteQueue(IDataStore store)
{
    public const string Subspace = "smtp_queue";
    public const int ChunkSize = 64 * 1024;

    public async ValueTask<string> EnqueueAsync(QueueEnvelope envelope, Stream message, CancellationToken cancellationToken)
    {
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

            var key = new byte[1 + 16 + 4];
            key[0] = (byte)'c';
            id.CopyTo(key, 1);
            BinaryPrimitives.WriteInt32BigEndian(key.AsSpan(17), chunks++);
            batch.Set(Subspace, key, buffer.AsSpan(0, read));
            size += read;
        }

        batch.Set(Subspace, [(byte)'m', .. id], Serialize(envelope, Convert.ToHexStringLower(id), size, chunks));
        await store.CommitAsync(batch, cancellationToken).ConfigureAwait(false);
        return Convert.ToHexStringLower(id);
    }

    private static byte[] Serialize(QueueEnvelope envelope, string id, long size, int chunks)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteString("id", id);
            json.WriteString("from", envelope.From);
            json.WriteStartArray("recipients");
            foreach (var recipient in envelope.Recipients)
            {
                json.WriteStartObject();
                json.WriteString("address", recipient.Address);
                if (recipient.Notify is not null)
                {
                    json.WriteString("notify", recipient.Notify);
                }

                if (recipient.OriginalRecipient is not null)
                {
                    json.WriteString("orcpt", recipient.OriginalRecipient);
                }

                json.WriteEndObject();
            }

            json.WriteEndArray();
            WriteOptional(json, "ret", envelope.Ret);
            WriteOptional(json, "envid", envelope.EnvelopeId);
            WriteOptional(json, "body", envelope.Body);
            json.WriteBoolean("smtputf8", envelope.SmtpUtf8);
            json.WriteNumber("size", size);
            json.WriteNumber("chunks", chunks);
            json.WriteString("receivedAt", envelope.ReceivedAt);
            WriteOptional(json, "authenticatedAs", envelope.AuthenticatedAs);
            json.WriteString("client", envelope.Client);
            json.WriteString("helo", envelope.Helo);
            json.WriteNumber("attempts", 0);
            json.WriteEndObject();
        }

        return buffer.ToArray();
    }

    private static void WriteOptional(Utf8JsonWriter json, string name, string? value)
    {
        if (value is not null)
        {
            json.WriteString(name, value);
        }
    }
}
