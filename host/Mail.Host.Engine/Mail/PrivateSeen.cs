using Mail.Host.Mail;
using Mail.Host.Storage;

namespace Mail.Host.Engine.Mail;

/// <summary>
/// One reader's own <c>$seen</c> state in another account's mailboxes (RFC 4314 §4 lets <c>\Seen</c> be kept per
/// user). The reader's marks live in <see cref="AccessKeys.Seen"/> under the reader; what the reader is shown is the
/// owner's message with the owner's <c>$seen</c> replaced by the reader's. A change of the reader's mark is written in
/// one transaction of the owner's account that also gives the message a new mod-sequence, so every session watching
/// the mailbox hears of it through the owner's notifications and finds the message among the changed ones; for the
/// owner and the other readers its keywords are unchanged.
/// </summary>
internal sealed class PrivateSeen(MailEngine engine, ulong reader, ulong owner)
{
    /// <summary>Up to this many messages are looked up one by one; more read the reader's whole set for the mailbox.</summary>
    private const int PointReads = 64;

    /// <summary>The most unseen counts kept per engine before they are all dropped.</summary>
    private const int MaxUnseenCounts = 100_000;

    private static readonly System.Runtime.CompilerServices.ConditionalWeakTable<MailEngine, System.Collections.Concurrent.ConcurrentDictionary<(ulong Reader, ulong Owner, ulong Mailbox), (ulong ModSeq, long Unseen)>> UnseenCounts = new();

    private IDataStore Data => engine.Data;

    /// <summary>The UIDs the reader has seen in a mailbox.</summary>
    public async ValueTask<HashSet<uint>> SetOfAsync(ulong mailboxId, CancellationToken cancellationToken)
    {
        var set = new HashSet<uint>();
        var prefix = AccessKeys.Three(reader, owner, mailboxId);
        await foreach (var entry in Data.ScanAsync(AccessKeys.Seen, KeyRange.Prefix(prefix), cancellationToken).ConfigureAwait(false))
        {
            set.Add(AccessKeys.SeenUidOf(entry.Key));
        }

        return set;
    }

    /// <summary>The UIDs from <paramref name="firstUid"/> to <paramref name="lastUid"/> the reader has seen in a mailbox.</summary>
    public async ValueTask<HashSet<uint>> SetOfAsync(ulong mailboxId, uint firstUid, uint lastUid, CancellationToken cancellationToken)
    {
        if (firstUid <= 1 && lastUid == uint.MaxValue)
        {
            return await SetOfAsync(mailboxId, cancellationToken).ConfigureAwait(false);
        }

        var set = new HashSet<uint>();
        if (firstUid > lastUid)
        {
            return set;
        }

        var end = lastUid == uint.MaxValue ? KeyRange.PrefixEnd(AccessKeys.Three(reader, owner, mailboxId)) : AccessKeys.SeenKey(reader, owner, mailboxId, lastUid + 1);
        await foreach (var entry in Data.ScanAsync(AccessKeys.Seen, new KeyRange(AccessKeys.SeenKey(reader, owner, mailboxId, firstUid), end), cancellationToken).ConfigureAwait(false))
        {
            set.Add(AccessKeys.SeenUidOf(entry.Key));
        }

        return set;
    }

    /// <summary>Whether the reader has seen an email in any of the given mailboxes.</summary>
    public async ValueTask<bool> SeenAnyAsync(IEnumerable<EmailMembership> memberships, CancellationToken cancellationToken)
    {
        foreach (var membership in memberships)
        {
            if (await Data.GetAsync(AccessKeys.Seen, AccessKeys.SeenKey(reader, owner, membership.MailboxId, membership.Uid), cancellationToken).ConfigureAwait(false) is not null)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>The messages as the reader sees them.</summary>
    public async ValueTask<IReadOnlyList<MailboxMessage>> MergeAsync(ulong mailboxId, IReadOnlyList<MailboxMessage> messages, CancellationToken cancellationToken)
    {
        if (messages.Count == 0)
        {
            return messages;
        }

        Func<uint, bool> seen;
        if (messages.Count <= PointReads)
        {
            var found = new HashSet<uint>();
            foreach (var message in messages)
            {
                if (await Data.GetAsync(AccessKeys.Seen, AccessKeys.SeenKey(reader, owner, mailboxId, message.Uid), cancellationToken).ConfigureAwait(false) is not null)
                {
                    found.Add(message.Uid);
                }
            }

            seen = found.Contains;
        }
        else
        {
            seen = (await SetOfAsync(mailboxId, cancellationToken).ConfigureAwait(false)).Contains;
        }

        return [.. messages.Select(m => Merge(m, seen(m.Uid)))];
    }

    /// <summary>A message with the reader's <c>$seen</c> in place of the owner's.</summary>
    public static MailboxMessage Merge(MailboxMessage message, bool seen) => message with { Keywords = WithSeen(message.Keywords, seen) };

    /// <summary>Keywords (lower case, in ordinal order) with <c>$seen</c> set or cleared, order kept.</summary>
    public static IReadOnlyList<string> WithSeen(IReadOnlyList<string> keywords, bool seen)
    {
        var has = keywords.Contains(MailKeywords.Seen, StringComparer.Ordinal);
        if (has == seen)
        {
            return keywords;
        }

        var list = keywords.Where(k => k != MailKeywords.Seen).ToList();
        if (seen)
        {
            var index = list.BinarySearch(MailKeywords.Seen, StringComparer.Ordinal);
            list.Insert(~index, MailKeywords.Seen);
        }

        return list;
    }

    /// <summary>
    /// How many messages of a mailbox the reader has not seen. Counting reads the mailbox, so the count is kept per
    /// engine with the mailbox's HIGHESTMODSEQ: every change to the mailbox, the reader's marks included, moves it.
    /// </summary>
    public async ValueTask<long> UnseenAsync(MailAccount ownerAccount, Mailbox mailbox, CancellationToken cancellationToken)
    {
        var counts = UnseenCounts.GetOrCreateValue(engine);
        var key = (reader, owner, mailbox.Id);
        if (counts.TryGetValue(key, out var known) && known.ModSeq == mailbox.HighestModSeq)
        {
            return known.Unseen;
        }

        var seen = await SetOfAsync(mailbox.Id, cancellationToken).ConfigureAwait(false);
        var unseen = 0L;
        await foreach (var message in ownerAccount.GetMessagesAsync(mailbox.Id, cancellationToken: cancellationToken).ConfigureAwait(false))
        {
            if (!seen.Contains(message.Uid))
            {
                unseen++;
            }
        }

        if (counts.Count >= MaxUnseenCounts)
        {
            counts.Clear();
        }

        counts[key] = (mailbox.HighestModSeq, unseen);
        return unseen;
    }

    /// <summary>
    /// Sets or clears the reader's mark on messages, giving each changed message a new mod-sequence in the owner's
    /// account; with <paramref name="unchangedSince"/> a message changed after it is left alone and reported.
    /// </summary>
    /// <returns>The UIDs changed and the UIDs refused by <paramref name="unchangedSince"/>, ascending.</returns>
    public async ValueTask<(List<uint> Changed, List<uint> Refused)> SetAsync(ulong mailboxId, IReadOnlyCollection<uint> uids, bool seen, ulong? unchangedSince, CancellationToken cancellationToken)
    {
        var changed = new List<uint>();
        var refused = new List<uint>();
        foreach (var chunk in uids.Distinct().Order().Chunk(engine.Options.MaxMessagesPerCommit))
        {
            var (chunkChanged, chunkRefused) = await engine.WriteAsync(
                owner,
                create: false,
                async t =>
                {
                    var mailbox = await t.RequireMailboxAsync(mailboxId, cancellationToken).ConfigureAwait(false);
                    var done = new List<uint>();
                    var modified = new List<uint>();
                    foreach (var uid in chunk)
                    {
                        if (await t.GetUidAsync(mailboxId, uid, cancellationToken).ConfigureAwait(false) is not { } entry)
                        {
                            continue;
                        }

                        if (unchangedSince is { } since && entry.ModSeq > since)
                        {
                            modified.Add(uid);
                            continue;
                        }

                        var key = AccessKeys.SeenKey(reader, owner, mailboxId, uid);
                        var had = await Data.GetAsync(AccessKeys.Seen, key, cancellationToken).ConfigureAwait(false) is not null;
                        if (had == seen || await t.GetEmailAsync(entry.EmailId, cancellationToken).ConfigureAwait(false) is not { } email)
                        {
                            continue;
                        }

                        if (seen)
                        {
                            t.Batch.Set(AccessKeys.Seen, key, AccountTransaction.Marker.ToArray());
                        }
                        else
                        {
                            t.Batch.Delete(AccessKeys.Seen, key);
                        }

                        // The owner's keywords stay; the new mod-sequence is what tells the watchers to look again.
                        t.PutUid(mailboxId, entry with { ModSeq = t.ModSeq }, entry.ModSeq);
                        var index = email.IndexOf(mailboxId);
                        if (index >= 0)
                        {
                            email.Mailboxes[index] = email.Mailboxes[index] with { ModSeq = t.ModSeq };
                            t.SaveEmail(email);
                        }

                        t.Record(ChangeKind.EmailUpdated, email.Id);
                        done.Add(uid);
                    }

                    if (done.Count > 0)
                    {
                        mailbox.HighestModSeq = t.ModSeq;
                        t.SaveMailbox(mailbox);
                    }

                    return (done, modified);
                },
                cancellationToken).ConfigureAwait(false);
            changed.AddRange(chunkChanged);
            refused.AddRange(chunkRefused);
        }

        return (changed, refused);
    }

    /// <summary>A search filter with every "has <c>$seen</c>" replaced by the UIDs the reader has seen.</summary>
    public static MailFilter Rewrite(MailFilter filter, IReadOnlySet<uint> seen) => filter switch
    {
        MailFilter.HasKeyword k when k.Keyword.Equals(MailKeywords.Seen, StringComparison.OrdinalIgnoreCase) => new MailFilter.Uids(Ranges(seen)),
        MailFilter.And and => new MailFilter.And([.. and.Operands.Select(o => Rewrite(o, seen))]),
        MailFilter.Or or => new MailFilter.Or([.. or.Operands.Select(o => Rewrite(o, seen))]),
        MailFilter.Not not => new MailFilter.Not(Rewrite(not.Operand, seen)),
        _ => filter,
    };

    /// <summary>Whether a filter asks about <c>$seen</c> anywhere.</summary>
    public static bool AsksSeen(MailFilter? filter) => filter switch
    {
        MailFilter.HasKeyword k => k.Keyword.Equals(MailKeywords.Seen, StringComparison.OrdinalIgnoreCase),
        MailFilter.And and => and.Operands.Any(AsksSeen),
        MailFilter.Or or => or.Operands.Any(AsksSeen),
        MailFilter.Not not => AsksSeen(not.Operand),
        _ => false,
    };

    private static List<UidRange> Ranges(IReadOnlySet<uint> uids)
    {
        var ranges = new List<UidRange>();
        foreach (var uid in uids.Order())
        {
            if (ranges.Count > 0 && ranges[^1].Last + 1 == uid)
            {
                ranges[^1] = ranges[^1] with { Last = uid };
            }
            else
            {
                ranges.Add(new UidRange(uid, uid));
            }
        }

        // UID 0 is never given to a message: an empty set matches nothing.
        return ranges.Count > 0 ? ranges : [new UidRange(0, 0)];
    }
}
