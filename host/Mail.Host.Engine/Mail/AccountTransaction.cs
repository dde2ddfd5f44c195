using Mail.Host.Mail;
using Mail.Host.Storage;

namespace Mail.Host.Engine.Mail;

/// <summary>
/// One attempt at a change to one account: records read through it are cached, changes are staged, and
/// <see cref="CommitAsync"/> writes them in one batch together with the account head, the change-log entry and the
/// blob reference counts, asserting that the head is still what was read. A failed assertion means another writer
/// committed first; the caller runs the whole attempt again.
/// </summary>
internal sealed class AccountTransaction
{
    private readonly IDataStore data;
    private readonly byte[] headKey;
    private readonly byte[]? headBefore;
    private readonly long nowMs;
    private readonly Dictionary<ulong, MailboxRecord?> mailboxes = [];
    private readonly HashSet<ulong> dirtyMailboxes = [];
    private readonly Dictionary<ulong, EmailRecord?> emails = [];
    private readonly HashSet<ulong> dirtyEmails = [];
    private readonly Dictionary<string, ulong?> names = new(StringComparer.Ordinal);
    private readonly Dictionary<string, byte[]> threadLinks = new(StringComparer.Ordinal);
    private readonly Dictionary<(ChangeTarget Target, ulong Id), ChangeKind> changes = [];
    private readonly List<(ChangeTarget Target, ulong Id)> changeOrder = [];
    private bool headChanged;
    private bool modSeqUsed;

    public AccountTransaction(IDataStore data, ulong accountId, byte[]? headBefore, long nowMs)
    {
        this.data = data;
        this.headBefore = headBefore;
        this.nowMs = nowMs;
        AccountId = accountId;
        headKey = MailKeys.Account(accountId);
        Head = headBefore is null ? new AccountHead { CreatedAtMs = nowMs } : AccountHead.Decode(headBefore);
        ModSeq = Head.ModSeq + 1;
    }

    public ulong AccountId { get; }

    /// <summary>Whether emails created or destroyed by this change are to be indexed or removed from the full-text index.</summary>
    public bool IndexesText { get; init; }

    /// <summary>The emails this change creates, with the parsed message when it is in hand, for indexing after the commit.</summary>
    public List<(EmailRecord Email, StoredMessage? Source)> CreatedEmails { get; } = [];

    /// <summary>The emails this change destroys, for removal from the full-text index after the commit.</summary>
    public List<ulong> DestroyedEmails { get; } = [];

    public AccountHead Head { get; }

    /// <summary>Whether this attempt creates the account.</summary>
    public bool IsNew => headBefore is null;

    /// <summary>The mod-sequence this change gets if it commits.</summary>
    public ulong ModSeq { get; }

    public long NowMs => nowMs;

    public WriteBatch Batch { get; } = new();

    /// <summary>Whether there is anything to commit.</summary>
    public bool HasWrites => IsNew || headChanged || modSeqUsed || Batch.Count > 0 || dirtyMailboxes.Count > 0 || dirtyEmails.Count > 0;

    /// <summary>Marks the head as changed without giving a mod-sequence (quota limits, purge mark).</summary>
    public void TouchHead() => headChanged = true;

    public void UseModSeq() => modSeqUsed = true;

    /// <summary>Whether this change takes <see cref="ModSeq"/> (and so is announced to subscribers when committed).</summary>
    public bool UsesModSeq => modSeqUsed;

    public async ValueTask<MailboxRecord?> GetMailboxAsync(ulong mailboxId, CancellationToken cancellationToken)
    {
        if (mailboxes.TryGetValue(mailboxId, out var cached))
        {
            return cached;
        }

        var value = await data.GetAsync(MailKeys.Mailbox, MailKeys.AccountItem(AccountId, mailboxId), cancellationToken).ConfigureAwait(false);
        var record = value is null ? null : MailboxRecord.Decode(mailboxId, value);
        mailboxes[mailboxId] = record;
        return record;
    }

    public async ValueTask<MailboxRecord> RequireMailboxAsync(ulong mailboxId, CancellationToken cancellationToken)
        => await GetMailboxAsync(mailboxId, cancellationToken).ConfigureAwait(false)
            ?? throw new MailException(MailErrorCode.MailboxNotFound, $"There is no mailbox {mailboxId}.");

    public void SaveMailbox(MailboxRecord mailbox)
    {
        mailboxes[mailbox.Id] = mailbox;
        dirtyMailboxes.Add(mailbox.Id);
    }

    public void DeleteMailbox(MailboxRecord mailbox)
    {
        mailboxes[mailbox.Id] = null;
        dirtyMailboxes.Add(mailbox.Id);
        SetName(mailbox.Name, null);
    }

    /// <summary>Finds a mailbox id by canonical name, seeing names staged in this attempt.</summary>
    public async ValueTask<ulong?> FindMailboxIdAsync(string canonicalName, CancellationToken cancellationToken)
    {
        if (names.TryGetValue(canonicalName, out var staged))
        {
            return staged;
        }

        var value = await data.GetAsync(MailKeys.MailboxName, MailKeys.MailboxNameKey(AccountId, canonicalName), cancellationToken).ConfigureAwait(false);
        return value is null ? null : MailKeys.FirstOf(value);
    }

    /// <summary>Points a name at a mailbox, or removes it.</summary>
    public void SetName(string canonicalName, ulong? mailboxId)
    {
        names[canonicalName] = mailboxId;
        var key = MailKeys.MailboxNameKey(AccountId, canonicalName);
        if (mailboxId is { } id)
        {
            Batch.Set(MailKeys.MailboxName, key, MailKeys.Account(id));
        }
        else
        {
            Batch.Delete(MailKeys.MailboxName, key);
        }
    }

    public async ValueTask<EmailRecord?> GetEmailAsync(ulong emailId, CancellationToken cancellationToken)
    {
        if (emails.TryGetValue(emailId, out var cached))
        {
            return cached;
        }

        var value = await data.GetAsync(MailKeys.Email, MailKeys.AccountItem(AccountId, emailId), cancellationToken).ConfigureAwait(false);
        var record = value is null ? null : EmailRecord.Decode(emailId, value);
        emails[emailId] = record;
        return record;
    }

    public void SaveEmail(EmailRecord email)
    {
        emails[email.Id] = email;
        dirtyEmails.Add(email.Id);
    }

    public void DeleteEmail(EmailRecord email)
    {
        emails[email.Id] = null;
        dirtyEmails.Add(email.Id);
    }

    public async ValueTask<UidEntry?> GetUidAsync(ulong mailboxId, uint uid, CancellationToken cancellationToken)
    {
        var value = await data.GetAsync(MailKeys.Uid, MailKeys.UidKey(AccountId, mailboxId, uid), cancellationToken).ConfigureAwait(false);
        return value is null ? null : UidEntry.Decode(uid, value);
    }

    /// <summary>Writes a message entry into both indexes, dropping its previous place in the mod-sequence index.</summary>
    public void PutUid(ulong mailboxId, UidEntry entry, ulong? previousModSeq)
    {
        UseModSeq();
        if (previousModSeq is { } previous && previous != entry.ModSeq)
        {
            Batch.Delete(MailKeys.ModSeq, MailKeys.ModSeqKey(AccountId, mailboxId, previous, entry.Uid));
        }

        var value = entry.Encode();
        Batch.Set(MailKeys.Uid, MailKeys.UidKey(AccountId, mailboxId, entry.Uid), value);
        Batch.Set(MailKeys.ModSeq, MailKeys.ModSeqKey(AccountId, mailboxId, entry.ModSeq, entry.Uid), value);
    }

    /// <summary>Removes a message entry from both indexes and logs its UID as expunged at this mod-sequence.</summary>
    public void RemoveUid(ulong mailboxId, uint uid, ulong modSeqOfEntry)
    {
        UseModSeq();
        Batch.Delete(MailKeys.Uid, MailKeys.UidKey(AccountId, mailboxId, uid));
        Batch.Delete(MailKeys.ModSeq, MailKeys.ModSeqKey(AccountId, mailboxId, modSeqOfEntry, uid));
        Batch.Set(MailKeys.Vanished, MailKeys.ModSeqKey(AccountId, mailboxId, ModSeq, uid), Marker);
    }

    /// <summary>Reads the thread link of a Message-ID, seeing links staged in this attempt.</summary>
    public async ValueTask<byte[]?> GetThreadLinkAsync(string messageId, CancellationToken cancellationToken)
    {
        if (threadLinks.TryGetValue(messageId, out var staged))
        {
            return staged;
        }

        return await data.GetAsync(MailKeys.MessageId, MailKeys.MessageIdKey(AccountId, messageId), cancellationToken).ConfigureAwait(false);
    }

    public void SetThreadLink(string messageId, byte[] link)
    {
        threadLinks[messageId] = link;
        Batch.Set(MailKeys.MessageId, MailKeys.MessageIdKey(AccountId, messageId), link);
    }

    /// <summary>A one-byte value for keys whose presence is what matters.</summary>
    public static ReadOnlySpan<byte> Marker => [1];

    public void Record(ChangeKind kind, ulong id)
    {
        UseModSeq();
        var slot = (ChangeMerge.TargetOf(kind), id);
        ChangeKind? existing = changes.TryGetValue(slot, out var before) ? before : null;
        if (existing is null)
        {
            changeOrder.Add(slot);
        }

        var merged = ChangeMerge.Merge(existing, kind);
        if (merged is { } kind2)
        {
            changes[slot] = kind2;
        }
        else
        {
            changes.Remove(slot);
        }
    }

    public void AddBlobReference(BlobHash hash, long delta)
    {
        Batch.Increment(MailKeys.BlobReference, MailKeys.BlobKey(hash), delta);
        if (delta < 0)
        {
            // The collector looks only at blobs whose count went down, not at every blob.
            Batch.Set(MailKeys.BlobUnreferenced, MailKeys.BlobKey(hash), Marker);
        }
    }

    /// <summary>Whether this attempt turns a delivery's pending blob reference into its email's reference.</summary>
    public bool TookOverPending => takenOver.Count > 0;

    /// <summary>The pending entries this attempt takes over (several when it records several deliveries at once).</summary>
    private readonly List<byte[]> takenOver = [];

    /// <summary>Whether this attempt takes over the pending entry <paramref name="pendingKey"/>.</summary>
    public bool TookOver(byte[] pendingKey) => takenOver.Exists(k => k.AsSpan().SequenceEqual(pendingKey));

    /// <summary>
    /// Makes a delivery's pending reference the new email's own: the pending entry is deleted in this batch (asserted
    /// present, so a collector that dropped it meanwhile makes the attempt run again) instead of adding one more.
    /// </summary>
    /// <returns><see langword="true"/> when taken over; otherwise the caller adds its own reference.</returns>
    public async ValueTask<bool> TakeOverPendingAsync(byte[] pendingKey, CancellationToken cancellationToken)
    {
        if (TookOver(pendingKey) || await data.GetAsync(MailKeys.BlobPending, pendingKey, cancellationToken).ConfigureAwait(false) is null)
        {
            return false;
        }

        Batch.AssertValue(MailKeys.BlobPending, pendingKey, Marker);
        Batch.Delete(MailKeys.BlobPending, pendingKey);
        takenOver.Add(pendingKey);
        return true;
    }

    public async ValueTask<CommitResult> CommitAsync(CancellationToken cancellationToken)
    {
        if (headBefore is null)
        {
            Batch.AssertAbsent(MailKeys.Head, headKey);
        }
        else
        {
            Batch.AssertValue(MailKeys.Head, headKey, headBefore);
        }

        foreach (var id in dirtyMailboxes)
        {
            var key = MailKeys.AccountItem(AccountId, id);
            if (mailboxes[id] is { } mailbox)
            {
                Batch.Set(MailKeys.Mailbox, key, mailbox.Encode());
            }
            else
            {
                Batch.Delete(MailKeys.Mailbox, key);
            }
        }

        foreach (var id in dirtyEmails)
        {
            var key = MailKeys.AccountItem(AccountId, id);
            if (emails[id] is { } email)
            {
                Batch.Set(MailKeys.Email, key, email.Encode());
            }
            else
            {
                Batch.Delete(MailKeys.Email, key);
            }
        }

        if (modSeqUsed)
        {
            // Every mod-sequence has its entry, even an empty one, so a gap in the log always means a purge.
            Head.ModSeq = ModSeq;
            var items = new List<(ChangeKind, ulong)>(changeOrder.Count);
            foreach (var slot in changeOrder)
            {
                if (changes.TryGetValue(slot, out var kind))
                {
                    items.Add((kind, slot.Id));
                }
            }

            Batch.Set(MailKeys.Change, MailKeys.AccountItem(AccountId, ModSeq), new ChangeEntry(nowMs, items).Encode());
        }

        Head.Version++;
        Batch.Set(MailKeys.Head, headKey, Head.Encode());
        return await data.CommitAsync(Batch, cancellationToken).ConfigureAwait(false);
    }
}
