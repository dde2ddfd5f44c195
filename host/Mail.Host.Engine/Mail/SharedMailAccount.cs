using System.Runtime.CompilerServices;
using Mail.Host.Mail;

namespace Mail.Host.Engine.Mail;

/// <summary>
/// Another account's mail seen by a user (<see cref="MailEngine.OpenSharedAccount"/>): every call reads the user's
/// rights on the mailbox it touches (so a revoked right stops the next call) and is refused with
/// <see cref="MailErrorCode.NotPermitted"/> without it. A mailbox the user may not look up is reported as missing.
/// </summary>
internal sealed class SharedMailAccount(MailEngine engine, MailAccount owner, ulong userAccountId) : IMailAccount
{
    /// <summary>The user's own <c>$seen</c>, or <see langword="null"/> when <c>$seen</c> is shared with the owner.</summary>
    private readonly PrivateSeen? seen = engine.Options.PerUserSeenInSharedMailboxes ? new PrivateSeen(engine, userAccountId, owner.AccountId) : null;

    public ulong AccountId => owner.AccountId;

    public async ValueTask<IReadOnlyList<Mailbox>> GetMailboxesAsync(CancellationToken cancellationToken = default)
    {
        var rights = await RightsMapAsync(cancellationToken).ConfigureAwait(false);
        var result = new List<Mailbox>();
        foreach (var (mailboxId, granted) in rights)
        {
            if ((granted & MailboxRights.Lookup) != 0 && await owner.GetMailboxAsync(mailboxId, cancellationToken).ConfigureAwait(false) is { } mailbox)
            {
                result.Add(await VisibleAsync(mailbox, granted, cancellationToken).ConfigureAwait(false));
            }
        }

        result.Sort((a, b) => string.CompareOrdinal(a.Name, b.Name));
        return result;
    }

    public async ValueTask<Mailbox?> GetMailboxAsync(ulong mailboxId, CancellationToken cancellationToken = default)
    {
        var rights = await RightsAsync(mailboxId, cancellationToken).ConfigureAwait(false);
        return (rights & MailboxRights.Lookup) != 0 && await owner.GetMailboxAsync(mailboxId, cancellationToken).ConfigureAwait(false) is { } mailbox
            ? await VisibleAsync(mailbox, rights, cancellationToken).ConfigureAwait(false)
            : null;
    }

    public async ValueTask<Mailbox?> FindMailboxAsync(string name, CancellationToken cancellationToken = default)
    {
        if (await owner.FindMailboxAsync(name, cancellationToken).ConfigureAwait(false) is not { } mailbox)
        {
            return null;
        }

        var rights = await RightsAsync(mailbox.Id, cancellationToken).ConfigureAwait(false);
        return (rights & MailboxRights.Lookup) != 0 ? await VisibleAsync(mailbox, rights, cancellationToken).ConfigureAwait(false) : null;
    }

    public async ValueTask<Mailbox> CreateMailboxAsync(string name, MailboxRole role = MailboxRole.None, CancellationToken cancellationToken = default)
    {
        await RequireParentRightAsync(name, cancellationToken).ConfigureAwait(false);
        if (role != MailboxRole.None)
        {
            throw NotPermitted("Special-use mailboxes belong to their owner.");
        }

        return Visible(await owner.CreateMailboxAsync(name, MailboxRole.None, cancellationToken).ConfigureAwait(false), MailboxRights.All);
    }

    public async ValueTask<Mailbox> RenameMailboxAsync(ulong mailboxId, string newName, CancellationToken cancellationToken = default)
    {
        var rights = await RequireAsync(mailboxId, MailboxRights.DeleteMailbox, cancellationToken).ConfigureAwait(false);
        await RequireParentRightAsync(newName, cancellationToken).ConfigureAwait(false);
        return Visible(await owner.RenameMailboxAsync(mailboxId, newName, cancellationToken).ConfigureAwait(false), rights);
    }

    public async ValueTask DeleteMailboxAsync(ulong mailboxId, bool removeMessages, CancellationToken cancellationToken = default)
    {
        await RequireAsync(mailboxId, MailboxRights.DeleteMailbox | (removeMessages ? MailboxRights.DeleteMessages | MailboxRights.Expunge : MailboxRights.None), cancellationToken).ConfigureAwait(false);
        await owner.DeleteMailboxAsync(mailboxId, removeMessages, cancellationToken).ConfigureAwait(false);
    }

    public ValueTask SetSubscribedAsync(ulong mailboxId, bool subscribed, CancellationToken cancellationToken = default)
        => throw NotPermitted("Subscriptions to another account's mailboxes are kept by the user, not in the owner's account.");

    public async ValueTask<AppendResult> AppendAsync(ulong mailboxId, Stream message, IReadOnlyCollection<string>? keywords = null, DateTimeOffset? internalDate = null, CancellationToken cancellationToken = default)
    {
        var rights = await RequireAsync(mailboxId, MailboxRights.Insert, cancellationToken).ConfigureAwait(false);
        var allowed = keywords is null ? null : Allowed(keywords, rights);
        var markSeen = seen is not null && allowed is not null && allowed.Remove(MailKeywords.Seen);
        var result = await owner.AppendAsync(mailboxId, message, allowed, internalDate, cancellationToken).ConfigureAwait(false);
        if (markSeen && result.Succeeded)
        {
            // The appending user has seen its own message; the owner has not.
            await seen!.SetAsync(mailboxId, [result.Uid], seen: true, unchangedSince: null, cancellationToken).ConfigureAwait(false);
        }

        return result;
    }

    public async ValueTask<CopyResult> CopyAsync(ulong sourceMailboxId, IReadOnlyCollection<uint> uids, ulong destinationMailboxId, CancellationToken cancellationToken = default)
    {
        await RequireAsync(sourceMailboxId, MailboxRights.Read, cancellationToken).ConfigureAwait(false);
        var rights = await RequireAsync(destinationMailboxId, MailboxRights.Insert, cancellationToken).ConfigureAwait(false);
        var result = await owner.CopyAsync(sourceMailboxId, uids, destinationMailboxId, cancellationToken).ConfigureAwait(false);
        await CarrySeenAsync(sourceMailboxId, destinationMailboxId, rights, result, cancellationToken).ConfigureAwait(false);
        return result;
    }

    public async ValueTask<CopyResult> MoveAsync(ulong sourceMailboxId, IReadOnlyCollection<uint> uids, ulong destinationMailboxId, CancellationToken cancellationToken = default)
    {
        await RequireAsync(sourceMailboxId, MailboxRights.Read | MailboxRights.DeleteMessages | MailboxRights.Expunge, cancellationToken).ConfigureAwait(false);
        var rights = await RequireAsync(destinationMailboxId, MailboxRights.Insert, cancellationToken).ConfigureAwait(false);
        var result = await owner.MoveAsync(sourceMailboxId, uids, destinationMailboxId, cancellationToken).ConfigureAwait(false);
        await CarrySeenAsync(sourceMailboxId, destinationMailboxId, rights, result, cancellationToken).ConfigureAwait(false);
        return result;
    }

    public async ValueTask<KeywordUpdateResult> SetKeywordsAsync(ulong mailboxId, IReadOnlyCollection<uint> uids, KeywordOperation operation, IReadOnlyCollection<string> keywords, ulong? unchangedSince = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(keywords);
        var rights = await RequireAsync(mailboxId, MailboxRights.Read, cancellationToken).ConfigureAwait(false);
        const MailboxRights flagRights = MailboxRights.Seen | MailboxRights.DeleteMessages | MailboxRights.Write;
        if (operation == KeywordOperation.Replace)
        {
            if ((rights & flagRights) != flagRights)
            {
                throw NotPermitted($"Replacing every flag needs the rights {Letters(flagRights & ~rights)} too.");
            }

            return seen is null
                ? await owner.SetKeywordsAsync(mailboxId, uids, operation, keywords, unchangedSince, cancellationToken).ConfigureAwait(false)
                : await SetKeywordsWithOwnSeenAsync(mailboxId, uids, operation, [.. keywords], unchangedSince, cancellationToken).ConfigureAwait(false);
        }

        // RFC 4314 §4: a change is refused only when no flag in it may be changed; the others are left out silently.
        var allowed = Allowed(keywords, rights);
        if (allowed.Count == 0 && keywords.Count > 0)
        {
            throw NotPermitted($"Changing these flags needs the rights {Letters(Needed(keywords) & ~rights)}.");
        }

        return seen is null
            ? await owner.SetKeywordsAsync(mailboxId, uids, operation, allowed, unchangedSince, cancellationToken).ConfigureAwait(false)
            : await SetKeywordsWithOwnSeenAsync(mailboxId, uids, operation, allowed, unchangedSince, cancellationToken).ConfigureAwait(false);
    }

    public async ValueTask<IReadOnlyList<uint>> ExpungeAsync(ulong mailboxId, IReadOnlyCollection<uint>? uids = null, CancellationToken cancellationToken = default)
    {
        await RequireAsync(mailboxId, MailboxRights.Expunge, cancellationToken).ConfigureAwait(false);
        return await owner.ExpungeAsync(mailboxId, uids, cancellationToken).ConfigureAwait(false);
    }

    public async ValueTask<IReadOnlyList<uint>> RemoveFromMailboxAsync(ulong mailboxId, IReadOnlyCollection<uint> uids, CancellationToken cancellationToken = default)
    {
        await RequireAsync(mailboxId, MailboxRights.DeleteMessages | MailboxRights.Expunge, cancellationToken).ConfigureAwait(false);
        return await owner.RemoveFromMailboxAsync(mailboxId, uids, cancellationToken).ConfigureAwait(false);
    }

    public async IAsyncEnumerable<MailboxMessage> GetMessagesAsync(ulong mailboxId, uint firstUid = 1, uint lastUid = uint.MaxValue, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        await RequireAsync(mailboxId, MailboxRights.Read, cancellationToken).ConfigureAwait(false);
        var mine = seen is null ? null : await seen.SetOfAsync(mailboxId, firstUid, lastUid, cancellationToken).ConfigureAwait(false);
        await foreach (var message in owner.GetMessagesAsync(mailboxId, firstUid, lastUid, cancellationToken).ConfigureAwait(false))
        {
            yield return mine is null ? message : PrivateSeen.Merge(message, mine.Contains(message.Uid));
        }
    }

    public async ValueTask<IReadOnlyList<MailboxMessage>> GetChangedMessagesAsync(ulong mailboxId, ulong sinceModSeq, CancellationToken cancellationToken = default)
    {
        await RequireAsync(mailboxId, MailboxRights.Read, cancellationToken).ConfigureAwait(false);
        var changed = await owner.GetChangedMessagesAsync(mailboxId, sinceModSeq, cancellationToken).ConfigureAwait(false);
        return seen is null ? changed : await seen.MergeAsync(mailboxId, changed, cancellationToken).ConfigureAwait(false);
    }

    public async ValueTask<ExpungedMessages> GetExpungedAsync(ulong mailboxId, ulong sinceModSeq, CancellationToken cancellationToken = default)
    {
        await RequireAsync(mailboxId, MailboxRights.Read, cancellationToken).ConfigureAwait(false);
        return await owner.GetExpungedAsync(mailboxId, sinceModSeq, cancellationToken).ConfigureAwait(false);
    }

    public async ValueTask<IReadOnlyList<Email>> GetEmailsAsync(IReadOnlyCollection<ulong> emailIds, CancellationToken cancellationToken = default)
    {
        var emails = await owner.GetEmailsAsync(emailIds, cancellationToken).ConfigureAwait(false);
        if (emails.Count == 0)
        {
            return emails;
        }

        var rights = await RightsMapAsync(cancellationToken).ConfigureAwait(false);
        var result = new List<Email>(emails.Count);
        foreach (var email in emails)
        {
            var readable = email.Mailboxes.Where(m => rights.TryGetValue(m.MailboxId, out var r) && (r & MailboxRights.Read) != 0).ToList();
            if (readable.Count > 0)
            {
                var visible = readable.Count == email.Mailboxes.Count ? email : email with { Mailboxes = readable };
                result.Add(seen is null ? visible : visible with { Keywords = PrivateSeen.WithSeen(visible.Keywords, await seen.SeenAnyAsync(readable, cancellationToken).ConfigureAwait(false)) });
            }
        }

        return result;
    }

    public async ValueTask<IReadOnlyList<ulong>> QueryEmailsAsync(MailFilter? filter, IReadOnlyList<MailSort>? sort = null, bool collapseThreads = false, CancellationToken cancellationToken = default)
    {
        var found = await owner.QueryEmailsAsync(filter, sort, collapseThreads, cancellationToken).ConfigureAwait(false);
        return await ReadableAsync(found, cancellationToken).ConfigureAwait(false);
    }

    public async ValueTask<IReadOnlyList<uint>> SearchMailboxAsync(ulong mailboxId, MailFilter? filter, IReadOnlyList<MailSort>? sort = null, CancellationToken cancellationToken = default)
    {
        await RequireAsync(mailboxId, MailboxRights.Read, cancellationToken).ConfigureAwait(false);
        if (seen is not null && filter is not null && PrivateSeen.AsksSeen(filter))
        {
            filter = PrivateSeen.Rewrite(filter, await seen.SetOfAsync(mailboxId, cancellationToken).ConfigureAwait(false));
        }

        return await owner.SearchMailboxAsync(mailboxId, filter, sort, cancellationToken).ConfigureAwait(false);
    }

    public async ValueTask<IReadOnlyList<ulong>> GetThreadAsync(ulong threadId, CancellationToken cancellationToken = default)
        => await ReadableAsync(await owner.GetThreadAsync(threadId, cancellationToken).ConfigureAwait(false), cancellationToken).ConfigureAwait(false);

    public async ValueTask<Stream?> OpenMessageAsync(ulong emailId, CancellationToken cancellationToken = default)
        => await IsReadableAsync(emailId, cancellationToken).ConfigureAwait(false)
            ? await owner.OpenMessageAsync(emailId, cancellationToken).ConfigureAwait(false)
            : null;

    public async ValueTask<byte[]?> ReadMessageAsync(ulong emailId, long offset, int length, CancellationToken cancellationToken = default)
        => await IsReadableAsync(emailId, cancellationToken).ConfigureAwait(false)
            ? await owner.ReadMessageAsync(emailId, offset, length, cancellationToken).ConfigureAwait(false)
            : null;

    public ValueTask<string> GetStateAsync(CancellationToken cancellationToken = default) => owner.GetStateAsync(cancellationToken);

    public ValueTask<MailChanges> GetChangesAsync(string sinceState, int maxChanges = int.MaxValue, CancellationToken cancellationToken = default)
        => throw NotPermitted("The change log of another account is not shared.");

    public ValueTask<MailQuotaUsage> GetQuotaAsync(CancellationToken cancellationToken = default) => owner.GetQuotaAsync(cancellationToken);

    public ValueTask SetQuotaAsync(MailQuota quota, CancellationToken cancellationToken = default)
        => throw NotPermitted("Only the owner's directory entry sets its quota.");

    public async ValueTask<IReadOnlyList<MailboxAccessEntry>> GetAclAsync(ulong mailboxId, CancellationToken cancellationToken = default)
    {
        await RequireAsync(mailboxId, MailboxRights.Administer, cancellationToken).ConfigureAwait(false);
        return await owner.GetAclAsync(mailboxId, cancellationToken).ConfigureAwait(false);
    }

    public async ValueTask SetAclAsync(ulong mailboxId, string identifier, MailboxRights rights, CancellationToken cancellationToken = default)
    {
        await RequireAsync(mailboxId, MailboxRights.Administer, cancellationToken).ConfigureAwait(false);
        await owner.SetAclAsync(mailboxId, identifier, rights, cancellationToken).ConfigureAwait(false);
    }

    public ValueTask DeleteAclAsync(ulong mailboxId, string identifier, CancellationToken cancellationToken = default)
        => SetAclAsync(mailboxId, identifier, MailboxRights.None, cancellationToken);

    public async ValueTask<MailboxRights> GetMyRightsAsync(ulong mailboxId, CancellationToken cancellationToken = default)
    {
        var rights = await RightsAsync(mailboxId, cancellationToken).ConfigureAwait(false);
        return rights == MailboxRights.None || await owner.GetMailboxAsync(mailboxId, cancellationToken).ConfigureAwait(false) is null
            ? throw new MailException(MailErrorCode.MailboxNotFound, $"There is no mailbox {mailboxId}.")
            : rights;
    }

    public ValueTask<IReadOnlyList<SharedMailbox>> GetSharedMailboxesAsync(CancellationToken cancellationToken = default)
        => new MailAccount(engine, userAccountId).GetSharedMailboxesAsync(cancellationToken);

    public async ValueTask<IReadOnlyList<MetadataEntry>> GetMetadataAsync(ulong? mailboxId, CancellationToken cancellationToken = default)
    {
        if (mailboxId is not { } id)
        {
            return await new MailAccount(engine, userAccountId).GetMetadataAsync(null, cancellationToken).ConfigureAwait(false);
        }

        await RequireAsync(id, MailboxRights.Lookup | MailboxRights.Read, cancellationToken).ConfigureAwait(false);
        return await engine.Access.GetMetadataAsync(owner.AccountId, id, userAccountId, cancellationToken).ConfigureAwait(false);
    }

    public async ValueTask SetMetadataAsync(ulong? mailboxId, IReadOnlyList<MetadataEntry> entries, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(entries);
        if (mailboxId is not { } id)
        {
            await new MailAccount(engine, userAccountId).SetMetadataAsync(null, entries, cancellationToken).ConfigureAwait(false);
            return;
        }

        var needed = MailboxRights.Lookup | MailboxRights.Read | (entries.Any(e => MailAccess.IsShared(e.Name)) ? MailboxRights.Write : MailboxRights.None);
        await RequireAsync(id, needed, cancellationToken).ConfigureAwait(false);
        await engine.Access.SetMetadataAsync(owner.AccountId, id, userAccountId, entries, cancellationToken).ConfigureAwait(false);
    }

    private static MailException NotPermitted(string message) => new(MailErrorCode.NotPermitted, message);

    /// <summary>
    /// A keyword change with the user's own <c>$seen</c>: <c>$seen</c> goes to the user's marks, the other keywords
    /// to the owner's message (a replacement keeps the owner's <c>$seen</c> as it is); the messages changed by either
    /// are reported as the user sees them.
    /// </summary>
    private async ValueTask<KeywordUpdateResult> SetKeywordsWithOwnSeenAsync(ulong mailboxId, IReadOnlyCollection<uint> uids, KeywordOperation operation, List<string> keywords, ulong? unchangedSince, CancellationToken cancellationToken)
    {
        var normalized = keywords.Select(k => k.ToLowerInvariant()).ToList();
        var touchesSeen = operation == KeywordOperation.Replace || normalized.Contains(MailKeywords.Seen);
        var others = normalized.Where(k => k != MailKeywords.Seen).ToList();
        var changed = new SortedSet<uint>();
        var refused = new SortedSet<uint>();
        if (operation == KeywordOperation.Replace)
        {
            // The owner's $seen stays as it is: the messages are replaced in two groups, seen by the owner or not.
            var wanted = uids.ToHashSet();
            var ownerSeen = new List<uint>();
            var ownerUnseen = new List<uint>();
            if (wanted.Count > 0)
            {
                await foreach (var message in owner.GetMessagesAsync(mailboxId, wanted.Min(), wanted.Max(), cancellationToken).ConfigureAwait(false))
                {
                    if (wanted.Contains(message.Uid))
                    {
                        (message.Keywords.Contains(MailKeywords.Seen, StringComparer.Ordinal) ? ownerSeen : ownerUnseen).Add(message.Uid);
                    }
                }
            }

            foreach (var (group, keep) in new[] { (ownerSeen, true), (ownerUnseen, false) })
            {
                if (group.Count > 0)
                {
                    var result = await owner.SetKeywordsAsync(mailboxId, group, operation, keep ? [.. others, MailKeywords.Seen] : others, unchangedSince, cancellationToken).ConfigureAwait(false);
                    changed.UnionWith(result.Updated.Select(m => m.Uid));
                    refused.UnionWith(result.Modified);
                }
            }
        }
        else if (others.Count > 0)
        {
            var result = await owner.SetKeywordsAsync(mailboxId, uids, operation, others, unchangedSince, cancellationToken).ConfigureAwait(false);
            changed.UnionWith(result.Updated.Select(m => m.Uid));
            refused.UnionWith(result.Modified);
        }

        if (touchesSeen)
        {
            var mark = operation != KeywordOperation.Remove && normalized.Contains(MailKeywords.Seen);
            // A message the owner's keywords just changed has a new mod-sequence; UNCHANGEDSINCE was checked on it.
            var pending = uids.Where(u => !refused.Contains(u)).ToList();
            foreach (var (part, since) in new[] { (pending.Where(changed.Contains).ToList(), (ulong?)null), (pending.Where(u => !changed.Contains(u)).ToList(), unchangedSince) })
            {
                if (part.Count > 0)
                {
                    var own = await seen!.SetAsync(mailboxId, part, mark, since, cancellationToken).ConfigureAwait(false);
                    changed.UnionWith(own.Changed);
                    refused.UnionWith(own.Refused);
                }
            }
        }

        var updated = new List<MailboxMessage>();
        if (changed.Count > 0)
        {
            var mine = await seen!.SetOfAsync(mailboxId, changed.Min, changed.Max, cancellationToken).ConfigureAwait(false);
            await foreach (var message in owner.GetMessagesAsync(mailboxId, changed.Min, changed.Max, cancellationToken).ConfigureAwait(false))
            {
                if (changed.Contains(message.Uid))
                {
                    updated.Add(PrivateSeen.Merge(message, mine.Contains(message.Uid)));
                }
            }
        }

        return new KeywordUpdateResult { Updated = updated, Modified = [.. refused] };
    }

    /// <summary>
    /// After a copy or move within the owner's account: the user's own <c>$seen</c> goes with the messages, as the
    /// owner's keywords do, where the user may keep it (the right s on the destination).
    /// </summary>
    private async ValueTask CarrySeenAsync(ulong sourceMailboxId, ulong destinationMailboxId, MailboxRights destinationRights, CopyResult result, CancellationToken cancellationToken)
    {
        if (seen is null || (destinationRights & MailboxRights.Seen) == 0 || result.SourceUids.Count == 0 || result.SourceUids.Count != result.DestinationUids.Count)
        {
            return;
        }

        var marks = await seen.SetOfAsync(sourceMailboxId, result.SourceUids.Min(), result.SourceUids.Max(), cancellationToken).ConfigureAwait(false);
        var carried = result.SourceUids.Select((uid, i) => (uid, i)).Where(p => marks.Contains(p.uid)).Select(p => result.DestinationUids[p.i]).ToList();
        if (carried.Count > 0)
        {
            await seen.SetAsync(destinationMailboxId, carried, seen: true, unchangedSince: null, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>The mailbox as the user sees it, its unseen count by the user's own <c>$seen</c>.</summary>
    private async ValueTask<Mailbox> VisibleAsync(Mailbox mailbox, MailboxRights rights, CancellationToken cancellationToken)
    {
        var visible = Visible(mailbox, rights);
        return seen is not null && (rights & MailboxRights.Read) != 0
            ? visible with { UnseenMessages = await seen.UnseenAsync(owner, mailbox, cancellationToken).ConfigureAwait(false) }
            : visible;
    }

    /// <summary>The mailbox as the user sees it: the owner's subscription is not the user's, and its counters need the right r (RFC 4314 §4, STATUS).</summary>
    private static Mailbox Visible(Mailbox mailbox, MailboxRights rights)
        => (rights & MailboxRights.Read) != 0
            ? mailbox with { IsSubscribed = false }
            : mailbox with { IsSubscribed = false, TotalMessages = 0, UnseenMessages = 0, Size = 0 };

    private static MailboxRights Needed(IReadOnlyCollection<string> keywords)
    {
        var needed = MailboxRights.None;
        foreach (var keyword in keywords)
        {
            needed |= RightFor(keyword);
        }

        return needed;
    }

    private static MailboxRights RightFor(string keyword)
    {
        var normalized = keyword.ToLowerInvariant();
        return normalized == MailKeywords.Seen ? MailboxRights.Seen
            : normalized == MailKeywords.Deleted ? MailboxRights.DeleteMessages
            : MailboxRights.Write;
    }

    /// <summary>The keywords an APPEND may set: RFC 4314 §4 drops those the user may not set instead of refusing the message.</summary>
    private static List<string> Allowed(IReadOnlyCollection<string> keywords, MailboxRights rights)
        => [.. keywords.Where(k => (rights & RightFor(k)) != 0)];

    private static string Letters(MailboxRights rights)
    {
        const string letters = "lrswipkxtea";
        var builder = new System.Text.StringBuilder();
        for (var i = 0; i < letters.Length; i++)
        {
            if (((int)rights & (1 << i)) != 0)
            {
                builder.Append(letters[i]);
            }
        }

        return builder.ToString();
    }

    private ValueTask<MailboxRights> RightsAsync(ulong mailboxId, CancellationToken cancellationToken)
        => engine.Access.RightsAsync(owner.AccountId, mailboxId, userAccountId, cancellationToken);

    private ValueTask<Dictionary<ulong, MailboxRights>> RightsMapAsync(CancellationToken cancellationToken)
        => engine.Access.RightsMapAsync(owner.AccountId, userAccountId, cancellationToken);

    private async ValueTask<MailboxRights> RequireAsync(ulong mailboxId, MailboxRights needed, CancellationToken cancellationToken)
    {
        var rights = await RightsAsync(mailboxId, cancellationToken).ConfigureAwait(false);
        if ((rights & MailboxRights.Lookup) == 0 && (rights & needed) != needed)
        {
            // A mailbox the user may not even look up does not exist for it (RFC 4314 §4).
            throw new MailException(MailErrorCode.MailboxNotFound, $"There is no mailbox {mailboxId}.");
        }

        if ((rights & needed) != needed)
        {
            throw NotPermitted($"This needs the rights {Letters(needed & ~rights)} on the mailbox.");
        }

        return rights;
    }

    private async ValueTask RequireParentRightAsync(string name, CancellationToken cancellationToken)
    {
        var canonical = engine.Names.Canonical(name);
        if (engine.Names.Parent(canonical) is not { } parentName
            || await owner.FindMailboxAsync(parentName, cancellationToken).ConfigureAwait(false) is not { } parent)
        {
            throw NotPermitted("Mailboxes are created in another account only below a mailbox that grants the right k.");
        }

        await RequireAsync(parent.Id, MailboxRights.CreateMailbox, cancellationToken).ConfigureAwait(false);
    }

    private async ValueTask<bool> IsReadableAsync(ulong emailId, CancellationToken cancellationToken)
    {
        if (await owner.MailboxesOfAsync(emailId, cancellationToken).ConfigureAwait(false) is not { } mailboxes)
        {
            return false;
        }

        foreach (var mailboxId in mailboxes)
        {
            if ((await RightsAsync(mailboxId, cancellationToken).ConfigureAwait(false) & MailboxRights.Read) != 0)
            {
                return true;
            }
        }

        return false;
    }

    private async ValueTask<IReadOnlyList<ulong>> ReadableAsync(IReadOnlyList<ulong> emailIds, CancellationToken cancellationToken)
    {
        if (emailIds.Count == 0)
        {
            return emailIds;
        }

        var readable = (await GetEmailsAsync(emailIds, cancellationToken).ConfigureAwait(false)).Select(e => e.Id).ToHashSet();
        return [.. emailIds.Where(readable.Contains)];
    }
}
