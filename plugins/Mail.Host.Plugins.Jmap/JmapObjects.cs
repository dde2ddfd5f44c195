using System.Buffers.Binary;
using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using Mail.Host.Storage;

namespace Mail.Host.Plugins.Jmap;

/// <summary>
/// The objects JMAP keeps that the mail engine does not (identities, submissions, the vacation response, push
/// subscriptions, mailbox sort orders), in the data store: subspace <c>jmap_object</c>, key account (8 bytes) + kind
/// (1 byte) + id (8 bytes), value <c>{"m": modseq, "c": created modseq, "d": destroyed, "o": the object}</c>; a
/// per-account, per-kind counter in <c>jmap_counter</c> gives ids and the state string. A destroyed object stays as a
/// tombstone so /changes can report it.
/// </summary>
internal sealed class JmapObjects(IDataStore data)
{
    public const string Subspace = "jmap_object";
    public const string CounterSubspace = "jmap_counter";

    /// <summary>One stored object.</summary>
    public sealed record Entry(ulong Id, long ModSeq, long CreatedModSeq, bool Destroyed, JsonObject Value);

    public async Task<string> StateAsync(ulong account, JmapObjectKind kind, CancellationToken cancellationToken)
    {
        var value = await data.GetAsync(CounterSubspace, CounterKey(account, kind), cancellationToken).ConfigureAwait(false);
        return Counter.Decode(value).ToString(CultureInfo.InvariantCulture);
    }

    public async Task<List<Entry>> ListAsync(ulong account, JmapObjectKind kind, bool includeDestroyed, CancellationToken cancellationToken)
    {
        var list = new List<Entry>();
        await foreach (var entry in data.ScanAsync(Subspace, KeyRange.Prefix(Prefix(account, kind)), cancellationToken).ConfigureAwait(false))
        {
            var parsed = Decode(BinaryPrimitives.ReadUInt64BigEndian(entry.Key.AsSpan(9)), entry.Value);
            if (includeDestroyed || !parsed.Destroyed)
            {
                list.Add(parsed);
            }
        }

        return list;
    }

    public async Task<Entry?> GetAsync(ulong account, JmapObjectKind kind, ulong id, CancellationToken cancellationToken)
    {
        var value = await data.GetAsync(Subspace, Key(account, kind, id), cancellationToken).ConfigureAwait(false);
        return value is null ? null : Decode(id, value) is { Destroyed: false } entry ? entry : null;
    }

    /// <summary>Creates an object with a new id (or the id given, for singletons); returns the id.</summary>
    public async Task<ulong> CreateAsync(ulong account, JmapObjectKind kind, JsonObject value, CancellationToken cancellationToken, ulong? id = null)
    {
        var modSeq = await data.IncrementAsync(CounterSubspace, CounterKey(account, kind), 1, cancellationToken).ConfigureAwait(false);
        var newId = id ?? (ulong)await data.IncrementAsync(CounterSubspace, IdKey(account, kind), 1, cancellationToken).ConfigureAwait(false);
        await WriteAsync(account, kind, new Entry(newId, modSeq, modSeq, false, value), cancellationToken).ConfigureAwait(false);
        return newId;
    }

    public async Task UpdateAsync(ulong account, JmapObjectKind kind, Entry entry, JsonObject value, CancellationToken cancellationToken)
    {
        var modSeq = await data.IncrementAsync(CounterSubspace, CounterKey(account, kind), 1, cancellationToken).ConfigureAwait(false);
        await WriteAsync(account, kind, entry with { ModSeq = modSeq, Value = value }, cancellationToken).ConfigureAwait(false);
    }

    public async Task DestroyAsync(ulong account, JmapObjectKind kind, Entry entry, CancellationToken cancellationToken)
    {
        var modSeq = await data.IncrementAsync(CounterSubspace, CounterKey(account, kind), 1, cancellationToken).ConfigureAwait(false);
        await WriteAsync(account, kind, entry with { ModSeq = modSeq, Destroyed = true, Value = [] }, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>What changed since a state: created, updated and destroyed ids, and the new state.</summary>
    public async Task<(List<ulong> Created, List<ulong> Updated, List<ulong> Destroyed, string NewState)?> ChangesAsync(ulong account, JmapObjectKind kind, string sinceState, CancellationToken cancellationToken)
    {
        var current = await StateAsync(account, kind, cancellationToken).ConfigureAwait(false);
        if (!long.TryParse(sinceState, NumberStyles.None, CultureInfo.InvariantCulture, out var since) || since > long.Parse(current, CultureInfo.InvariantCulture))
        {
            return null;
        }

        List<ulong> created = [], updated = [], destroyed = [];
        foreach (var entry in await ListAsync(account, kind, includeDestroyed: true, cancellationToken).ConfigureAwait(false))
        {
            if (entry.ModSeq <= since)
            {
                continue;
            }

            if (entry.Destroyed)
            {
                if (entry.CreatedModSeq <= since)
                {
                    destroyed.Add(entry.Id);
                }
            }
            else if (entry.CreatedModSeq > since)
            {
                created.Add(entry.Id);
            }
            else
            {
                updated.Add(entry.Id);
            }
        }

        return (created, updated, destroyed, current);
    }

    private async Task WriteAsync(ulong account, JmapObjectKind kind, Entry entry, CancellationToken cancellationToken)
    {
        var record = new JsonObject
        {
            ["m"] = entry.ModSeq,
            ["c"] = entry.CreatedModSeq,
            ["d"] = entry.Destroyed,
            ["o"] = entry.Value.DeepClone(),
        };
        await data.CommitAsync(new WriteBatch().Set(Subspace, Key(account, kind, entry.Id), Encoding.UTF8.GetBytes(record.ToJsonString())), cancellationToken).ConfigureAwait(false);
    }

    private static Entry Decode(ulong id, byte[] value)
    {
        var record = JsonNode.Parse(value)!.AsObject();
        return new Entry(
            id,
            record["m"]!.GetValue<long>(),
            record["c"]!.GetValue<long>(),
            record["d"]!.GetValue<bool>(),
            record["o"]?.AsObject() is { } o ? (JsonObject)o.DeepClone() : []);
    }

    private static byte[] Prefix(ulong account, JmapObjectKind kind)
    {
        var key = new byte[9];
        BinaryPrimitives.WriteUInt64BigEndian(key, account);
        key[8] = (byte)kind;
        return key;
    }

    private static byte[] Key(ulong account, JmapObjectKind kind, ulong id)
    {
        var key = new byte[17];
        BinaryPrimitives.WriteUInt64BigEndian(key, account);
        key[8] = (byte)kind;
        BinaryPrimitives.WriteUInt64BigEndian(key.AsSpan(9), id);
        return key;
    }

    private static byte[] CounterKey(ulong account, JmapObjectKind kind) => Prefix(account, kind);

    private static byte[] IdKey(ulong account, JmapObjectKind kind)
    {
        var key = Prefix(account, kind);
        key[8] |= 0x80;
        return key;
    }
}
