using Mail.Host.Mail;

namespace Mail.Host.Engine.Mail;

/// <summary>The owner's side of access control lists, shared mailboxes and metadata.</summary>
internal sealed partial class MailAccount
{
    public async ValueTask<IReadOnlyList<MailboxAccessEntry>> GetAclAsync(ulong mailboxId, CancellationToken cancellationToken = default)
    {
        await RequireMailboxAsync(mailboxId, cancellationToken).ConfigureAwait(false);
        return await engine.Access.ListAsync(AccountId, mailboxId, cancellationToken).ConfigureAwait(false);
    }

    public async ValueTask SetAclAsync(ulong mailboxId, string identifier, MailboxRights rights, CancellationToken cancellationToken = default)
    {
        await RequireMailboxAsync(mailboxId, cancellationToken).ConfigureAwait(false);
        await engine.Access.SetAsync(AccountId, mailboxId, identifier, rights, cancellationToken).ConfigureAwait(false);
    }

    public ValueTask DeleteAclAsync(ulong mailboxId, string identifier, CancellationToken cancellationToken = default)
        => SetAclAsync(mailboxId, identifier, MailboxRights.None, cancellationToken);

    public async ValueTask<MailboxRights> GetMyRightsAsync(ulong mailboxId, CancellationToken cancellationToken = default)
    {
        await RequireMailboxAsync(mailboxId, cancellationToken).ConfigureAwait(false);
        return MailboxRights.All;
    }

    public async ValueTask<IReadOnlyList<SharedMailbox>> GetSharedMailboxesAsync(CancellationToken cancellationToken = default)
    {
        var grants = await engine.Access.GrantsAsync(AccountId, cancellationToken).ConfigureAwait(false);
        var result = new List<SharedMailbox>();
        foreach (var owner in grants.Keys.Select(k => k.Owner).Distinct())
        {
            var name = await engine.Access.NameOfAsync(owner, cancellationToken).ConfigureAwait(false);
            if (name is null)
            {
                continue;
            }

            var ownerAccount = new MailAccount(engine, owner);
            foreach (var ((_, mailboxId), rights) in grants.Where(g => g.Key.Owner == owner))
            {
                if ((rights & MailboxRights.Lookup) == 0)
                {
                    continue;
                }

                if (await ownerAccount.GetMailboxAsync(mailboxId, cancellationToken).ConfigureAwait(false) is { } mailbox)
                {
                    // The owner's subscription is not the user's; counters need the right r.
                    var visible = (rights & MailboxRights.Read) != 0
                        ? mailbox with { IsSubscribed = false }
                        : mailbox with { IsSubscribed = false, TotalMessages = 0, UnseenMessages = 0, Size = 0 };
                    if ((rights & MailboxRights.Read) != 0 && engine.Options.PerUserSeenInSharedMailboxes)
                    {
                        // Unseen by this user's own $seen, not the owner's.
                        visible = visible with { UnseenMessages = await new PrivateSeen(engine, AccountId, owner).UnseenAsync(ownerAccount, mailbox, cancellationToken).ConfigureAwait(false) };
                    }

                    result.Add(new SharedMailbox { OwnerAccountId = owner, OwnerName = name, Mailbox = visible, Rights = rights });
                }
            }
        }

        result.Sort((a, b) => a.OwnerName != b.OwnerName ? string.CompareOrdinal(a.OwnerName, b.OwnerName) : string.CompareOrdinal(a.Mailbox.Name, b.Mailbox.Name));
        return result;
    }

    public async ValueTask<IReadOnlyList<MetadataEntry>> GetMetadataAsync(ulong? mailboxId, CancellationToken cancellationToken = default)
    {
        if (mailboxId is { } id)
        {
            await RequireMailboxAsync(id, cancellationToken).ConfigureAwait(false);
            return await engine.Access.GetMetadataAsync(AccountId, id, AccountId, cancellationToken).ConfigureAwait(false);
        }

        return await engine.Access.GetMetadataAsync(0, 0, AccountId, cancellationToken).ConfigureAwait(false);
    }

    public async ValueTask SetMetadataAsync(ulong? mailboxId, IReadOnlyList<MetadataEntry> entries, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(entries);
        if (mailboxId is { } id)
        {
            await RequireMailboxAsync(id, cancellationToken).ConfigureAwait(false);
            await engine.Access.SetMetadataAsync(AccountId, id, AccountId, entries, cancellationToken).ConfigureAwait(false);
            return;
        }

        if (entries.Any(e => MailAccess.IsShared(e.Name)))
        {
            // Server-wide /shared entries (such as /shared/admin) are the operator's, not any one account's.
            throw new MailException(MailErrorCode.NotPermitted, "Server /shared entries are kept by the operator; an account sets only its /private server entries.");
        }

        await engine.Access.SetMetadataAsync(0, 0, AccountId, entries, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The mailboxes an email is in, without reading its metadata; <see langword="null"/> when there is no such email.</summary>
    internal async ValueTask<IReadOnlyList<ulong>?> MailboxesOfAsync(ulong emailId, CancellationToken cancellationToken)
        => (await ReadEmailAsync(emailId, cancellationToken).ConfigureAwait(false))?.Mailboxes.Select(m => m.MailboxId).ToList();
}
