using System.Collections.Concurrent;
using System.Text;
using Mail.Host.Mail;

namespace Mail.Host.Plugins.Imap;

/// <summary>
/// NOTIFY's METADATA events (RFC 5465 MailboxMetadataChange and ServerMetadataChange): when the engine announces that
/// metadata entries changed, the session compares the entries it can see with what it saw before and sends an
/// unsolicited METADATA response naming the entries that changed (RFC 5464 §4.4.2), without their values.
/// </summary>
internal sealed partial class ImapSession
{
    /// <summary>The key of the server entries in <see cref="metadataSnapshot"/>: no mailbox has this id.</summary>
    private const ulong ServerMetadataKey = ulong.MaxValue;

    private readonly ConcurrentQueue<(ulong AccountId, ulong MailboxId)> metadataChanges = new();

    /// <summary>For each watched mailbox (and the server), the entries the session can see: name to a hash of the value.</summary>
    private Dictionary<ulong, Dictionary<string, int>>? metadataSnapshot;

    private bool WantsMetadataEvents
        => notifyGroups is { } groups && groups.Any(g => g.MailboxMetadataChange || g.ServerMetadataChange);

    /// <summary>Called with every engine notification: keeps the metadata changes for the next NOTIFY round.</summary>
    private void NoteMetadataChange(MailNotification notification)
    {
        if (!notification.Kinds.HasFlag(MailEventKinds.MetadataChanged) || !WantsMetadataEvents)
        {
            return;
        }

        foreach (var mailboxId in notification.MetadataMailboxIds)
        {
            if (metadataChanges.Count < NotifyOverflowLines)
            {
                metadataChanges.Enqueue((notification.AccountId, mailboxId));
            }
        }
    }

    /// <summary>Takes the entries of the server and of every mailbox whose event group asks for metadata changes.</summary>
    private async ValueTask SnapshotMetadataAsync(IReadOnlyList<Mailbox> mailboxes)
    {
        metadataChanges.Clear();
        metadataSnapshot = null;
        if (!WantsMetadataEvents)
        {
            return;
        }

        var snapshot = new Dictionary<ulong, Dictionary<string, int>>();
        if (notifyGroups!.Any(g => g.ServerMetadataChange))
        {
            snapshot[ServerMetadataKey] = await MetadataHashesAsync(null).ConfigureAwait(false);
        }

        foreach (var mailbox in mailboxes)
        {
            if (WatchesMetadata(mailbox))
            {
                snapshot[mailbox.Id] = await MetadataHashesAsync(mailbox.Id).ConfigureAwait(false);
            }
        }

        metadataSnapshot = snapshot;
    }

    /// <summary>After this session's own SETMETADATA: takes the new entries as known, so they are not announced back.</summary>
    private async ValueTask RememberMetadataAsync(ulong? mailboxId)
    {
        var key = mailboxId ?? ServerMetadataKey;
        if (metadataSnapshot is { } snapshot && snapshot.ContainsKey(key))
        {
            snapshot[key] = await MetadataHashesAsync(mailboxId).ConfigureAwait(false);
        }
    }

    /// <summary>Adds a METADATA response for each watched mailbox (or the server) whose visible entries changed.</summary>
    private async ValueTask MetadataChangesAsync(Dictionary<ulong, Mailbox> mailboxes, List<string> lines)
    {
        if (metadataSnapshot is not { } snapshot || !WantsMetadataEvents)
        {
            metadataChanges.Clear();
            return;
        }

        var changed = new SortedSet<ulong>();
        while (metadataChanges.TryDequeue(out var change))
        {
            if (change.MailboxId == 0)
            {
                // Server entries: only the user's own (the /private ones it set) are in its account's log.
                if (change.AccountId == Account.AccountId)
                {
                    changed.Add(ServerMetadataKey);
                }
            }
            else if ((Account is ImapMailAccount composite ? composite.SessionIdOf(change.AccountId, change.MailboxId) : change.MailboxId) is { } id)
            {
                changed.Add(id);
            }
        }

        foreach (var id in changed)
        {
            string name;
            if (id == ServerMetadataKey)
            {
                if (!notifyGroups!.Any(g => g.ServerMetadataChange))
                {
                    continue;
                }

                name = "\"\"";
            }
            else if (mailboxes.TryGetValue(id, out var mailbox) && WatchesMetadata(mailbox))
            {
                name = MailboxAString(mailbox.Name);
            }
            else
            {
                continue;
            }

            Dictionary<string, int> now;
            try
            {
                now = await MetadataHashesAsync(id == ServerMetadataKey ? null : id).ConfigureAwait(false);
            }
            catch (MailException)
            {
                // The mailbox went away or the user lost the right to read it meanwhile.
                continue;
            }

            var before = snapshot.GetValueOrDefault(id) ?? [];
            snapshot[id] = now;
            var names = now.Where(e => !before.TryGetValue(e.Key, out var hash) || hash != e.Value).Select(e => e.Key)
                .Concat(before.Keys.Where(k => !now.ContainsKey(k)))
                .Order(StringComparer.Ordinal)
                .ToList();
            if (names.Count == 0)
            {
                continue;
            }

            var line = new StringBuilder("* METADATA ").Append(name);
            foreach (var entry in names)
            {
                line.Append(' ').AppendAString(entry, Utf8Names);
            }

            lines.Add(line.ToString());
        }
    }

    /// <summary>Whether the event groups ask for the metadata changes of a mailbox (the selected one by its own group).</summary>
    private bool WatchesMetadata(Mailbox mailbox)
        => (selected?.Id == mailbox.Id && SelectedGroup is { MailboxMetadataChange: true }) || GroupFor(mailbox) is { MailboxMetadataChange: true };

    private async ValueTask<Dictionary<string, int>> MetadataHashesAsync(ulong? mailboxId)
    {
        var result = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var entry in await Account.GetMetadataAsync(mailboxId).ConfigureAwait(false))
        {
            var hash = default(HashCode);
            hash.AddBytes(entry.Value ?? []);
            result[entry.Name] = hash.ToHashCode();
        }

        return result;
    }
}
