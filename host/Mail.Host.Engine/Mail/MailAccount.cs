using System.Globalization;
using System.Runtime.CompilerServices;
using Mail.Host.Mail;
using Mail.Host.Storage;

namespace Mail.Host.Engine.Mail;

/// <summary>One account's mail: every key it reads or writes starts with its account id.</summary>
internal sealed partial class MailAccount(MailEngine engine, ulong accountId) : IMailAccount
{
    public ulong AccountId { get; } = accountId;

    private IDataStore Data => engine.Data;

    public async ValueTask<IReadOnlyList<Mailbox>> GetMailboxesAsync(CancellationToken cancellationToken = default)
    {
        await engine.EnsureAccountAsync(AccountId, cancellationToken).ConfigureAwait(false);
        var result = new List<Mailbox>();
        await foreach (var entry in Data.ScanAsync(MailKeys.Mailbox, KeyRange.Prefix(MailKeys.Account(AccountId)), cancellationToken).ConfigureAwait(false))
        {
            result.Add(MailboxRecord.Decode(MailKeys.SecondOf(entry.Key), entry.Value).ToMailbox());
        }

        result.Sort((a, b) => string.CompareOrdinal(a.Name, b.Name));
        return result;
    }

    public async ValueTask<Mailbox?> GetMailboxAsync(ulong mailboxId, CancellationToken cancellationToken = default)
        => (await ReadMailboxAsync(mailboxId, cancellationToken).ConfigureAwait(false))?.ToMailbox();

    public async ValueTask<Mailbox?> FindMailboxAsync(string name, CancellationToken cancellationToken = default)
    {
        string canonical;
        try
        {
            canonical = engine.Names.Canonical(name);
        }
        catch (MailException)
        {
            return null;
        }

        await engine.EnsureAccountAsync(AccountId, cancellationToken).ConfigureAwait(false);
        var id = await Data.GetAsync(MailKeys.MailboxName, MailKeys.MailboxNameKey(AccountId, canonical), cancellationToken).ConfigureAwait(false);
        return id is null ? null : await GetMailboxAsync(MailKeys.FirstOf(id), cancellationToken).ConfigureAwait(false);
    }

    public async ValueTask<Mailbox> CreateMailboxAsync(string name, MailboxRole role = MailboxRole.None, CancellationToken cancellationToken = default)
    {
        var canonical = engine.Names.Canonical(name);
        var created = await engine.WriteAsync(
            AccountId,
            create: true,
            async t =>
            {
                if (role != MailboxRole.None && await MailOperations.FindByRoleAsync(engine, t, role, cancellationToken).ConfigureAwait(false) is { } holder)
                {
                    throw new MailException(MailErrorCode.RoleInUse, $"The mailbox '{holder.Name}' already has the role {role}.");
                }

                return await MailOperations.CreateMailboxAsync(engine, t, canonical, role, subscribed: true, cancellationToken).ConfigureAwait(false);
            },
            cancellationToken).ConfigureAwait(false);
        return created.ToMailbox();
    }

    public async ValueTask<Mailbox> RenameMailboxAsync(ulong mailboxId, string newName, CancellationToken cancellationToken = default)
    {
        var canonical = engine.Names.Canonical(newName);
        var names = engine.Names;
        var source = await ReadMailboxAsync(mailboxId, cancellationToken).ConfigureAwait(false)
            ?? throw NotFound(mailboxId);
        if (source.Name == MailboxNames.Inbox)
        {
            return await RenameInboxAsync(source, canonical, cancellationToken).ConfigureAwait(false);
        }

        if (canonical == MailboxNames.Inbox || canonical.StartsWith(names.ChildPrefix(source.Name), StringComparison.Ordinal))
        {
            throw new MailException(MailErrorCode.InvalidMailboxName, $"'{source.Name}' cannot be renamed to '{canonical}'.");
        }

        var renamed = await engine.WriteAsync(
            AccountId,
            create: false,
            async t =>
            {
                var mailbox = await t.RequireMailboxAsync(mailboxId, cancellationToken).ConfigureAwait(false);
                if (mailbox.Name == canonical)
                {
                    return mailbox;
                }

                if (await t.FindMailboxIdAsync(canonical, cancellationToken).ConfigureAwait(false) is not null)
                {
                    throw new MailException(MailErrorCode.MailboxAlreadyExists, $"The mailbox '{canonical}' already exists.");
                }

                // Descendants are found before anything moves, by the old prefix.
                var oldName = mailbox.Name;
                var oldPrefix = names.ChildPrefix(oldName);
                var descendants = new List<ulong>();
                var prefixKey = MailKeys.MailboxNameKey(AccountId, oldPrefix);
                await foreach (var entry in Data.ScanAsync(MailKeys.MailboxName, KeyRange.Prefix(prefixKey), cancellationToken).ConfigureAwait(false))
                {
                    descendants.Add(MailKeys.FirstOf(entry.Value));
                }

                t.SetName(oldName, null);
                ulong parentId = 0;
                if (names.Parent(canonical) is { } parentName)
                {
                    parentId = await t.FindMailboxIdAsync(parentName, cancellationToken).ConfigureAwait(false)
                        ?? (await MailOperations.CreateMailboxAsync(engine, t, parentName, MailboxRole.None, subscribed: false, cancellationToken).ConfigureAwait(false)).Id;
                }

                mailbox.Name = canonical;
                mailbox.ParentId = parentId;
                t.SetName(canonical, mailbox.Id);
                t.SaveMailbox(mailbox);
                t.Record(ChangeKind.MailboxUpdated, mailbox.Id);

                foreach (var id in descendants)
                {
                    if (await t.GetMailboxAsync(id, cancellationToken).ConfigureAwait(false) is not { } child)
                    {
                        continue;
                    }

                    if (await t.FindMailboxIdAsync(child.Name, cancellationToken).ConfigureAwait(false) == child.Id)
                    {
                        t.SetName(child.Name, null);
                    }

                    child.Name = names.ChildPrefix(canonical) + child.Name[oldPrefix.Length..];
                    t.SetName(child.Name, child.Id);
                    t.SaveMailbox(child);
                    t.Record(ChangeKind.MailboxUpdated, child.Id);
                }

                return mailbox;
            },
            cancellationToken).ConfigureAwait(false);
        return renamed.ToMailbox();
    }

    public async ValueTask DeleteMailboxAsync(ulong mailboxId, bool removeMessages, CancellationToken cancellationToken = default)
    {
        var mailbox = await ReadMailboxAsync(mailboxId, cancellationToken).ConfigureAwait(false)
            ?? throw NotFound(mailboxId);
        if (mailbox.Name == MailboxNames.Inbox || mailbox.Role == MailboxRole.Inbox)
        {
            throw new MailException(MailErrorCode.InboxRestricted, "INBOX cannot be deleted.");
        }

        await CheckNoChildrenAsync(mailbox, cancellationToken).ConfigureAwait(false);
        while (true)
        {
            var batch = new List<uint>();
            await foreach (var entry in Data.ScanAsync(MailKeys.Uid, KeyRange.Prefix(MailKeys.AccountItem(AccountId, mailboxId), limit: engine.Options.MaxMessagesPerCommit), cancellationToken).ConfigureAwait(false))
            {
                batch.Add(MailKeys.UidOf(entry.Key));
            }

            if (batch.Count > 0 && !removeMessages)
            {
                throw new MailException(MailErrorCode.MailboxNotEmpty, $"The mailbox '{mailbox.Name}' holds messages.");
            }

            if (batch.Count > 0)
            {
                await RemoveAsync(mailboxId, batch, onlyDeleted: false, cancellationToken).ConfigureAwait(false);
                continue;
            }

            var deleted = await engine.WriteAsync(
                AccountId,
                create: false,
                async t =>
                {
                    var current = await t.RequireMailboxAsync(mailboxId, cancellationToken).ConfigureAwait(false);

                    // A message delivered meanwhile sends the loop round again.
                    await foreach (var _ in Data.ScanAsync(MailKeys.Uid, KeyRange.Prefix(MailKeys.AccountItem(AccountId, mailboxId), limit: 1), cancellationToken).ConfigureAwait(false))
                    {
                        return false;
                    }

                    await CheckNoChildrenAsync(current, cancellationToken).ConfigureAwait(false);
                    t.DeleteMailbox(current);
                    if (current.Subscribed)
                    {
                        t.Batch.Set(MailKeys.Subscription, MailKeys.MailboxNameKey(AccountId, current.Name), AccountTransaction.Marker);
                    }

                    t.Record(ChangeKind.MailboxDestroyed, current.Id);
                    return true;
                },
                cancellationToken).ConfigureAwait(false);
            if (deleted)
            {
                break;
            }
        }

        // The mailbox is gone, so its expunged-UID log can never be asked for again.
        await DeleteRangeAsync(MailKeys.Vanished, KeyRange.Prefix(MailKeys.AccountItem(AccountId, mailboxId)), cancellationToken).ConfigureAwait(false);
        await engine.Access.ForgetMailboxAsync(AccountId, mailboxId, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async ValueTask<IReadOnlyList<string>> GetOrphanSubscriptionsAsync(CancellationToken cancellationToken = default)
    {
        var names = new List<string>();
        await foreach (var entry in Data.ScanAsync(MailKeys.Subscription, KeyRange.Prefix(MailKeys.Account(AccountId)), cancellationToken).ConfigureAwait(false))
        {
            names.Add(System.Text.Encoding.UTF8.GetString(entry.Key.AsSpan(8)));
        }

        return names;
    }

    /// <inheritdoc />
    public async ValueTask<bool> RemoveOrphanSubscriptionAsync(string name, CancellationToken cancellationToken = default)
    {
        var key = MailKeys.MailboxNameKey(AccountId, name);
        if (await Data.GetAsync(MailKeys.Subscription, key, cancellationToken).ConfigureAwait(false) is null)
        {
            return false;
        }

        await Data.CommitAsync(new WriteBatch().Delete(MailKeys.Subscription, key), cancellationToken).ConfigureAwait(false);
        return true;
    }

    /// <inheritdoc />
    public async ValueTask SetSubscribedAsync(ulong mailboxId, bool subscribed, CancellationToken cancellationToken = default)
        => await engine.WriteAsync(
            AccountId,
            create: true,
            async t =>
            {
                var mailbox = await t.RequireMailboxAsync(mailboxId, cancellationToken).ConfigureAwait(false);
                if (mailbox.Subscribed != subscribed)
                {
                    mailbox.Subscribed = subscribed;
                    t.SaveMailbox(mailbox);
                    t.Record(ChangeKind.MailboxUpdated, mailbox.Id);
                }

                return true;
            },
            cancellationToken).ConfigureAwait(false);

    public async ValueTask<AppendResult> AppendAsync(ulong mailboxId, Stream message, IReadOnlyCollection<string>? keywords = null, DateTimeOffset? internalDate = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(message);
        var normalized = MailOperations.NormalizeKeywords(keywords);
        var date = (internalDate ?? engine.Time.GetUtcNow()).ToUnixTimeMilliseconds();
        await engine.EnsureAccountAsync(AccountId, cancellationToken).ConfigureAwait(false);
        if (await ReadMailboxAsync(mailboxId, cancellationToken).ConfigureAwait(false) is null)
        {
            throw NotFound(mailboxId);
        }

        var stored = await engine.StoreMessageAsync(message, cancellationToken).ConfigureAwait(false);
        await using var spool = stored.ConfigureAwait(false);
        var tookOver = false;
        try
        {
            var result = await engine.WriteAsync(
                AccountId,
                create: true,
                async t =>
                {
                    var mailbox = await t.RequireMailboxAsync(mailboxId, cancellationToken).ConfigureAwait(false);
                    if (MailOperations.ExceededQuota(t.Head, 1, stored.Size) is { } exceeded)
                    {
                        return new AppendResult { ExceededQuota = exceeded, MailboxId = mailboxId, UidValidity = mailbox.UidValidity, ModSeq = t.Head.ModSeq };
                    }

                    var email = await MailOperations.CreateEmailAsync(t, stored, date, normalized, takeOverPending: true, cancellationToken).ConfigureAwait(false);
                    var entry = MailOperations.AddToMailbox(t, mailbox, email);
                    tookOver = t.TookOverPending;
                    return new AppendResult { MailboxId = mailboxId, UidValidity = mailbox.UidValidity, Uid = entry.Uid, EmailId = email.Id, ModSeq = t.ModSeq };
                },
                cancellationToken).ConfigureAwait(false);
            stored.PendingTakenOver = result.Succeeded && tookOver;
            if (result.Succeeded)
            {
                await engine.EnsureBlobSurvivedAsync(stored, cancellationToken).ConfigureAwait(false);
            }

            return result;
        }
        finally
        {
            if (!stored.PendingTakenOver)
            {
                await engine.References.ReleaseAsync(stored.Hash, stored.PendingKey, CancellationToken.None).ConfigureAwait(false);
            }
        }
    }

    public ValueTask<CopyResult> CopyAsync(ulong sourceMailboxId, IReadOnlyCollection<uint> uids, ulong destinationMailboxId, CancellationToken cancellationToken = default)
        => CopyOrMoveAsync(sourceMailboxId, uids, destinationMailboxId, move: false, cancellationToken);

    public ValueTask<CopyResult> MoveAsync(ulong sourceMailboxId, IReadOnlyCollection<uint> uids, ulong destinationMailboxId, CancellationToken cancellationToken = default)
        => CopyOrMoveAsync(sourceMailboxId, uids, destinationMailboxId, move: true, cancellationToken);

    public async ValueTask<KeywordUpdateResult> SetKeywordsAsync(ulong mailboxId, IReadOnlyCollection<uint> uids, KeywordOperation operation, IReadOnlyCollection<string> keywords, ulong? unchangedSince = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(uids);
        var given = MailOperations.NormalizeKeywords(keywords);
        await RequireMailboxAsync(mailboxId, cancellationToken).ConfigureAwait(false);
        var updated = new List<MailboxMessage>();
        var modified = new List<uint>();
        foreach (var chunk in Sorted(uids).Chunk(engine.Options.MaxMessagesPerCommit))
        {
            var (chunkUpdated, chunkModified) = await engine.WriteAsync(
                AccountId,
                create: false,
                async t =>
                {
                    await t.RequireMailboxAsync(mailboxId, cancellationToken).ConfigureAwait(false);
                    var changed = new List<MailboxMessage>();
                    var refused = new List<uint>();
                    foreach (var entry in await ReadEntriesAsync(mailboxId, chunk, cancellationToken).ConfigureAwait(false))
                    {
                        if (unchangedSince is { } since && entry.ModSeq > since)
                        {
                            refused.Add(entry.Uid);
                            continue;
                        }

                        var email = await t.GetEmailAsync(entry.EmailId, cancellationToken).ConfigureAwait(false);
                        if (email is null)
                        {
                            continue;
                        }

                        var next = Apply(email.Keywords, operation, given);
                        if (next.AsSpan().SequenceEqual(email.Keywords, StringComparer.Ordinal))
                        {
                            continue;
                        }

                        if (await MailOperations.SetKeywordsAsync(t, email, next, mailboxId, cancellationToken).ConfigureAwait(false) is { } now)
                        {
                            changed.Add(now.ToMessage());
                        }
                    }

                    return (changed, refused);
                },
                cancellationToken).ConfigureAwait(false);
            updated.AddRange(chunkUpdated);
            modified.AddRange(chunkModified);
        }

        return new KeywordUpdateResult { Updated = updated, Modified = modified };
    }

    public async ValueTask<IReadOnlyList<uint>> ExpungeAsync(ulong mailboxId, IReadOnlyCollection<uint>? uids = null, CancellationToken cancellationToken = default)
    {
        await RequireMailboxAsync(mailboxId, cancellationToken).ConfigureAwait(false);
        var marked = new List<uint>();
        if (uids is null)
        {
            await foreach (var message in GetMessagesAsync(mailboxId, cancellationToken: cancellationToken).ConfigureAwait(false))
            {
                if (message.Keywords.Contains(MailKeywords.Deleted, StringComparer.Ordinal))
                {
                    marked.Add(message.Uid);
                }
            }
        }
        else
        {
            foreach (var chunk in Sorted(uids).Chunk(engine.Options.MaxMessagesPerCommit))
            {
                foreach (var entry in await ReadEntriesAsync(mailboxId, chunk, cancellationToken).ConfigureAwait(false))
                {
                    if (entry.Has(MailKeywords.Deleted))
                    {
                        marked.Add(entry.Uid);
                    }
                }
            }
        }

        return await RemoveAsync(mailboxId, marked, onlyDeleted: true, cancellationToken).ConfigureAwait(false);
    }

    public async ValueTask<IReadOnlyList<uint>> RemoveFromMailboxAsync(ulong mailboxId, IReadOnlyCollection<uint> uids, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(uids);
        await RequireMailboxAsync(mailboxId, cancellationToken).ConfigureAwait(false);
        return await RemoveAsync(mailboxId, [.. uids], onlyDeleted: false, cancellationToken).ConfigureAwait(false);
    }

    public async IAsyncEnumerable<MailboxMessage> GetMessagesAsync(ulong mailboxId, uint firstUid = 1, uint lastUid = uint.MaxValue, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        await RequireMailboxAsync(mailboxId, cancellationToken).ConfigureAwait(false);
        if (firstUid > lastUid)
        {
            yield break;
        }

        var end = lastUid == uint.MaxValue
            ? KeyRange.PrefixEnd(MailKeys.AccountItem(AccountId, mailboxId))
            : MailKeys.UidKey(AccountId, mailboxId, lastUid + 1);
        var range = new KeyRange(MailKeys.UidKey(AccountId, mailboxId, firstUid), end);
        await foreach (var entry in Data.ScanAsync(MailKeys.Uid, range, cancellationToken).ConfigureAwait(false))
        {
            yield return UidEntry.Decode(MailKeys.UidOf(entry.Key), entry.Value).ToMessage();
        }
    }

    public async ValueTask<IReadOnlyList<MailboxMessage>> GetChangedMessagesAsync(ulong mailboxId, ulong sinceModSeq, CancellationToken cancellationToken = default)
    {
        await RequireMailboxAsync(mailboxId, cancellationToken).ConfigureAwait(false);
        var result = new List<MailboxMessage>();
        if (sinceModSeq == ulong.MaxValue)
        {
            return result;
        }

        var range = new KeyRange(MailKeys.ModSeqStart(AccountId, mailboxId, sinceModSeq + 1), KeyRange.PrefixEnd(MailKeys.AccountItem(AccountId, mailboxId)));
        await foreach (var entry in Data.ScanAsync(MailKeys.ModSeq, range, cancellationToken).ConfigureAwait(false))
        {
            result.Add(UidEntry.Decode(MailKeys.UidOfModSeqKey(entry.Key), entry.Value).ToMessage());
        }

        result.Sort((a, b) => a.Uid.CompareTo(b.Uid));
        return result;
    }

    public async ValueTask<ExpungedMessages> GetExpungedAsync(ulong mailboxId, ulong sinceModSeq, CancellationToken cancellationToken = default)
    {
        await RequireMailboxAsync(mailboxId, cancellationToken).ConfigureAwait(false);
        var uids = new List<uint>();
        if (sinceModSeq != ulong.MaxValue)
        {
            var range = new KeyRange(MailKeys.ModSeqStart(AccountId, mailboxId, sinceModSeq + 1), KeyRange.PrefixEnd(MailKeys.AccountItem(AccountId, mailboxId)));
            await foreach (var entry in Data.ScanAsync(MailKeys.Vanished, range, cancellationToken).ConfigureAwait(false))
            {
                uids.Add(MailKeys.UidOfModSeqKey(entry.Key));
            }
        }

        // Read after the scan: a purge moves the mark before deleting, so a scan that missed entries sees the mark.
        var head = await engine.EnsureAccountAsync(AccountId, cancellationToken).ConfigureAwait(false);
        uids.Sort();
        return new ExpungedMessages(uids, sinceModSeq >= head.PurgedThrough);
    }

    public async ValueTask<IReadOnlyList<Email>> GetEmailsAsync(IReadOnlyCollection<ulong> emailIds, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(emailIds);
        var result = new List<Email>(emailIds.Count);
        foreach (var id in emailIds)
        {
            var record = await ReadEmailAsync(id, cancellationToken).ConfigureAwait(false);
            if (record is null)
            {
                continue;
            }

            var metadata = await engine.GetMetadataAsync(record.Blob, record.Size, cancellationToken).ConfigureAwait(false);
            result.Add(new Email
            {
                Id = record.Id,
                ThreadId = record.ThreadId,
                BlobId = record.Blob.ToString(),
                Size = record.Size,
                InternalDate = DateTimeOffset.FromUnixTimeMilliseconds(record.InternalDateMs),
                Keywords = record.Keywords,
                Mailboxes = record.Mailboxes.Select(m => new EmailMembership(m.MailboxId, m.Uid)).ToArray(),
                Metadata = metadata,
            });
        }

        return result;
    }

    public async ValueTask<IReadOnlyList<ulong>> QueryEmailsAsync(MailFilter? filter, IReadOnlyList<MailSort>? sort = null, bool collapseThreads = false, CancellationToken cancellationToken = default)
    {
        var head = await engine.EnsureAccountAsync(AccountId, cancellationToken).ConfigureAwait(false);
        var query = new EmailQuery { Filter = filter, Sort = sort, CollapseThreads = collapseThreads };
        return (await MailSearch.QueryPageAsync(engine, AccountId, head, query, cancellationToken).ConfigureAwait(false)).Ids;
    }

    public async ValueTask<EmailQueryResult> QueryEmailPageAsync(EmailQuery query, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        var head = await engine.EnsureAccountAsync(AccountId, cancellationToken).ConfigureAwait(false);
        return await MailSearch.QueryPageAsync(engine, AccountId, head, query, cancellationToken).ConfigureAwait(false);
    }

    public async ValueTask<IReadOnlyList<uint>> SearchMailboxAsync(ulong mailboxId, MailFilter? filter, IReadOnlyList<MailSort>? sort = null, CancellationToken cancellationToken = default)
    {
        await RequireMailboxAsync(mailboxId, cancellationToken).ConfigureAwait(false);
        return await MailSearch.SearchMailboxAsync(engine, AccountId, mailboxId, filter, sort, cancellationToken).ConfigureAwait(false);
    }

    public async ValueTask<IReadOnlyList<ulong>> GetThreadAsync(ulong threadId, CancellationToken cancellationToken = default)
        => await MailSearch.GetThreadAsync(engine, AccountId, threadId, cancellationToken).ConfigureAwait(false);

    public async ValueTask<Stream?> OpenMessageAsync(ulong emailId, CancellationToken cancellationToken = default)
    {
        var record = await ReadEmailAsync(emailId, cancellationToken).ConfigureAwait(false);
        return record is null ? null : await engine.Blobs.OpenReadAsync(record.Blob, cancellationToken).ConfigureAwait(false);
    }

    public async ValueTask<byte[]?> ReadMessageAsync(ulong emailId, long offset, int length, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(offset);
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        var record = await ReadEmailAsync(emailId, cancellationToken).ConfigureAwait(false);
        return record is null ? null : await engine.Blobs.ReadRangeAsync(record.Blob, offset, length, cancellationToken).ConfigureAwait(false);
    }

    public async ValueTask<string> GetStateAsync(CancellationToken cancellationToken = default)
        => MailEngine.StateOf((await engine.EnsureAccountAsync(AccountId, cancellationToken).ConfigureAwait(false)).ModSeq);

    public async ValueTask<MailChanges> GetChangesAsync(string sinceState, int maxChanges = int.MaxValue, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(sinceState);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxChanges, 1);
        var head = await engine.EnsureAccountAsync(AccountId, cancellationToken).ConfigureAwait(false);
        var current = MailEngine.StateOf(head.ModSeq);
        if (!ulong.TryParse(sinceState, NumberStyles.None, CultureInfo.InvariantCulture, out var since) || since > head.ModSeq || since < head.PurgedThrough)
        {
            return new MailChanges { OldState = sinceState, NewState = current, CannotCalculateChanges = true };
        }

        var cutoff = (engine.Time.GetUtcNow() - engine.Options.ChangeRetention).ToUnixTimeMilliseconds();
        var merged = new Dictionary<(ChangeTarget Target, ulong Id), ChangeKind>();
        var order = new List<(ChangeTarget Target, ulong Id)>();
        var reached = since;
        var hasMore = false;
        var range = new KeyRange(MailKeys.AccountItem(AccountId, since + 1), MailKeys.AccountItem(AccountId, head.ModSeq + 1));
        await foreach (var entry in Data.ScanAsync(MailKeys.Change, range, cancellationToken).ConfigureAwait(false))
        {
            var modSeq = MailKeys.SecondOf(entry.Key);
            var change = ChangeEntry.Decode(entry.Value);

            // Every mod-sequence has an entry, so a gap or an entry past retention means the log no longer reaches back.
            if (modSeq != reached + 1 || (reached == since && change.TimeMs < cutoff))
            {
                return new MailChanges { OldState = sinceState, NewState = current, CannotCalculateChanges = true };
            }

            var fresh = change.Items.Count(i => !merged.ContainsKey((ChangeMerge.TargetOf(i.Kind), i.Id)));
            if (reached > since && merged.Count + fresh > maxChanges)
            {
                hasMore = true;
                break;
            }

            foreach (var (kind, id) in change.Items)
            {
                var slot = (ChangeMerge.TargetOf(kind), id);
                ChangeKind? before = merged.TryGetValue(slot, out var existing) ? existing : null;
                if (before is null)
                {
                    order.Add(slot);
                }

                if (ChangeMerge.Merge(before, kind) is { } after)
                {
                    merged[slot] = after;
                }
                else
                {
                    merged.Remove(slot);
                }
            }

            reached = modSeq;
        }

        if (!hasMore && reached != head.ModSeq)
        {
            return new MailChanges { OldState = sinceState, NewState = current, CannotCalculateChanges = true };
        }

        List<ulong> Select(ChangeKind kind, ChangeKind? also = null)
            => order.Where(s => merged.TryGetValue(s, out var k) && (k == kind || k == also)).Select(s => s.Id).Distinct().ToList();

        var updatedMailboxes = Select(ChangeKind.MailboxUpdated, ChangeKind.MailboxCounters);
        return new MailChanges
        {
            OldState = sinceState,
            NewState = MailEngine.StateOf(reached),
            HasMoreChanges = hasMore,
            CreatedEmails = Select(ChangeKind.EmailCreated),
            UpdatedEmails = Select(ChangeKind.EmailUpdated),
            DestroyedEmails = Select(ChangeKind.EmailDestroyed),
            CreatedMailboxes = Select(ChangeKind.MailboxCreated),
            UpdatedMailboxes = updatedMailboxes,
            DestroyedMailboxes = Select(ChangeKind.MailboxDestroyed),
            UpdatedThreads = Select(ChangeKind.ThreadUpdated),
            MailboxCountersOnly = updatedMailboxes.Count > 0 && !merged.Values.Contains(ChangeKind.MailboxUpdated),
        };
    }

    public async ValueTask<MailQuotaUsage> GetQuotaAsync(CancellationToken cancellationToken = default)
    {
        var head = await engine.EnsureAccountAsync(AccountId, cancellationToken).ConfigureAwait(false);
        return new MailQuotaUsage(
            new MailQuota(head.QuotaBytes < 0 ? null : head.QuotaBytes, head.QuotaMessages < 0 ? null : head.QuotaMessages),
            head.UsedBytes,
            head.UsedMessages);
    }

    public async ValueTask SetQuotaAsync(MailQuota quota, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(quota);
        if (quota.StorageBytes < 0 || quota.Messages < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(quota), "A quota limit cannot be negative.");
        }

        await engine.WriteAsync(
            AccountId,
            create: true,
            t =>
            {
                var bytes = quota.StorageBytes ?? -1;
                var messages = quota.Messages ?? -1;
                if (t.Head.QuotaBytes != bytes || t.Head.QuotaMessages != messages)
                {
                    t.Head.QuotaBytes = bytes;
                    t.Head.QuotaMessages = messages;
                    t.TouchHead();
                }

                return ValueTask.FromResult(true);
            },
            cancellationToken).ConfigureAwait(false);
    }

    private static string[] Apply(string[] current, KeywordOperation operation, string[] given)
    {
        var set = new SortedSet<string>(operation == KeywordOperation.Replace ? given : current, StringComparer.Ordinal);
        if (operation == KeywordOperation.Add)
        {
            set.UnionWith(given);
        }
        else if (operation == KeywordOperation.Remove)
        {
            set.ExceptWith(given);
        }

        return [.. set];
    }

    private static List<uint> Sorted(IReadOnlyCollection<uint> uids)
    {
        var list = uids.Where(u => u > 0).Distinct().ToList();
        list.Sort();
        return list;
    }

    private static MailException NotFound(ulong mailboxId) => new(MailErrorCode.MailboxNotFound, $"There is no mailbox {mailboxId}.");

    /// <summary>
    /// RFC 9051 §6.3.6: renaming INBOX moves its messages into a new mailbox of the new name; INBOX stays, empty.
    /// </summary>
    private async ValueTask<Mailbox> RenameInboxAsync(MailboxRecord inbox, string canonical, CancellationToken cancellationToken)
    {
        if (canonical == MailboxNames.Inbox)
        {
            return inbox.ToMailbox();
        }

        var created = await CreateMailboxAsync(canonical, MailboxRole.None, cancellationToken).ConfigureAwait(false);
        while (true)
        {
            var uids = new List<uint>();
            await foreach (var entry in Data.ScanAsync(MailKeys.Uid, KeyRange.Prefix(MailKeys.AccountItem(AccountId, inbox.Id), limit: engine.Options.MaxMessagesPerCommit), cancellationToken).ConfigureAwait(false))
            {
                uids.Add(MailKeys.UidOf(entry.Key));
            }

            if (uids.Count == 0)
            {
                break;
            }

            await MoveAsync(inbox.Id, uids, created.Id, cancellationToken).ConfigureAwait(false);
        }

        return await GetMailboxAsync(created.Id, cancellationToken).ConfigureAwait(false) ?? created;
    }

    private async ValueTask<MailboxRecord?> ReadMailboxAsync(ulong mailboxId, CancellationToken cancellationToken)
    {
        var value = await Data.GetAsync(MailKeys.Mailbox, MailKeys.AccountItem(AccountId, mailboxId), cancellationToken).ConfigureAwait(false);
        return value is null ? null : MailboxRecord.Decode(mailboxId, value);
    }

    private async ValueTask<MailboxRecord> RequireMailboxAsync(ulong mailboxId, CancellationToken cancellationToken)
        => await ReadMailboxAsync(mailboxId, cancellationToken).ConfigureAwait(false) ?? throw NotFound(mailboxId);

    private async ValueTask<EmailRecord?> ReadEmailAsync(ulong emailId, CancellationToken cancellationToken)
    {
        var value = await Data.GetAsync(MailKeys.Email, MailKeys.AccountItem(AccountId, emailId), cancellationToken).ConfigureAwait(false);
        return value is null ? null : EmailRecord.Decode(emailId, value);
    }

    private async ValueTask CheckNoChildrenAsync(MailboxRecord mailbox, CancellationToken cancellationToken)
    {
        var prefix = MailKeys.MailboxNameKey(AccountId, engine.Names.ChildPrefix(mailbox.Name));
        await foreach (var _ in Data.ScanAsync(MailKeys.MailboxName, KeyRange.Prefix(prefix, limit: 1), cancellationToken).ConfigureAwait(false))
        {
            throw new MailException(MailErrorCode.MailboxHasChildren, $"The mailbox '{mailbox.Name}' has child mailboxes.");
        }
    }

    /// <summary>
    /// Reads the entries of sorted UIDs: one range scan when they are dense enough, point reads otherwise.
    /// </summary>
    private async ValueTask<List<UidEntry>> ReadEntriesAsync(ulong mailboxId, uint[] sortedUids, CancellationToken cancellationToken)
    {
        var result = new List<UidEntry>(sortedUids.Length);
        if (sortedUids.Length == 0)
        {
            return result;
        }

        var first = sortedUids[0];
        var last = sortedUids[^1];
        if ((ulong)last - first < (ulong)sortedUids.Length * 4)
        {
            var wanted = new HashSet<uint>(sortedUids);
            var end = last == uint.MaxValue ? KeyRange.PrefixEnd(MailKeys.AccountItem(AccountId, mailboxId)) : MailKeys.UidKey(AccountId, mailboxId, last + 1);
            await foreach (var entry in Data.ScanAsync(MailKeys.Uid, new KeyRange(MailKeys.UidKey(AccountId, mailboxId, first), end), cancellationToken).ConfigureAwait(false))
            {
                var uid = MailKeys.UidOf(entry.Key);
                if (wanted.Contains(uid))
                {
                    result.Add(UidEntry.Decode(uid, entry.Value));
                }
            }

            return result;
        }

        foreach (var uid in sortedUids)
        {
            var value = await Data.GetAsync(MailKeys.Uid, MailKeys.UidKey(AccountId, mailboxId, uid), cancellationToken).ConfigureAwait(false);
            if (value is not null)
            {
                result.Add(UidEntry.Decode(uid, value));
            }
        }

        return result;
    }

    /// <summary>Removes messages from a mailbox in steps of at most <see cref="MailEngineOptions.MaxMessagesPerCommit"/>.</summary>
    private async ValueTask<IReadOnlyList<uint>> RemoveAsync(ulong mailboxId, List<uint> uids, bool onlyDeleted, CancellationToken cancellationToken)
    {
        var removed = new List<uint>();
        foreach (var chunk in Sorted(uids).Chunk(engine.Options.MaxMessagesPerCommit))
        {
            var done = await engine.WriteAsync(
                AccountId,
                create: false,
                async t =>
                {
                    var mailbox = await t.RequireMailboxAsync(mailboxId, cancellationToken).ConfigureAwait(false);
                    var gone = new List<uint>();

                    // Entries are read again inside the attempt: a flag cleared meanwhile keeps its message.
                    foreach (var entry in await ReadEntriesAsync(mailboxId, chunk, cancellationToken).ConfigureAwait(false))
                    {
                        if (onlyDeleted && !entry.Has(MailKeywords.Deleted))
                        {
                            continue;
                        }

                        await MailOperations.RemoveFromMailboxAsync(t, mailbox, entry, cancellationToken).ConfigureAwait(false);
                        gone.Add(entry.Uid);
                    }

                    return gone;
                },
                cancellationToken).ConfigureAwait(false);
            removed.AddRange(done);
        }

        return removed;
    }

    private async ValueTask<CopyResult> CopyOrMoveAsync(ulong sourceMailboxId, IReadOnlyCollection<uint> uids, ulong destinationMailboxId, bool move, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(uids);
        await RequireMailboxAsync(sourceMailboxId, cancellationToken).ConfigureAwait(false);
        var destination = await RequireMailboxAsync(destinationMailboxId, cancellationToken).ConfigureAwait(false);
        var sources = new List<uint>();
        var targets = new List<uint>();
        var modSeq = 0UL;
        foreach (var chunk in Sorted(uids).Chunk(engine.Options.MaxMessagesPerCommit))
        {
            var step = await engine.WriteAsync(
                AccountId,
                create: false,
                async t =>
                {
                    var source = await t.RequireMailboxAsync(sourceMailboxId, cancellationToken).ConfigureAwait(false);
                    var target = await t.RequireMailboxAsync(destinationMailboxId, cancellationToken).ConfigureAwait(false);
                    var pairs = new List<(UidEntry Entry, EmailRecord Email, bool Clone)>();
                    long newMessages = 0;
                    long newBytes = 0;
                    foreach (var entry in await ReadEntriesAsync(sourceMailboxId, chunk, cancellationToken).ConfigureAwait(false))
                    {
                        if (await t.GetEmailAsync(entry.EmailId, cancellationToken).ConfigureAwait(false) is not { } email)
                        {
                            continue;
                        }

                        // An email is in a mailbox at most once; a copy into a mailbox already holding it is a new email.
                        var clone = email.IndexOf(destinationMailboxId) >= 0;
                        if (clone)
                        {
                            newMessages++;
                            newBytes += email.Size;
                        }

                        pairs.Add((entry, email, clone));
                    }

                    if (MailOperations.ExceededQuota(t.Head, newMessages, newBytes) is { } exceeded)
                    {
                        return (Exceeded: (QuotaResource?)exceeded, Sources: new List<uint>(), Targets: new List<uint>(), ModSeq: t.Head.ModSeq);
                    }

                    var from = new List<uint>(pairs.Count);
                    var to = new List<uint>(pairs.Count);
                    foreach (var (entry, email, clone) in pairs)
                    {
                        var copy = clone ? MailOperations.CloneEmail(t, email) : email;
                        var added = MailOperations.AddToMailbox(t, target, copy);
                        if (move)
                        {
                            await MailOperations.RemoveFromMailboxAsync(t, source, entry, cancellationToken).ConfigureAwait(false);
                        }

                        from.Add(entry.Uid);
                        to.Add(added.Uid);
                    }

                    return (Exceeded: (QuotaResource?)null, Sources: from, Targets: to, ModSeq: pairs.Count > 0 ? t.ModSeq : t.Head.ModSeq);
                },
                cancellationToken).ConfigureAwait(false);
            if (step.Exceeded is { } over)
            {
                return new CopyResult { ExceededQuota = over, UidValidity = destination.UidValidity, SourceUids = sources, DestinationUids = targets, ModSeq = modSeq };
            }

            sources.AddRange(step.Sources);
            targets.AddRange(step.Targets);
            modSeq = Math.Max(modSeq, step.ModSeq);
        }

        return new CopyResult { UidValidity = destination.UidValidity, SourceUids = sources, DestinationUids = targets, ModSeq = modSeq };
    }

    private async ValueTask DeleteRangeAsync(string subspace, KeyRange range, CancellationToken cancellationToken)
    {
        var keys = new List<byte[]>();
        await foreach (var entry in Data.ScanAsync(subspace, range, cancellationToken).ConfigureAwait(false))
        {
            keys.Add(entry.Key);
        }

        foreach (var chunk in keys.Chunk(engine.Options.MaxMessagesPerCommit))
        {
            var batch = new WriteBatch();
            foreach (var key in chunk)
            {
                batch.Delete(subspace, key);
            }

            await Data.CommitAsync(batch, cancellationToken).ConfigureAwait(false);
        }
    }
}
