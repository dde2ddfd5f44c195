using System.Text;
using Mail.Host.Mail;
using Mail.Host.Storage;

namespace Mail.Host.Engine.Mail;

/// <summary>
/// Mailbox access control lists and metadata, kept in the data store beside the mailboxes (docs/engine-storage.md,
/// "Access control and metadata"). An entry is written twice in one batch: under the owner's mailbox, for GETACL, and
/// under the grantee, so an account lists what it was granted with one prefix scan.
/// </summary>
internal sealed class MailAccess(MailEngine engine)
{
    /// <summary>The grantee id that stands for <see cref="MailboxAccessEntry.Anyone"/>.</summary>
    public const ulong AnyoneId = 0;

    /// <summary>The bit of a grantee id that makes its entry negative rights (RFC 4314 §2, <c>-identifier</c>).</summary>
    public const ulong NegativeBit = 1UL << 63;

    /// <summary>The first character of a group identifier: <c>$sales</c> is the directory group <c>sales</c>.</summary>
    public const char GroupMark = '$';

    private readonly System.Collections.Concurrent.ConcurrentDictionary<ulong, (DateTimeOffset Until, ulong[] Groups)> memberships = new();

    private const string PrivatePrefix = "/private/";
    private const string SharedPrefix = "/shared/";
    private const int MaxEntryNameBytes = 512;

    private IDataStore Data => engine.Data;

    /// <summary>The rights of <paramref name="user"/> on a mailbox of <paramref name="owner"/>: its own grant and anyone's.</summary>
    public async ValueTask<MailboxRights> RightsAsync(ulong owner, ulong mailbox, ulong user, CancellationToken cancellationToken)
    {
        if (owner == user)
        {
            return MailboxRights.All;
        }

        var granted = MailboxRights.None;
        var denied = MailboxRights.None;
        foreach (var grantee in await GranteesAsync(user, cancellationToken).ConfigureAwait(false))
        {
            if (await Data.GetAsync(AccessKeys.Grant, AccessKeys.Three(grantee, owner, mailbox), cancellationToken).ConfigureAwait(false) is { } value)
            {
                if ((grantee & NegativeBit) != 0)
                {
                    denied |= AccessKeys.DecodeRights(value);
                }
                else
                {
                    granted |= AccessKeys.DecodeRights(value);
                }
            }
        }

        return granted & ~denied;
    }

    /// <summary>
    /// The grantee ids whose entries apply to <paramref name="user"/>: its own, anyone's, those of the groups it
    /// belongs to (asked of <see cref="MailEngine.MemberOf"/> at most once per
    /// <see cref="MailEngineOptions.GroupMembershipCacheTime"/>), and the negative entry of each.
    /// </summary>
    public async ValueTask<IReadOnlyList<ulong>> GranteesAsync(ulong user, CancellationToken cancellationToken)
    {
        var positive = new List<ulong> { user };
        if (user != AnyoneId)
        {
            positive.Add(AnyoneId);
            positive.AddRange(await GroupsOfAsync(user, cancellationToken).ConfigureAwait(false));
        }

        return [.. positive, .. positive.Select(g => g | NegativeBit)];
    }

    private async ValueTask<ulong[]> GroupsOfAsync(ulong user, CancellationToken cancellationToken)
    {
        if (engine.MemberOf is not { } memberOf)
        {
            return [];
        }

        var now = engine.Time.GetUtcNow();
        if (memberships.TryGetValue(user, out var cached) && cached.Until > now)
        {
            return cached.Groups;
        }

        var groups = new List<ulong>();
        if (await NameOfAsync(user, cancellationToken).ConfigureAwait(false) is { } name)
        {
            foreach (var group in await memberOf(name, cancellationToken).ConfigureAwait(false))
            {
                // A group no entry names has no id yet, and nothing to grant.
                if (!string.IsNullOrWhiteSpace(group) && await engine.FindAccountIdAsync(GroupMark + group, cancellationToken).ConfigureAwait(false) is { } id)
                {
                    groups.Add(id);
                }
            }
        }

        var result = groups.Distinct().ToArray();
        memberships[user] = (now + engine.Options.GroupMembershipCacheTime, result);
        return result;
    }

    /// <summary>Every mailbox of <paramref name="owner"/> granting <paramref name="user"/> (or anyone) something, with the rights.</summary>
    public async ValueTask<Dictionary<ulong, MailboxRights>> RightsMapAsync(ulong owner, ulong user, CancellationToken cancellationToken)
    {
        var map = new Dictionary<ulong, MailboxRights>();
        var denied = new Dictionary<ulong, MailboxRights>();
        foreach (var grantee in await GranteesAsync(user, cancellationToken).ConfigureAwait(false))
        {
            var target = (grantee & NegativeBit) != 0 ? denied : map;
            await foreach (var entry in Data.ScanAsync(AccessKeys.Grant, KeyRange.Prefix(MailKeys.AccountItem(grantee, owner)), cancellationToken).ConfigureAwait(false))
            {
                var mailbox = AccessKeys.ThirdOf(entry.Key);
                target[mailbox] = (target.TryGetValue(mailbox, out var had) ? had : MailboxRights.None) | AccessKeys.DecodeRights(entry.Value);
            }
        }

        foreach (var (mailbox, rights) in denied)
        {
            if (map.TryGetValue(mailbox, out var had))
            {
                map[mailbox] = had & ~rights;
            }
        }

        return map;
    }

    /// <summary>Every (owner, mailbox, rights) granted to <paramref name="user"/> or to anyone, the user's own mailboxes left out.</summary>
    public async ValueTask<Dictionary<(ulong Owner, ulong Mailbox), MailboxRights>> GrantsAsync(ulong user, CancellationToken cancellationToken)
    {
        var map = new Dictionary<(ulong, ulong), MailboxRights>();
        var denied = new Dictionary<(ulong, ulong), MailboxRights>();
        foreach (var grantee in await GranteesAsync(user, cancellationToken).ConfigureAwait(false))
        {
            var target = (grantee & NegativeBit) != 0 ? denied : map;
            await foreach (var entry in Data.ScanAsync(AccessKeys.Grant, KeyRange.Prefix(MailKeys.Account(grantee)), cancellationToken).ConfigureAwait(false))
            {
                var owner = MailKeys.SecondOf(entry.Key);
                if (owner == user)
                {
                    continue;
                }

                var key = (owner, AccessKeys.ThirdOf(entry.Key));
                target[key] = (target.TryGetValue(key, out var had) ? had : MailboxRights.None) | AccessKeys.DecodeRights(entry.Value);
            }
        }

        foreach (var (key, rights) in denied)
        {
            if (map.TryGetValue(key, out var had))
            {
                map[key] = had & ~rights;
            }
        }

        return map;
    }

    /// <summary>A mailbox's list: the owner with every right, then anyone, then each principal by name.</summary>
    public async ValueTask<IReadOnlyList<MailboxAccessEntry>> ListAsync(ulong owner, ulong mailbox, CancellationToken cancellationToken)
    {
        var result = new List<MailboxAccessEntry> { new(await NameOfAsync(owner, cancellationToken).ConfigureAwait(false) ?? $"#{owner}", MailboxRights.All) };
        var others = new List<MailboxAccessEntry>();
        await foreach (var entry in Data.ScanAsync(AccessKeys.Acl, KeyRange.Prefix(MailKeys.AccountItem(owner, mailbox)), cancellationToken).ConfigureAwait(false))
        {
            var grantee = AccessKeys.ThirdOf(entry.Key);
            var rights = AccessKeys.DecodeRights(entry.Value);
            var sign = (grantee & NegativeBit) != 0 ? "-" : string.Empty;
            grantee &= ~NegativeBit;
            if (grantee == AnyoneId)
            {
                (sign.Length == 0 ? result : others).Add(new MailboxAccessEntry(sign + MailboxAccessEntry.Anyone, rights));
            }
            else if (await NameOfAsync(grantee, cancellationToken).ConfigureAwait(false) is { } name)
            {
                others.Add(new MailboxAccessEntry(sign + name, rights));
            }
        }

        others.Sort((a, b) => string.CompareOrdinal(a.Identifier, b.Identifier));
        result.AddRange(others);
        return result;
    }

    /// <summary>Sets (or with <see cref="MailboxRights.None"/> removes) one identifier's rights on a mailbox.</summary>
    public async ValueTask SetAsync(ulong owner, ulong mailbox, string identifier, MailboxRights rights, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(identifier);
        var grantee = await GranteeAsync(identifier, cancellationToken).ConfigureAwait(false);
        if ((grantee & ~NegativeBit) == owner)
        {
            throw new MailException(MailErrorCode.InvalidArgument, "The owner always has every right on its mailboxes; its rights cannot be changed.");
        }

        rights &= MailboxRights.All;
        var batch = new WriteBatch();
        if (rights == MailboxRights.None)
        {
            batch.Delete(AccessKeys.Acl, AccessKeys.Three(owner, mailbox, grantee));
            batch.Delete(AccessKeys.Grant, AccessKeys.Three(grantee, owner, mailbox));
        }
        else
        {
            var value = AccessKeys.EncodeRights(rights);
            batch.Set(AccessKeys.Acl, AccessKeys.Three(owner, mailbox, grantee), value);
            batch.Set(AccessKeys.Grant, AccessKeys.Three(grantee, owner, mailbox), value);
        }

        await Data.CommitAsync(batch, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Removes a deleted mailbox's list (both copies of each entry) and its metadata.</summary>
    public async ValueTask ForgetMailboxAsync(ulong owner, ulong mailbox, CancellationToken cancellationToken)
    {
        var batch = new WriteBatch();
        await foreach (var entry in Data.ScanAsync(AccessKeys.Acl, KeyRange.Prefix(MailKeys.AccountItem(owner, mailbox)), cancellationToken).ConfigureAwait(false))
        {
            batch.Delete(AccessKeys.Acl, entry.Key);
            batch.Delete(AccessKeys.Grant, AccessKeys.Three(AccessKeys.ThirdOf(entry.Key), owner, mailbox));
        }

        await foreach (var entry in Data.ScanAsync(AccessKeys.Metadata, KeyRange.Prefix(MailKeys.AccountItem(owner, mailbox)), cancellationToken).ConfigureAwait(false))
        {
            batch.Delete(AccessKeys.Metadata, entry.Key);
        }

        if (batch.Count > 0)
        {
            await Data.CommitAsync(batch, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>The principal name an account was mapped from, or <see langword="null"/> when the engine never saw it.</summary>
    public async ValueTask<string?> NameOfAsync(ulong account, CancellationToken cancellationToken)
    {
        var value = await Data.GetAsync(AccessKeys.Principal, MailKeys.Account(account), cancellationToken).ConfigureAwait(false);
        return value is null ? null : Encoding.UTF8.GetString(value);
    }

    /// <summary>The metadata entries of a scope: <c>/shared</c> ones and <paramref name="user"/>'s <c>/private</c> ones, by name.</summary>
    public async ValueTask<IReadOnlyList<MetadataEntry>> GetMetadataAsync(ulong owner, ulong mailbox, ulong user, CancellationToken cancellationToken)
    {
        var result = new List<MetadataEntry>();
        foreach (var scope in new[] { AnyoneId, user })
        {
            await foreach (var entry in Data.ScanAsync(AccessKeys.Metadata, KeyRange.Prefix(AccessKeys.Three(owner, mailbox, scope)), cancellationToken).ConfigureAwait(false))
            {
                result.Add(new MetadataEntry(AccessKeys.MetadataNameOf(entry.Key), entry.Value.AsSpan(1).ToArray()));
            }
        }

        result.Sort((a, b) => string.CompareOrdinal(a.Name, b.Name));
        return result;
    }

    /// <summary>Sets or removes metadata entries of a scope in one batch, within the engine's limits.</summary>
    public async ValueTask SetMetadataAsync(ulong owner, ulong mailbox, ulong user, IReadOnlyList<MetadataEntry> entries, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(entries);
        var changes = new Dictionary<(ulong Scope, string Name), byte[]?>();
        foreach (var entry in entries)
        {
            var name = NormalizeName(entry.Name);
            if (entry.Value is { } value && value.Length > engine.Options.MaxMetadataValueBytes)
            {
                throw new MailException(MailErrorCode.ValueTooLarge, $"A metadata value is at most {engine.Options.MaxMetadataValueBytes} bytes.");
            }

            changes[(name.StartsWith(PrivatePrefix, StringComparison.Ordinal) ? user : AnyoneId, name)] = entry.Value;
        }

        foreach (var scope in changes.Keys.Select(k => k.Scope).Distinct())
        {
            var names = new HashSet<string>(StringComparer.Ordinal);
            await foreach (var entry in Data.ScanAsync(AccessKeys.Metadata, KeyRange.Prefix(AccessKeys.Three(owner, mailbox, scope)), cancellationToken).ConfigureAwait(false))
            {
                names.Add(AccessKeys.MetadataNameOf(entry.Key));
            }

            foreach (var ((changeScope, name), value) in changes)
            {
                if (changeScope != scope)
                {
                    continue;
                }

                if (value is null)
                {
                    names.Remove(name);
                }
                else
                {
                    names.Add(name);
                }
            }

            if (names.Count > engine.Options.MaxMetadataEntries)
            {
                throw new MailException(MailErrorCode.TooManyEntries, $"At most {engine.Options.MaxMetadataEntries} metadata entries are kept per mailbox and per server, for each of /private and /shared.");
            }
        }

        if (changes.Count == 0)
        {
            return;
        }

        // Written in a transaction of the account that holds the entries (the user's for server entries), which logs
        // the change, so every session of the account (and of users it shares the mailbox with) hears of it.
        await engine.WriteAsync(
            owner == 0 ? user : owner,
            create: owner == 0,
            t =>
            {
                foreach (var ((scope, name), value) in changes)
                {
                    var key = AccessKeys.MetadataKey(owner, mailbox, scope, name);
                    if (value is null)
                    {
                        t.Batch.Delete(AccessKeys.Metadata, key);
                    }
                    else
                    {
                        var stored = new byte[value.Length + 1];
                        stored[0] = 1;
                        value.CopyTo(stored, 1);
                        t.Batch.Set(AccessKeys.Metadata, key, stored);
                    }
                }

                t.Record(ChangeKind.MetadataChanged, mailbox);
                return ValueTask.FromResult(true);
            },
            cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Whether an entry name is a <c>/shared</c> one (after <see cref="NormalizeName"/>).</summary>
    public static bool IsShared(string name) => name.StartsWith(SharedPrefix, StringComparison.OrdinalIgnoreCase);

    /// <summary>Checks an entry name (RFC 5464 §3.2) and gives it in lower case.</summary>
    public static string NormalizeName(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        var lower = name.ToLowerInvariant();
        var valid = (lower.StartsWith(PrivatePrefix, StringComparison.Ordinal) && lower.Length > PrivatePrefix.Length)
            || (lower.StartsWith(SharedPrefix, StringComparison.Ordinal) && lower.Length > SharedPrefix.Length);
        valid = valid && Encoding.UTF8.GetByteCount(lower) <= MaxEntryNameBytes && !lower.EndsWith('/') && !lower.Contains("//", StringComparison.Ordinal)
            && lower.All(c => c > ' ' && c < 0x7f && c is not ('*' or '%'));
        return valid
            ? lower
            : throw new MailException(MailErrorCode.InvalidArgument, $"'{(name.Length > 64 ? name[..64] : name)}' is not a metadata entry name: it starts with /private/ or /shared/ and has no wildcards.");
    }

    private async ValueTask<ulong> GranteeAsync(string identifier, CancellationToken cancellationToken)
    {
        var trimmed = identifier.Trim();
        var negative = trimmed.StartsWith('-');
        var name = negative ? trimmed[1..] : trimmed;
        var sign = negative ? NegativeBit : 0;
        if (string.Equals(name, MailboxAccessEntry.Anyone, StringComparison.OrdinalIgnoreCase))
        {
            return AnyoneId | sign;
        }

        if (name.Length == 0 || name.StartsWith('-') || name == GroupMark.ToString())
        {
            throw new MailException(MailErrorCode.InvalidArgument, "An identifier is anyone, a principal name or $group, each optionally after - for negative rights.");
        }

        return await engine.GetAccountIdAsync(name, cancellationToken).ConfigureAwait(false) | sign;
    }
}
