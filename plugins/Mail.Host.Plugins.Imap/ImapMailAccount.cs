using System.Runtime.CompilerServices;
using Mail.Host.Mail;

namespace Mail.Host.Plugins.Imap;

/// <summary>
/// The mail one IMAP session sees: the user's own account, plus the mailboxes other accounts share with it, named
/// <c>Other Users/&lt;owner&gt;/&lt;mailbox&gt;</c> (RFC 2342's other users' namespace). Each owner gets a slot for the
/// session; the ids of its mailboxes and emails carry the slot in their top 16 bits, so the rest of the session works on
/// one id space and every call is routed to the engine's shared handle of that owner, which checks the user's rights.
/// The session is also subscribed to each owner's changes, so IDLE and NOOP see changes in shared mailboxes.
/// </summary>
internal sealed class ImapMailAccount : IMailAccount, IAsyncDisposable
{
    /// <summary>The name of the other users' namespace, without its trailing separator.</summary>
    public const string OtherUsers = "Other Users";

    private const int SlotShift = 48;
    private const ulong IdMask = (1UL << SlotShift) - 1;
    private readonly IMailEngine engine;
    private readonly IMailAccount own;
    private readonly Func<MailNotification, CancellationToken, ValueTask> onChange;
    private readonly char separator;
    private readonly List<Owner> slots = [null!];
    private readonly Dictionary<string, Owner> byName = new(StringComparer.Ordinal);
    private readonly SemaphoreSlim gate = new(1, 1);
    private IAsyncDisposable? ownSubscription;

    public ImapMailAccount(IMailEngine engine, ulong accountId, Func<MailNotification, CancellationToken, ValueTask> onChange)
    {
        this.engine = engine;
        this.onChange = onChange;
        own = engine.OpenAccount(accountId);
        separator = engine.HierarchySeparator;
    }

    public ulong AccountId => own.AccountId;

    /// <summary>The prefix of shared mailbox names: <c>Other Users/</c>.</summary>
    public string Prefix => OtherUsers + separator;

    /// <summary>Takes over the subscription to the user's own account, disposed with this.</summary>
    public IAsyncDisposable Adopt(IAsyncDisposable subscription)
    {
        ownSubscription = subscription;
        return this;
    }

    public async ValueTask DisposeAsync()
    {
        if (ownSubscription is not null)
        {
            await ownSubscription.DisposeAsync().ConfigureAwait(false);
        }

        foreach (var owner in slots.Skip(1))
        {
            if (owner.Subscription is not null)
            {
                await owner.Subscription.DisposeAsync().ConfigureAwait(false);
            }
        }

        gate.Dispose();
    }

    /// <summary>
    /// The session's id of a mailbox named by the account that holds it and its id there (as engine notifications
    /// name them); <see langword="null"/> for an account the session does not see.
    /// </summary>
    public ulong? SessionIdOf(ulong accountId, ulong mailboxId)
    {
        if (accountId == own.AccountId)
        {
            return mailboxId;
        }

        var owner = slots.Skip(1).FirstOrDefault(o => o.AccountId == accountId);
        return owner is null ? null : Tag(owner, mailboxId);
    }

    /// <summary>Whether a mailbox id names a mailbox of another account.</summary>
    public static bool IsShared(ulong id) => id >> SlotShift != 0;

    /// <summary>The mailboxes shared with the user, named in the other users' namespace and with session ids.</summary>
    public async ValueTask<IReadOnlyList<Mailbox>> GetSharedAsync(CancellationToken cancellationToken = default)
    {
        IReadOnlyList<SharedMailbox> shared;
        try
        {
            shared = await own.GetSharedMailboxesAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (NotSupportedException)
        {
            return [];
        }

        var result = new List<Mailbox>(shared.Count);
        foreach (var item in shared)
        {
            if (item.OwnerName.Contains(separator, StringComparison.Ordinal))
            {
                continue;
            }

            var owner = await OwnerAsync(item.OwnerAccountId, item.OwnerName, cancellationToken).ConfigureAwait(false);
            result.Add(Outward(owner, item.Mailbox) with { IsSubscribed = true });
        }

        return result;
    }

    public async ValueTask<IReadOnlyList<Mailbox>> GetMailboxesAsync(CancellationToken cancellationToken = default)
    {
        var mailboxes = await own.GetMailboxesAsync(cancellationToken).ConfigureAwait(false);
        var shared = await GetSharedAsync(cancellationToken).ConfigureAwait(false);
        if (shared.Count == 0)
        {
            return mailboxes;
        }

        var all = new List<Mailbox>(mailboxes.Count + shared.Count);
        all.AddRange(mailboxes);
        all.AddRange(shared);
        all.Sort((a, b) => string.CompareOrdinal(a.Name, b.Name));
        return all;
    }

    public async ValueTask<Mailbox?> GetMailboxAsync(ulong mailboxId, CancellationToken cancellationToken = default)
    {
        var (owner, id) = Route(mailboxId);
        if (owner is null)
        {
            return await own.GetMailboxAsync(id, cancellationToken).ConfigureAwait(false);
        }

        return await owner.View.GetMailboxAsync(id, cancellationToken).ConfigureAwait(false) is { } mailbox ? Outward(owner, mailbox) : null;
    }

    public async ValueTask<Mailbox?> FindMailboxAsync(string name, CancellationToken cancellationToken = default)
    {
        if (await ResolveAsync(name, cancellationToken).ConfigureAwait(false) is not { } target)
        {
            return await own.FindMailboxAsync(name, cancellationToken).ConfigureAwait(false);
        }

        return target.Owner is { } owner && await owner.View.FindMailboxAsync(target.Name, cancellationToken).ConfigureAwait(false) is { } mailbox
            ? Outward(owner, mailbox)
            : null;
    }

    public async ValueTask<Mailbox> CreateMailboxAsync(string name, MailboxRole role = MailboxRole.None, CancellationToken cancellationToken = default)
    {
        if (await ResolveAsync(name, cancellationToken).ConfigureAwait(false) is not { } target)
        {
            return await own.CreateMailboxAsync(name, role, cancellationToken).ConfigureAwait(false);
        }

        var owner = target.Owner ?? throw new MailException(MailErrorCode.NotPermitted, "Mailboxes of other users are created only below a mailbox they share with the right k.");
        return Outward(owner, await owner.View.CreateMailboxAsync(target.Name, role, cancellationToken).ConfigureAwait(false));
    }

    public async ValueTask<Mailbox> RenameMailboxAsync(ulong mailboxId, string newName, CancellationToken cancellationToken = default)
    {
        var (owner, id) = Route(mailboxId);
        var target = await ResolveAsync(newName, cancellationToken).ConfigureAwait(false);
        if (owner is null && target is null)
        {
            return await own.RenameMailboxAsync(id, newName, cancellationToken).ConfigureAwait(false);
        }

        if (owner is null || !ReferenceEquals(target?.Owner, owner))
        {
            throw new MailException(MailErrorCode.NotPermitted, "A mailbox is renamed only within its owner's account.");
        }

        return Outward(owner, await owner.View.RenameMailboxAsync(id, target.Value.Name, cancellationToken).ConfigureAwait(false));
    }

    public ValueTask DeleteMailboxAsync(ulong mailboxId, bool removeMessages, CancellationToken cancellationToken = default)
    {
        var (owner, id) = Route(mailboxId);
        return (owner?.View ?? own).DeleteMailboxAsync(id, removeMessages, cancellationToken);
    }

    public ValueTask SetSubscribedAsync(ulong mailboxId, bool subscribed, CancellationToken cancellationToken = default)
    {
        // Shared mailboxes are always listed as subscribed; the owner's subscription flags are the owner's.
        var (owner, id) = Route(mailboxId);
        return owner is null ? own.SetSubscribedAsync(id, subscribed, cancellationToken) : ValueTask.CompletedTask;
    }

    public async ValueTask<AppendResult> AppendAsync(ulong mailboxId, Stream message, IReadOnlyCollection<string>? keywords = null, DateTimeOffset? internalDate = null, CancellationToken cancellationToken = default)
    {
        var (owner, id) = Route(mailboxId);
        if (owner is null)
        {
            return await own.AppendAsync(id, message, keywords, internalDate, cancellationToken).ConfigureAwait(false);
        }

        var result = await owner.View.AppendAsync(id, message, keywords, internalDate, cancellationToken).ConfigureAwait(false);
        return result with { MailboxId = mailboxId, EmailId = result.EmailId == 0 ? 0 : Tag(owner, result.EmailId) };
    }

    public ValueTask<CopyResult> CopyAsync(ulong sourceMailboxId, IReadOnlyCollection<uint> uids, ulong destinationMailboxId, CancellationToken cancellationToken = default)
        => TransferAsync(sourceMailboxId, uids, destinationMailboxId, move: false, cancellationToken);

    public ValueTask<CopyResult> MoveAsync(ulong sourceMailboxId, IReadOnlyCollection<uint> uids, ulong destinationMailboxId, CancellationToken cancellationToken = default)
        => TransferAsync(sourceMailboxId, uids, destinationMailboxId, move: true, cancellationToken);

    public async ValueTask<KeywordUpdateResult> SetKeywordsAsync(ulong mailboxId, IReadOnlyCollection<uint> uids, KeywordOperation operation, IReadOnlyCollection<string> keywords, ulong? unchangedSince = null, CancellationToken cancellationToken = default)
    {
        var (owner, id) = Route(mailboxId);
        if (owner is null)
        {
            return await own.SetKeywordsAsync(id, uids, operation, keywords, unchangedSince, cancellationToken).ConfigureAwait(false);
        }

        try
        {
            var result = await owner.View.SetKeywordsAsync(id, uids, operation, keywords, unchangedSince, cancellationToken).ConfigureAwait(false);
            return result with { Updated = [.. result.Updated.Select(m => Outward(owner, m))] };
        }
        catch (MailException ex) when (ex.Code == MailErrorCode.NotPermitted && operation == KeywordOperation.Add && keywords.Count == 1 && keywords.Contains(MailKeywords.Seen))
        {
            // A FETCH of a body sets \Seen only when the user may (RFC 4314 §4); without the right s it reads on.
            return new KeywordUpdateResult();
        }
    }

    public ValueTask<IReadOnlyList<uint>> ExpungeAsync(ulong mailboxId, IReadOnlyCollection<uint>? uids = null, CancellationToken cancellationToken = default)
    {
        var (owner, id) = Route(mailboxId);
        return (owner?.View ?? own).ExpungeAsync(id, uids, cancellationToken);
    }

    public ValueTask<IReadOnlyList<uint>> RemoveFromMailboxAsync(ulong mailboxId, IReadOnlyCollection<uint> uids, CancellationToken cancellationToken = default)
    {
        var (owner, id) = Route(mailboxId);
        return (owner?.View ?? own).RemoveFromMailboxAsync(id, uids, cancellationToken);
    }

    public async IAsyncEnumerable<MailboxMessage> GetMessagesAsync(ulong mailboxId, uint firstUid = 1, uint lastUid = uint.MaxValue, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var (owner, id) = Route(mailboxId);
        await foreach (var message in (owner?.View ?? own).GetMessagesAsync(id, firstUid, lastUid, cancellationToken).ConfigureAwait(false))
        {
            yield return owner is null ? message : Outward(owner, message);
        }
    }

    public async ValueTask<IReadOnlyList<MailboxMessage>> GetChangedMessagesAsync(ulong mailboxId, ulong sinceModSeq, CancellationToken cancellationToken = default)
    {
        var (owner, id) = Route(mailboxId);
        var changed = await (owner?.View ?? own).GetChangedMessagesAsync(id, sinceModSeq, cancellationToken).ConfigureAwait(false);
        return owner is null ? changed : [.. changed.Select(m => Outward(owner, m))];
    }

    public ValueTask<ExpungedMessages> GetExpungedAsync(ulong mailboxId, ulong sinceModSeq, CancellationToken cancellationToken = default)
    {
        var (owner, id) = Route(mailboxId);
        return (owner?.View ?? own).GetExpungedAsync(id, sinceModSeq, cancellationToken);
    }

    public async ValueTask<IReadOnlyList<Email>> GetEmailsAsync(IReadOnlyCollection<ulong> emailIds, CancellationToken cancellationToken = default)
    {
        if (!emailIds.Any(IsShared))
        {
            return await own.GetEmailsAsync(emailIds, cancellationToken).ConfigureAwait(false);
        }

        var found = new Dictionary<ulong, Email>();
        foreach (var group in emailIds.GroupBy(e => e >> SlotShift))
        {
            var owner = group.Key == 0 ? null : SlotOf(group.Key);
            var emails = await (owner?.View ?? own).GetEmailsAsync([.. group.Select(e => e & IdMask)], cancellationToken).ConfigureAwait(false);
            foreach (var email in emails)
            {
                var outward = owner is null ? email : email with
                {
                    Id = Tag(owner, email.Id),
                    ThreadId = Tag(owner, email.ThreadId),
                    Mailboxes = [.. email.Mailboxes.Select(m => new EmailMembership(Tag(owner, m.MailboxId), m.Uid))],
                };
                found[outward.Id] = outward;
            }
        }

        return [.. emailIds.Where(found.ContainsKey).Select(e => found[e])];
    }

    public ValueTask<IReadOnlyList<ulong>> QueryEmailsAsync(MailFilter? filter, IReadOnlyList<MailSort>? sort = null, bool collapseThreads = false, CancellationToken cancellationToken = default)
        => own.QueryEmailsAsync(filter, sort, collapseThreads, cancellationToken);

    public ValueTask<IReadOnlyList<uint>> SearchMailboxAsync(ulong mailboxId, MailFilter? filter, IReadOnlyList<MailSort>? sort = null, CancellationToken cancellationToken = default)
    {
        var (owner, id) = Route(mailboxId);
        return (owner?.View ?? own).SearchMailboxAsync(id, filter, sort, cancellationToken);
    }

    public async ValueTask<IReadOnlyList<ulong>> GetThreadAsync(ulong threadId, CancellationToken cancellationToken = default)
    {
        var (owner, id) = Route(threadId);
        var thread = await (owner?.View ?? own).GetThreadAsync(id, cancellationToken).ConfigureAwait(false);
        return owner is null ? thread : [.. thread.Select(e => Tag(owner, e))];
    }

    public ValueTask<Stream?> OpenMessageAsync(ulong emailId, CancellationToken cancellationToken = default)
    {
        var (owner, id) = Route(emailId);
        return (owner?.View ?? own).OpenMessageAsync(id, cancellationToken);
    }

    public ValueTask<byte[]?> ReadMessageAsync(ulong emailId, long offset, int length, CancellationToken cancellationToken = default)
    {
        var (owner, id) = Route(emailId);
        return (owner?.View ?? own).ReadMessageAsync(id, offset, length, cancellationToken);
    }

    public ValueTask<string> GetStateAsync(CancellationToken cancellationToken = default) => own.GetStateAsync(cancellationToken);

    public ValueTask<MailChanges> GetChangesAsync(string sinceState, int maxChanges = int.MaxValue, CancellationToken cancellationToken = default)
        => own.GetChangesAsync(sinceState, maxChanges, cancellationToken);

    public ValueTask<MailQuotaUsage> GetQuotaAsync(CancellationToken cancellationToken = default) => own.GetQuotaAsync(cancellationToken);

    public ValueTask SetQuotaAsync(MailQuota quota, CancellationToken cancellationToken = default) => own.SetQuotaAsync(quota, cancellationToken);

    public ValueTask<IReadOnlyList<MailboxAccessEntry>> GetAclAsync(ulong mailboxId, CancellationToken cancellationToken = default)
    {
        var (owner, id) = Route(mailboxId);
        return (owner?.View ?? own).GetAclAsync(id, cancellationToken);
    }

    public ValueTask SetAclAsync(ulong mailboxId, string identifier, MailboxRights rights, CancellationToken cancellationToken = default)
    {
        var (owner, id) = Route(mailboxId);
        return (owner?.View ?? own).SetAclAsync(id, identifier, rights, cancellationToken);
    }

    public ValueTask DeleteAclAsync(ulong mailboxId, string identifier, CancellationToken cancellationToken = default)
    {
        var (owner, id) = Route(mailboxId);
        return (owner?.View ?? own).DeleteAclAsync(id, identifier, cancellationToken);
    }

    public ValueTask<MailboxRights> GetMyRightsAsync(ulong mailboxId, CancellationToken cancellationToken = default)
    {
        var (owner, id) = Route(mailboxId);
        return (owner?.View ?? own).GetMyRightsAsync(id, cancellationToken);
    }

    public ValueTask<IReadOnlyList<SharedMailbox>> GetSharedMailboxesAsync(CancellationToken cancellationToken = default)
        => own.GetSharedMailboxesAsync(cancellationToken);

    public ValueTask<IReadOnlyList<string>> GetOrphanSubscriptionsAsync(CancellationToken cancellationToken = default)
        => own.GetOrphanSubscriptionsAsync(cancellationToken);

    public ValueTask<bool> RemoveOrphanSubscriptionAsync(string name, CancellationToken cancellationToken = default)
        => own.RemoveOrphanSubscriptionAsync(name, cancellationToken);

    public ValueTask<EmailQueryResult> QueryEmailPageAsync(EmailQuery query, CancellationToken cancellationToken = default)
        => own.QueryEmailPageAsync(query, cancellationToken);

    public ValueTask<IReadOnlyList<MetadataEntry>> GetMetadataAsync(ulong? mailboxId, CancellationToken cancellationToken = default)
    {
        if (mailboxId is not { } tagged)
        {
            return own.GetMetadataAsync(null, cancellationToken);
        }

        var (owner, id) = Route(tagged);
        return (owner?.View ?? own).GetMetadataAsync(id, cancellationToken);
    }

    public ValueTask SetMetadataAsync(ulong? mailboxId, IReadOnlyList<MetadataEntry> entries, CancellationToken cancellationToken = default)
    {
        if (mailboxId is not { } tagged)
        {
            return own.SetMetadataAsync(null, entries, cancellationToken);
        }

        var (owner, id) = Route(tagged);
        return (owner?.View ?? own).SetMetadataAsync(id, entries, cancellationToken);
    }

    private static ulong Tag(Owner owner, ulong id) => ((ulong)owner.Slot << SlotShift) | (id & IdMask);

    private static MailboxMessage Outward(Owner owner, MailboxMessage message) => message with { EmailId = Tag(owner, message.EmailId) };

    private Mailbox Outward(Owner owner, Mailbox mailbox) => mailbox with
    {
        Id = Tag(owner, mailbox.Id),
        Name = Prefix + owner.Name + separator + mailbox.Name,
        ParentId = mailbox.ParentId is { } parent ? Tag(owner, parent) : null,
        IsSubscribed = true,
    };

    private Owner SlotOf(ulong slot)
        => slot < (ulong)slots.Count ? slots[(int)slot] : throw new MailException(MailErrorCode.MailboxNotFound, "No such mailbox.");

    private (Owner? Owner, ulong Id) Route(ulong id)
    {
        var slot = id >> SlotShift;
        return slot == 0 ? (null, id) : (SlotOf(slot), id & IdMask);
    }

    /// <summary>
    /// For a name in the other users' namespace, the owner (or <see langword="null"/> when no account by that name
    /// shares anything with the user) and the name in the owner's account; <see langword="null"/> for the user's own names.
    /// </summary>
    private async ValueTask<(Owner? Owner, string Name)?> ResolveAsync(string name, CancellationToken cancellationToken)
    {
        if (!name.StartsWith(Prefix, StringComparison.Ordinal) && name != OtherUsers)
        {
            return null;
        }

        var rest = name.Length > Prefix.Length ? name[Prefix.Length..] : string.Empty;
        var cut = rest.IndexOf(separator, StringComparison.Ordinal);
        if (cut <= 0 || cut == rest.Length - 1)
        {
            return (null, string.Empty);
        }

        var ownerName = rest[..cut];
        if (!byName.ContainsKey(ownerName))
        {
            // A share granted since the last listing: list again to learn the owner.
            await GetSharedAsync(cancellationToken).ConfigureAwait(false);
        }

        return (byName.GetValueOrDefault(ownerName), rest[(cut + 1)..]);
    }

    private async ValueTask<Owner> OwnerAsync(ulong accountId, string name, CancellationToken cancellationToken)
    {
        if (byName.TryGetValue(name, out var known))
        {
            return known;
        }

        await gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (byName.TryGetValue(name, out known))
            {
                return known;
            }

            if (slots.Count >= 1 << 16)
            {
                throw new MailException(MailErrorCode.NotPermitted, "Too many accounts share mailboxes with this one for one session.");
            }

            var owner = new Owner(slots.Count, accountId, name, engine.OpenSharedAccount(accountId, own.AccountId))
            {
                // Changes in the owner's mailboxes reach this session as changes in its own do.
                Subscription = await engine.SubscribeAsync(accountId, onChange, cancellationToken).ConfigureAwait(false),
            };
            slots.Add(owner);
            byName[name] = owner;
            return owner;
        }
        finally
        {
            gate.Release();
        }
    }

    private async ValueTask<CopyResult> TransferAsync(ulong sourceMailboxId, IReadOnlyCollection<uint> uids, ulong destinationMailboxId, bool move, CancellationToken cancellationToken)
    {
        var (sourceOwner, sourceId) = Route(sourceMailboxId);
        var (destinationOwner, destinationId) = Route(destinationMailboxId);
        var source = sourceOwner?.View ?? own;
        if (ReferenceEquals(sourceOwner, destinationOwner))
        {
            return move
                ? await source.MoveAsync(sourceId, uids, destinationId, cancellationToken).ConfigureAwait(false)
                : await source.CopyAsync(sourceId, uids, destinationId, cancellationToken).ConfigureAwait(false);
        }

        // Between accounts a message is copied as a new one: read from the source, appended to the destination.
        var destination = destinationOwner?.View ?? own;
        var target = await destination.GetMailboxAsync(destinationId, cancellationToken).ConfigureAwait(false)
            ?? throw new MailException(MailErrorCode.MailboxNotFound, "No such mailbox.");
        const MailboxRights moveOut = MailboxRights.DeleteMessages | MailboxRights.Expunge;
        if (move && (await source.GetMyRightsAsync(sourceId, cancellationToken).ConfigureAwait(false) & moveOut) != moveOut)
        {
            throw new MailException(MailErrorCode.NotPermitted, "Moving messages out of this mailbox needs the rights t and e.");
        }

        var wanted = uids.ToHashSet();
        var messages = new List<MailboxMessage>();
        if (wanted.Count > 0)
        {
            await foreach (var message in source.GetMessagesAsync(sourceId, wanted.Min(), wanted.Max(), cancellationToken).ConfigureAwait(false))
            {
                if (wanted.Contains(message.Uid))
                {
                    messages.Add(message);
                }
            }
        }

        var sourceUids = new List<uint>();
        var destinationUids = new List<uint>();
        ulong modSeq = 0;
        foreach (var message in messages)
        {
            var stream = await source.OpenMessageAsync(message.EmailId, cancellationToken).ConfigureAwait(false);
            if (stream is null)
            {
                continue;
            }

            await using (stream.ConfigureAwait(false))
            {
                var appended = await destination.AppendAsync(destinationId, stream, message.Keywords, message.InternalDate, cancellationToken).ConfigureAwait(false);
                if (!appended.Succeeded)
                {
                    return new CopyResult { ExceededQuota = appended.ExceededQuota, UidValidity = target.UidValidity };
                }

                sourceUids.Add(message.Uid);
                destinationUids.Add(appended.Uid);
                modSeq = appended.ModSeq;
            }
        }

        if (move && sourceUids.Count > 0)
        {
            await source.RemoveFromMailboxAsync(sourceId, sourceUids, cancellationToken).ConfigureAwait(false);
        }

        return new CopyResult { UidValidity = target.UidValidity, SourceUids = sourceUids, DestinationUids = destinationUids, ModSeq = modSeq };
    }

    private sealed record Owner(int Slot, ulong AccountId, string Name, IMailAccount View)
    {
        public IAsyncDisposable? Subscription { get; init; }
    }
}
