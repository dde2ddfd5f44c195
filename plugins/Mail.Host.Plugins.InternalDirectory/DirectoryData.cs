using System.Text;
using Mail.Host.Storage;

namespace Mail.Host.Plugins.InternalDirectory;

/// <summary>Reads of the internal directory's subspaces, shared by lookups and administration.</summary>
/// <param name="store">The data store the directory lives in.</param>
internal sealed class DirectoryData(IDataStore store)
{
    /// <summary>The data store.</summary>
    public IDataStore Store { get; } = store;

    /// <summary>Reads a principal record.</summary>
    /// <param name="name">The lower-case name.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>The record, or null.</returns>
    public async ValueTask<PrincipalRecord?> PrincipalAsync(string name, CancellationToken cancellationToken)
    {
        var value = await Store.GetAsync(DirectoryKeys.Principals, DirectoryKeys.Principal(name), cancellationToken).ConfigureAwait(false);
        return value is null ? null : RecordCodec.DecodePrincipal(value);
    }

    /// <summary>Reads a domain record.</summary>
    /// <param name="domain">The lower-case domain.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>The record, or null when the domain is not local.</returns>
    public async ValueTask<DomainRecord?> DomainAsync(string domain, CancellationToken cancellationToken)
    {
        var value = await Store.GetAsync(DirectoryKeys.Domains, DirectoryKeys.Domain(domain), cancellationToken).ConfigureAwait(false);
        return value is null ? null : RecordCodec.DecodeDomain(value);
    }

    /// <summary>Finds who owns an address.</summary>
    /// <param name="address">A normalized address.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>The owner's name, or null.</returns>
    public async ValueTask<string?> OwnerAsync(string address, CancellationToken cancellationToken)
    {
        var value = await Store.GetAsync(DirectoryKeys.Addresses, DirectoryKeys.Address(address), cancellationToken).ConfigureAwait(false);
        return value is null ? null : Encoding.UTF8.GetString(value);
    }

    /// <summary>The names of the groups that list any of the addresses as a member.</summary>
    /// <param name="addresses">The addresses of one principal.</param>
    /// <param name="cancellationToken">Cancels the scans.</param>
    /// <returns>The group names, each once, in order.</returns>
    public async ValueTask<IReadOnlyList<string>> GroupsOfAsync(IEnumerable<string> addresses, CancellationToken cancellationToken)
    {
        var groups = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var address in addresses)
        {
            await foreach (var entry in Store.ScanAsync(DirectoryKeys.Members, KeyRange.Prefix(DirectoryKeys.MembershipsOf(address)), cancellationToken).ConfigureAwait(false))
            {
                groups.Add(DirectoryKeys.SecondPart(entry.Key));
            }
        }

        return [.. groups];
    }

    /// <summary>Every membership, as member address → group names, for listing many principals with one scan.</summary>
    /// <param name="cancellationToken">Cancels the scan.</param>
    /// <returns>The groups of each member address.</returns>
    public async ValueTask<Dictionary<string, List<string>>> AllMembershipsAsync(CancellationToken cancellationToken)
    {
        var memberships = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        await foreach (var entry in Store.ScanAsync(DirectoryKeys.Members, KeyRange.All(), cancellationToken).ConfigureAwait(false))
        {
            var separator = Array.IndexOf(entry.Key, (byte)0);
            var member = Encoding.UTF8.GetString(entry.Key, 0, separator);
            if (!memberships.TryGetValue(member, out var groups))
            {
                memberships[member] = groups = [];
            }

            groups.Add(DirectoryKeys.SecondPart(entry.Key));
        }

        return memberships;
    }

    /// <summary>Every principal record, in name order.</summary>
    /// <param name="cancellationToken">Cancels the scan.</param>
    /// <returns>The records.</returns>
    public async ValueTask<List<PrincipalRecord>> AllPrincipalsAsync(CancellationToken cancellationToken)
    {
        var records = new List<PrincipalRecord>();
        await foreach (var entry in Store.ScanAsync(DirectoryKeys.Principals, KeyRange.All(), cancellationToken).ConfigureAwait(false))
        {
            records.Add(RecordCodec.DecodePrincipal(entry.Value));
        }

        return records;
    }

    /// <summary>Every local domain and its record, in name order.</summary>
    /// <param name="cancellationToken">Cancels the scan.</param>
    /// <returns>The domains.</returns>
    public async ValueTask<List<(string Domain, DomainRecord Record)>> AllDomainsAsync(CancellationToken cancellationToken)
    {
        var domains = new List<(string, DomainRecord)>();
        await foreach (var entry in Store.ScanAsync(DirectoryKeys.Domains, KeyRange.All(), cancellationToken).ConfigureAwait(false))
        {
            domains.Add((DirectoryKeys.Text(entry.Key), RecordCodec.DecodeDomain(entry.Value)));
        }

        return domains;
    }

    /// <summary>The names of the principals holding a role.</summary>
    /// <param name="role">The role.</param>
    /// <param name="limit">The most names to return.</param>
    /// <param name="cancellationToken">Cancels the scan.</param>
    /// <returns>The names, in order.</returns>
    public async ValueTask<List<string>> HoldersAsync(string role, int limit, CancellationToken cancellationToken)
    {
        var names = new List<string>();
        await foreach (var entry in Store.ScanAsync(DirectoryKeys.Roles, KeyRange.Prefix(DirectoryKeys.HoldersOf(role), limit: limit), cancellationToken).ConfigureAwait(false))
        {
            names.Add(DirectoryKeys.SecondPart(entry.Key));
        }

        return names;
    }

    /// <summary>Some of the addresses in a domain, for an error message.</summary>
    /// <param name="domain">The lower-case domain.</param>
    /// <param name="limit">The most addresses to return.</param>
    /// <param name="cancellationToken">Cancels the scan.</param>
    /// <returns>The addresses, in order.</returns>
    public async ValueTask<List<string>> AddressesInAsync(string domain, int limit, CancellationToken cancellationToken)
    {
        var addresses = new List<string>();
        await foreach (var entry in Store.ScanAsync(DirectoryKeys.Addresses, KeyRange.Prefix(DirectoryKeys.AddressesIn(domain), limit: limit), cancellationToken).ConfigureAwait(false))
        {
            addresses.Add(DirectoryKeys.AddressOf(entry.Key));
        }

        return addresses;
    }
}
