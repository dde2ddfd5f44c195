using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using Mail.Host.Mail;
using Mail.Host.Storage;

namespace Mail.Host.Engine.Mail;

/// <summary>
/// The building blocks every change is made of, each keeping the indexes, counters, quota usage, reference counts
/// and change log consistent within one <see cref="AccountTransaction"/>.
/// </summary>
internal static class MailOperations
{
    private static readonly (string Name, MailboxRole Role)[] SpecialUse =
    [
        (MailboxNames.Inbox, MailboxRole.Inbox),
        ("Drafts", MailboxRole.Drafts),
        ("Sent", MailboxRole.Sent),
        ("Trash", MailboxRole.Trash),
        ("Junk", MailboxRole.Junk),
        ("Archive", MailboxRole.Archive),
    ];

    /// <summary>Sets up a new account: its head and the six special-use mailboxes.</summary>
    public static async ValueTask ProvisionAsync(MailEngine engine, AccountTransaction t, CancellationToken cancellationToken)
    {
        foreach (var (name, role) in SpecialUse)
        {
            var mailbox = await CreateMailboxAsync(engine, t, name, role, subscribed: true, cancellationToken).ConfigureAwait(false);
            if (role == MailboxRole.Inbox)
            {
                t.Head.InboxId = mailbox.Id;
            }
        }
    }

    /// <summary>Creates a mailbox under a canonical name, and its missing parents (not subscribed).</summary>
    public static async ValueTask<MailboxRecord> CreateMailboxAsync(MailEngine engine, AccountTransaction t, string canonical, MailboxRole role, bool subscribed, CancellationToken cancellationToken)
    {
        if (await t.FindMailboxIdAsync(canonical, cancellationToken).ConfigureAwait(false) is not null)
        {
            throw new MailException(MailErrorCode.MailboxAlreadyExists, $"The mailbox '{canonical}' already exists.");
        }

        ulong parentId = 0;
        if (engine.Names.Parent(canonical) is { } parentName)
        {
            parentId = await t.FindMailboxIdAsync(parentName, cancellationToken).ConfigureAwait(false)
                ?? (await CreateMailboxAsync(engine, t, parentName, MailboxRole.None, subscribed: false, cancellationToken).ConfigureAwait(false)).Id;
        }

        var mailbox = new MailboxRecord
        {
            Id = t.Head.NextMailboxId++,
            Name = canonical,
            ParentId = parentId,
            Role = role,
            Subscribed = subscribed,
            UidValidity = NextUidValidity(t),
            HighestModSeq = t.ModSeq,
        };
        t.SaveMailbox(mailbox);
        t.SetName(canonical, mailbox.Id);
        t.Batch.Delete(MailKeys.Subscription, MailKeys.MailboxNameKey(t.AccountId, canonical));
        t.Record(ChangeKind.MailboxCreated, mailbox.Id);
        return mailbox;
    }

    /// <summary>
    /// A UIDVALIDITY never given before in the account: the current time in seconds, or one more than the last,
    /// so a mailbox recreated under an old name, even in the same second, gets a new value.
    /// </summary>
    public static uint NextUidValidity(AccountTransaction t)
    {
        var seconds = (uint)Math.Clamp(t.NowMs / 1000, 1, uint.MaxValue);
        var next = Math.Max(seconds, t.Head.LastUidValidity + 1);
        t.Head.LastUidValidity = next;
        return next;
    }

    public static async ValueTask<MailboxRecord?> FindByRoleAsync(MailEngine engine, AccountTransaction t, MailboxRole role, CancellationToken cancellationToken)
    {
        await foreach (var entry in engine.Data.ScanAsync(MailKeys.Mailbox, KeyRange.Prefix(MailKeys.Account(t.AccountId)), cancellationToken).ConfigureAwait(false))
        {
            var id = MailKeys.SecondOf(entry.Key);
            var mailbox = await t.GetMailboxAsync(id, cancellationToken).ConfigureAwait(false);
            if (mailbox?.Role == role)
            {
                return mailbox;
            }
        }

        return null;
    }

    /// <summary>The quota resource that adding would exceed, or <see langword="null"/>.</summary>
    public static QuotaResource? ExceededQuota(AccountHead head, long messages, long bytes)
    {
        if (head.QuotaBytes >= 0 && bytes > 0 && head.UsedBytes + bytes > head.QuotaBytes)
        {
            return QuotaResource.Storage;
        }

        if (head.QuotaMessages >= 0 && messages > 0 && head.UsedMessages + messages > head.QuotaMessages)
        {
            return QuotaResource.Messages;
        }

        return null;
    }

    /// <summary>Creates an email for a stored message (in no mailbox yet), charging the quota and referencing the blob.</summary>
    /// <param name="t">The change.</param>
    /// <param name="stored">The stored message.</param>
    /// <param name="internalDateMs">The internal date.</param>
    /// <param name="keywords">The keywords, normalized.</param>
    /// <param name="takeOverPending">Whether this email may take the delivery's pending reference over (one recipient per delivery may).</param>
    /// <param name="cancellationToken">Cancels reading.</param>
    public static async ValueTask<EmailRecord> CreateEmailAsync(AccountTransaction t, StoredMessage stored, long internalDateMs, string[] keywords, bool takeOverPending, CancellationToken cancellationToken)
    {
        var id = t.Head.NextEmailId++;
        var thread = await ResolveThreadAsync(t, stored.Metadata.Envelope, id, cancellationToken).ConfigureAwait(false);
        var tookOver = takeOverPending && await t.TakeOverPendingAsync(stored.PendingKey, cancellationToken).ConfigureAwait(false);
        return NewEmail(t, id, thread, stored.Hash, stored.Size, internalDateMs, keywords, addReference: !tookOver, stored);
    }

    /// <summary>A second email sharing an existing email's blob, thread, date and keywords.</summary>
    public static EmailRecord CloneEmail(AccountTransaction t, EmailRecord source)
        => NewEmail(t, t.Head.NextEmailId++, source.ThreadId, source.Blob, source.Size, source.InternalDateMs, source.Keywords, addReference: true, source: null);

    /// <summary>Puts an email into a mailbox under the mailbox's next UID.</summary>
    public static UidEntry AddToMailbox(AccountTransaction t, MailboxRecord mailbox, EmailRecord email)
    {
        var uid = mailbox.UidNext;
        if (uid == uint.MaxValue)
        {
            throw new MailException(MailErrorCode.Conflict, $"The mailbox '{mailbox.Name}' has used every UID; it must be recreated.");
        }

        mailbox.UidNext = uid + 1;
        var entry = new UidEntry(uid, email.Id, t.ModSeq, email.Keywords, email.InternalDateMs, email.Size);
        t.PutUid(mailbox.Id, entry, previousModSeq: null);
        email.Mailboxes.Add(new EmailRecord.Membership(mailbox.Id, uid, t.ModSeq));
        mailbox.Total++;
        mailbox.Size += email.Size;
        if (!entry.Has(MailKeywords.Seen))
        {
            mailbox.Unseen++;
        }

        mailbox.HighestModSeq = t.ModSeq;
        t.SaveMailbox(mailbox);
        t.SaveEmail(email);
        t.Record(ChangeKind.MailboxCounters, mailbox.Id);
        t.Record(ChangeKind.EmailUpdated, email.Id);
        return entry;
    }

    /// <summary>Takes a message out of a mailbox; an email left in no mailbox is destroyed.</summary>
    public static async ValueTask RemoveFromMailboxAsync(AccountTransaction t, MailboxRecord mailbox, UidEntry entry, CancellationToken cancellationToken)
    {
        t.RemoveUid(mailbox.Id, entry.Uid, entry.ModSeq);
        mailbox.Total--;
        mailbox.Size -= entry.Size;
        if (!entry.Has(MailKeywords.Seen))
        {
            mailbox.Unseen--;
        }

        mailbox.HighestModSeq = t.ModSeq;
        t.SaveMailbox(mailbox);
        t.Record(ChangeKind.MailboxCounters, mailbox.Id);

        var email = await t.GetEmailAsync(entry.EmailId, cancellationToken).ConfigureAwait(false);
        if (email is null)
        {
            return;
        }

        var at = email.IndexOf(mailbox.Id);
        if (at >= 0)
        {
            email.Mailboxes.RemoveAt(at);
        }

        if (email.Mailboxes.Count > 0)
        {
            t.SaveEmail(email);
            t.Record(ChangeKind.EmailUpdated, email.Id);
            return;
        }

        t.DeleteEmail(email);
        t.Batch.Delete(MailKeys.Thread, MailKeys.ThreadKey(t.AccountId, email.ThreadId, email.Id));
        if (t.IndexesText)
        {
            // Replaces an index marker still pending, so an indexing pass that has not finished learns it is too late.
            t.Batch.Set(MailKeys.FullTextPending, MailKeys.AccountItem(t.AccountId, email.Id), MailIndexer.RemoveMarker);
            t.DestroyedEmails.Add(email.Id);
        }

        t.Head.UsedBytes -= email.Size;
        t.Head.UsedMessages--;
        t.AddBlobReference(email.Blob, -1);
        t.Record(ChangeKind.EmailDestroyed, email.Id);
        t.Record(ChangeKind.ThreadUpdated, email.ThreadId);
    }

    /// <summary>
    /// Gives an email new keywords, rewriting its entry in every mailbox holding it with this change's mod-sequence.
    /// </summary>
    /// <returns>Its new entry in <paramref name="mailboxId"/>, or <see langword="null"/> if it is not there.</returns>
    public static async ValueTask<UidEntry?> SetKeywordsAsync(AccountTransaction t, EmailRecord email, string[] keywords, ulong mailboxId, CancellationToken cancellationToken)
    {
        var wasSeen = Array.BinarySearch(email.Keywords, MailKeywords.Seen, StringComparer.Ordinal) >= 0;
        var isSeen = Array.BinarySearch(keywords, MailKeywords.Seen, StringComparer.Ordinal) >= 0;
        email.Keywords = keywords;
        UidEntry? result = null;
        for (var i = 0; i < email.Mailboxes.Count; i++)
        {
            var membership = email.Mailboxes[i];
            var mailbox = await t.GetMailboxAsync(membership.MailboxId, cancellationToken).ConfigureAwait(false);
            if (mailbox is null)
            {
                continue;
            }

            var entry = new UidEntry(membership.Uid, email.Id, t.ModSeq, keywords, email.InternalDateMs, email.Size);
            t.PutUid(mailbox.Id, entry, membership.ModSeq);
            email.Mailboxes[i] = membership with { ModSeq = t.ModSeq };
            if (wasSeen != isSeen)
            {
                mailbox.Unseen += isSeen ? -1 : 1;
                t.Record(ChangeKind.MailboxCounters, mailbox.Id);
            }

            mailbox.HighestModSeq = t.ModSeq;
            t.SaveMailbox(mailbox);
            if (mailbox.Id == mailboxId)
            {
                result = entry;
            }
        }

        t.SaveEmail(email);
        t.Record(ChangeKind.EmailUpdated, email.Id);
        return result;
    }

    /// <summary>Checks keywords and returns them lower case, sorted, without duplicates.</summary>
    public static string[] NormalizeKeywords(IEnumerable<string>? keywords)
    {
        if (keywords is null)
        {
            return [];
        }

        var set = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var keyword in keywords)
        {
            if (!MailKeywords.IsValid(keyword))
            {
                throw new MailException(MailErrorCode.InvalidKeyword, $"'{keyword}' is not a valid keyword.");
            }

            set.Add(keyword.ToLowerInvariant());
        }

        return [.. set];
    }

    private static EmailRecord NewEmail(AccountTransaction t, ulong id, ulong thread, BlobHash blob, long size, long internalDateMs, string[] keywords, bool addReference, StoredMessage? source)
    {
        var email = new EmailRecord
        {
            Id = id,
            ThreadId = thread,
            Blob = blob,
            Size = size,
            InternalDateMs = internalDateMs,
            Keywords = keywords,
            Mailboxes = [],
        };
        t.Head.UsedBytes += size;
        t.Head.UsedMessages++;
        if (addReference)
        {
            t.AddBlobReference(blob, 1);
        }

        t.SaveEmail(email);
        t.Batch.Set(MailKeys.Thread, MailKeys.ThreadKey(t.AccountId, thread, id), AccountTransaction.Marker);
        if (t.IndexesText)
        {
            // Committed with the email, so a process stopping before the index write leaves it to the catch-up pass.
            t.Batch.Set(MailKeys.FullTextPending, MailKeys.AccountItem(t.AccountId, id), MailIndexer.IndexMarker);
            t.CreatedEmails.Add((email, source));
        }

        t.Record(ChangeKind.EmailCreated, id);
        t.Record(ChangeKind.ThreadUpdated, thread);
        return email;
    }

    /// <summary>
    /// The simple JMAP threading rule: a message whose Message-ID, In-Reply-To or References names a known message
    /// (or one an earlier message referred to) with the same normalized subject joins that message's thread; any other
    /// starts its own. The message ids it refers to that are not known yet are linked to its thread too, so a
    /// message arriving after its reply joins the reply's thread.
    /// </summary>
    private static async ValueTask<ulong> ResolveThreadAsync(AccountTransaction t, MessageEnvelope envelope, ulong emailId, CancellationToken cancellationToken)
    {
        var subject = SubjectHash(envelope.Subject);
        ulong thread = 0;
        var unknown = new List<string>();
        IEnumerable<string> own = string.IsNullOrEmpty(envelope.MessageId) ? [] : [envelope.MessageId];
        foreach (var reference in own.Concat(envelope.InReplyTo).Concat(envelope.References.Reverse()).Distinct(StringComparer.Ordinal).Take(32))
        {
            var value = await t.GetThreadLinkAsync(reference, cancellationToken).ConfigureAwait(false);
            if (value is null)
            {
                unknown.Add(reference);
            }
            else if (thread == 0 && value.Length == 16 && BinaryPrimitives.ReadUInt64BigEndian(value.AsSpan(8)) == subject)
            {
                thread = BinaryPrimitives.ReadUInt64BigEndian(value);
            }
        }

        if (thread == 0)
        {
            thread = emailId;
        }

        var link = new byte[16];
        BinaryPrimitives.WriteUInt64BigEndian(link, thread);
        BinaryPrimitives.WriteUInt64BigEndian(link.AsSpan(8), subject);
        if (!string.IsNullOrEmpty(envelope.MessageId))
        {
            t.SetThreadLink(envelope.MessageId, link);
        }

        foreach (var reference in unknown.Where(r => r != envelope.MessageId))
        {
            t.SetThreadLink(reference, link);
        }

        return thread;
    }

    private static ulong SubjectHash(string? subject)
    {
        Span<byte> hash = stackalloc byte[32];
        SHA256.HashData(Encoding.UTF8.GetBytes(MessageParser.NormalizeSubject(subject)), hash);
        return BinaryPrimitives.ReadUInt64BigEndian(hash);
    }
}
