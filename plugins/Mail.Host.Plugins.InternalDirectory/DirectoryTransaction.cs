using Mail.Host.Storage;

namespace Mail.Host.Plugins.InternalDirectory;

/// <summary>
/// One optimistic change: reads principal and domain records, remembers the bytes it read, and commits every change
/// in one <see cref="WriteBatch"/> that asserts each record it changed (or asked to keep) still holds those bytes.
/// Another change committed in between makes the batch fail whole; the caller reads again and retries.
/// </summary>
/// <param name="data">The directory's reads.</param>
internal sealed class DirectoryTransaction(DirectoryData data)
{
    private readonly Dictionary<string, Tracked<PrincipalRecord>> principals = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Tracked<DomainRecord>> domains = new(StringComparer.Ordinal);
    private readonly WriteBatch batch = new();

    /// <summary>The directory's reads, for scans that need no tracking.</summary>
    public DirectoryData Data => data;

    /// <summary>Reads a principal record, tracked: the first read is the one the commit asserts.</summary>
    /// <param name="name">The lower-case name.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>The record as this change sees it, or null.</returns>
    public async ValueTask<PrincipalRecord?> PrincipalAsync(string name, CancellationToken cancellationToken)
    {
        if (!principals.TryGetValue(name, out var tracked))
        {
            var value = await data.Store.GetAsync(DirectoryKeys.Principals, DirectoryKeys.Principal(name), cancellationToken).ConfigureAwait(false);
            tracked = new Tracked<PrincipalRecord>(value, value is null ? null : RecordCodec.DecodePrincipal(value));
            principals[name] = tracked;
        }

        return tracked.Current;
    }

    /// <summary>Reads a domain record, tracked.</summary>
    /// <param name="domain">The lower-case domain.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>The record as this change sees it, or null.</returns>
    public async ValueTask<DomainRecord?> DomainAsync(string domain, CancellationToken cancellationToken)
    {
        if (!domains.TryGetValue(domain, out var tracked))
        {
            var value = await data.Store.GetAsync(DirectoryKeys.Domains, DirectoryKeys.Domain(domain), cancellationToken).ConfigureAwait(false);
            tracked = new Tracked<DomainRecord>(value, value is null ? null : RecordCodec.DecodeDomain(value));
            domains[domain] = tracked;
        }

        return tracked.Current;
    }

    /// <summary>Writes a principal record read earlier by <see cref="PrincipalAsync"/>.</summary>
    /// <param name="record">The new record.</param>
    public void PutPrincipal(PrincipalRecord record) => Change(principals, record.Name, record);

    /// <summary>Removes a principal record read earlier.</summary>
    /// <param name="name">The name.</param>
    public void RemovePrincipal(string name) => Change<PrincipalRecord>(principals, name, null);

    /// <summary>Makes the commit depend on a principal record read earlier staying as it was read (or absent).</summary>
    /// <param name="name">The name.</param>
    public void KeepPrincipal(string name) => Tracking(principals, name).Asserted = true;

    /// <summary>Writes a domain record read earlier by <see cref="DomainAsync"/>.</summary>
    /// <param name="domain">The domain.</param>
    /// <param name="record">The new record.</param>
    public void PutDomain(string domain, DomainRecord record) => Change(domains, domain, record);

    /// <summary>Removes a domain record read earlier.</summary>
    /// <param name="domain">The domain.</param>
    public void RemoveDomain(string domain) => Change<DomainRecord>(domains, domain, null);

    /// <summary>Gives an address to a principal: the address must be free when the batch commits, and its domain's count goes up.</summary>
    /// <param name="address">A normalized address in a local domain.</param>
    /// <param name="owner">The owner's name.</param>
    /// <param name="cancellationToken">Cancels reading the domain.</param>
    /// <returns>A task that completes when the change is staged.</returns>
    public async ValueTask AddAddressAsync(string address, string owner, CancellationToken cancellationToken)
    {
        var domain = AddressSyntax.Split(address).Domain;
        var record = await DomainAsync(domain, cancellationToken).ConfigureAwait(false)
            ?? throw new InvalidOperationException($"The domain {domain} is not local; check it before adding {address}.");
        PutDomain(domain, record with { AddressCount = record.AddressCount + 1 });
        var key = DirectoryKeys.Address(address);
        batch.AssertAbsent(DirectoryKeys.Addresses, key);
        batch.Set(DirectoryKeys.Addresses, key, DirectoryKeys.Principal(owner));
    }

    /// <summary>Takes an address away from its owner; its domain's count goes down.</summary>
    /// <param name="address">A normalized address the owner holds.</param>
    /// <param name="cancellationToken">Cancels reading the domain.</param>
    /// <returns>A task that completes when the change is staged.</returns>
    public async ValueTask RemoveAddressAsync(string address, CancellationToken cancellationToken)
    {
        var domain = AddressSyntax.Split(address).Domain;
        if (await DomainAsync(domain, cancellationToken).ConfigureAwait(false) is { } record)
        {
            PutDomain(domain, record with { AddressCount = Math.Max(0, record.AddressCount - 1) });
        }

        batch.Delete(DirectoryKeys.Addresses, DirectoryKeys.Address(address));
    }

    /// <summary>Records that a group lists an address.</summary>
    /// <param name="member">The member's address.</param>
    /// <param name="group">The group's name.</param>
    public void AddMembership(string member, string group) => batch.Set(DirectoryKeys.Members, DirectoryKeys.Member(member, group), []);

    /// <summary>Records that a group no longer lists an address.</summary>
    /// <param name="member">The member's address.</param>
    /// <param name="group">The group's name.</param>
    public void RemoveMembership(string member, string group) => batch.Delete(DirectoryKeys.Members, DirectoryKeys.Member(member, group));

    /// <summary>Records that a principal holds a role.</summary>
    /// <param name="role">The role.</param>
    /// <param name="name">The principal's name.</param>
    public void AddRole(string role, string name) => batch.Set(DirectoryKeys.Roles, DirectoryKeys.Role(role, name), []);

    /// <summary>Records that a principal no longer holds a role.</summary>
    /// <param name="role">The role.</param>
    /// <param name="name">The principal's name.</param>
    public void RemoveRole(string role, string name) => batch.Delete(DirectoryKeys.Roles, DirectoryKeys.Role(role, name));

    /// <summary>
    /// Commits every staged change in one batch, with an assertion for every record changed or kept. Call it once.
    /// </summary>
    /// <param name="cancellationToken">Cancels before the batch is applied.</param>
    /// <returns>Whether the batch committed; false when another change got there first.</returns>
    public async ValueTask<bool> CommitAsync(CancellationToken cancellationToken)
    {
        // Index entries were staged as they came; the records go in last, each with its assertion.
        Stage(batch, DirectoryKeys.Principals, principals, DirectoryKeys.Principal, RecordCodec.Encode);
        Stage(batch, DirectoryKeys.Domains, domains, DirectoryKeys.Domain, RecordCodec.Encode);
        if (batch.Count == 0)
        {
            return true;
        }

        return await data.Store.CommitAsync(batch, cancellationToken).ConfigureAwait(false) == CommitResult.Committed;
    }

    private static void Stage<T>(WriteBatch batch, string subspace, Dictionary<string, Tracked<T>> tracked, Func<string, byte[]> key, Func<T, byte[]> encode)
        where T : class
    {
        foreach (var (name, entry) in tracked)
        {
            if (!entry.Changed && !entry.Asserted)
            {
                continue;
            }

            var entryKey = key(name);
            if (entry.Original is null)
            {
                batch.AssertAbsent(subspace, entryKey);
            }
            else
            {
                batch.AssertValue(subspace, entryKey, entry.Original);
            }

            if (entry.Changed)
            {
                if (entry.Current is not null)
                {
                    batch.Set(subspace, entryKey, encode(entry.Current));
                }
                else if (entry.Original is not null)
                {
                    batch.Delete(subspace, entryKey);
                }
            }
        }
    }

    private static Tracked<T> Tracking<T>(Dictionary<string, Tracked<T>> tracked, string name)
        where T : class
        => tracked.TryGetValue(name, out var entry)
            ? entry
            : throw new InvalidOperationException($"'{name}' must be read in this change before it is changed or kept.");

    private static void Change<T>(Dictionary<string, Tracked<T>> tracked, string name, T? record)
        where T : class
    {
        var entry = Tracking(tracked, name);
        entry.Current = record;
        entry.Changed = true;
    }

    /// <summary>A record as first read and as this change leaves it.</summary>
    /// <typeparam name="T">The record type.</typeparam>
    /// <param name="original">The stored bytes when first read; null when absent.</param>
    /// <param name="current">The record as the change leaves it.</param>
    private sealed class Tracked<T>(byte[]? original, T? current)
        where T : class
    {
        public byte[]? Original { get; } = original;

        public T? Current { get; set; } = current;

        public bool Changed { get; set; }

        public bool Asserted { get; set; }
    }
}
