using Mail.Host.Directory;

namespace Mail.Host.Plugins.InternalDirectory;

/// <summary>
/// Changes to an internal directory: accounts, groups and domains. The admin API calls this class; so can tests and
/// tools. Every change is one atomic batch that asserts what it read (optimistic concurrency): when another change
/// commits first, the change reads again and retries, so two administrators cannot give one address or one name to
/// two principals, or delete a domain while an address is added to it. Refusals throw
/// <see cref="DirectoryAdministrationException"/> with a message meant for the administrator.
/// </summary>
/// <remarks>
/// Group members are addresses. A member that is itself a group appears as that group's address; the directory does
/// not expand it (<see cref="IDirectory.ResolveRecipientAsync"/> returns the outer group with its member addresses),
/// and the delivery engine resolves each member address in turn, expanding nested groups and stopping at an address
/// it has already seen.
/// </remarks>
public sealed class DirectoryAdministration
{
    private const int MaxAttempts = 20;
    private const int MaxDisplayNameLength = 256;
    private const int AddressesShownInErrors = 5;

    private readonly DirectoryData data;
    private readonly InternalDirectoryOptions options;

    /// <summary>Creates the administration of one directory.</summary>
    /// <param name="data">The directory's reads.</param>
    /// <param name="options">How passwords are hashed.</param>
    internal DirectoryAdministration(DirectoryData data, InternalDirectoryOptions options)
    {
        this.data = data;
        this.options = options;
    }

    /// <summary>Lists every account (individual principal), in name order.</summary>
    /// <param name="cancellationToken">Cancels the listing.</param>
    /// <returns>The accounts.</returns>
    public Task<IReadOnlyList<Principal>> ListAccountsAsync(CancellationToken cancellationToken = default)
        => ListAsync(PrincipalKind.Individual, cancellationToken);

    /// <summary>Lists every group, in name order.</summary>
    /// <param name="cancellationToken">Cancels the listing.</param>
    /// <returns>The groups.</returns>
    public Task<IReadOnlyList<Principal>> ListGroupsAsync(CancellationToken cancellationToken = default)
        => ListAsync(PrincipalKind.Group, cancellationToken);

    /// <summary>Reads one account.</summary>
    /// <param name="name">Its name.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>The account.</returns>
    /// <exception cref="DirectoryAdministrationException">There is no such account.</exception>
    public Task<Principal> GetAccountAsync(string name, CancellationToken cancellationToken = default)
        => GetAsync(name, PrincipalKind.Individual, cancellationToken);

    /// <summary>Reads one group.</summary>
    /// <param name="name">Its name.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>The group, with its members.</returns>
    /// <exception cref="DirectoryAdministrationException">There is no such group.</exception>
    public Task<Principal> GetGroupAsync(string name, CancellationToken cancellationToken = default)
        => GetAsync(name, PrincipalKind.Group, cancellationToken);

    /// <summary>Creates an account.</summary>
    /// <param name="request">The account.</param>
    /// <param name="cancellationToken">Cancels the change.</param>
    /// <returns>The account as created.</returns>
    /// <exception cref="DirectoryAdministrationException">The request is invalid, or the name or an address is taken.</exception>
    public async Task<Principal> CreateAccountAsync(AccountCreateRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        var name = RequireName(request.Name, "account");
        var addresses = RequireAddresses(request.Addresses);
        var roles = request.Roles is null ? [DirectoryRoles.User] : RequireRoles(request.Roles);
        var displayName = CleanDisplayName(request.DisplayName);
        var quotaBytes = RequireQuota(request.QuotaBytes, "quotaBytes");
        var quotaMessages = RequireQuota(request.QuotaMessages, "quotaMessages");
        if (PasswordPolicy.Problem(request.Password, name) is { } problem)
        {
            throw Invalid($"Cannot create the account '{name}': {problem}.");
        }

        // Hashed once, outside the retries: it is the slow part and does not depend on what is stored.
        var secret = options.Hash(request.Password!);
        var record = new PrincipalRecord
        {
            Name = name,
            Kind = PrincipalKind.Individual,
            DisplayName = displayName,
            Secret = secret,
            ScramSha256 = InternalDirectoryOptions.Scram(request.Password!),
            Addresses = addresses,
            Roles = roles,
            QuotaBytes = quotaBytes,
            QuotaMessages = quotaMessages,
            Disabled = request.Disabled,
        };

        await ChangeAsync((tx, ct) => CreateAsync(tx, record, [], ct), cancellationToken).ConfigureAwait(false);
        return await GetAsync(name, PrincipalKind.Individual, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Changes an account: password, display name, addresses, roles, quotas, disabled.</summary>
    /// <param name="name">The account's name.</param>
    /// <param name="request">What changes; null properties stay as they are.</param>
    /// <param name="cancellationToken">Cancels the change.</param>
    /// <returns>The account as changed.</returns>
    /// <exception cref="DirectoryAdministrationException">No such account, invalid input, an address taken, or the last admin would be lost.</exception>
    public async Task<Principal> UpdateAccountAsync(string name, AccountUpdateRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        var key = RequireExistingName(name, "account");
        var addresses = request.Addresses is null ? null : RequireAddresses(request.Addresses);
        var roles = request.Roles is null ? null : RequireRoles(request.Roles);
        var quotaBytes = RequireQuota(request.QuotaBytes, "quotaBytes");
        var quotaMessages = RequireQuota(request.QuotaMessages, "quotaMessages");
        string? secret = null;
        string? scram = null;
        if (request.Password is not null)
        {
            if (PasswordPolicy.Problem(request.Password, key) is { } problem)
            {
                throw Invalid($"Cannot change the password of '{key}': {problem}.");
            }

            secret = options.Hash(request.Password);
            scram = InternalDirectoryOptions.Scram(request.Password);
        }

        await ChangeAsync(
            async (tx, ct) =>
            {
                var current = await RequireAsync(tx, key, PrincipalKind.Individual, ct).ConfigureAwait(false);
                var updated = current with
                {
                    Secret = secret ?? current.Secret,
                    ScramSha256 = secret is null ? current.ScramSha256 : scram,
                    DisplayName = request.DisplayName is null ? current.DisplayName : CleanDisplayName(request.DisplayName),
                    Addresses = addresses ?? current.Addresses,
                    Roles = roles ?? current.Roles,
                    QuotaBytes = request.QuotaBytes is null ? current.QuotaBytes : quotaBytes,
                    QuotaMessages = request.QuotaMessages is null ? current.QuotaMessages : quotaMessages,
                    Disabled = request.Disabled ?? current.Disabled,
                };
                if (current.IsActiveAdmin && !updated.IsActiveAdmin)
                {
                    await RequireAnotherAdminAsync(tx, key, ct).ConfigureAwait(false);
                }

                await ChangeAddressesAsync(tx, current, updated.Addresses, ct).ConfigureAwait(false);
                foreach (var role in current.Roles.Except(updated.Roles, StringComparer.Ordinal))
                {
                    tx.RemoveRole(role, key);
                }

                foreach (var role in updated.Roles.Except(current.Roles, StringComparer.Ordinal))
                {
                    tx.AddRole(role, key);
                }

                tx.PutPrincipal(updated);
                return true;
            },
            cancellationToken).ConfigureAwait(false);
        return await GetAsync(key, PrincipalKind.Individual, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Deletes an account: its addresses are freed, it leaves every group, and it stops being a catch-all.</summary>
    /// <param name="name">The account's name.</param>
    /// <param name="cancellationToken">Cancels the change.</param>
    /// <returns>A task that completes when the account is gone.</returns>
    /// <exception cref="DirectoryAdministrationException">No such account, or it is the last admin.</exception>
    public Task DeleteAccountAsync(string name, CancellationToken cancellationToken = default)
        => DeleteAsync(name, PrincipalKind.Individual, cancellationToken);

    /// <summary>Creates a group or mailing list.</summary>
    /// <param name="request">The group.</param>
    /// <param name="cancellationToken">Cancels the change.</param>
    /// <returns>The group as created.</returns>
    /// <exception cref="DirectoryAdministrationException">The request is invalid, or the name or an address is taken.</exception>
    public async Task<Principal> CreateGroupAsync(GroupCreateRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        var name = RequireName(request.Name, "group");
        var record = new PrincipalRecord
        {
            Name = name,
            Kind = PrincipalKind.Group,
            DisplayName = CleanDisplayName(request.DisplayName),
            Addresses = RequireAddresses(request.Addresses),
        };
        var members = request.Members ?? [];
        await ChangeAsync((tx, ct) => CreateAsync(tx, record, members, ct), cancellationToken).ConfigureAwait(false);
        return await GetAsync(name, PrincipalKind.Group, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Deletes a group: its addresses are freed, and it leaves the groups that listed it.</summary>
    /// <param name="name">The group's name.</param>
    /// <param name="cancellationToken">Cancels the change.</param>
    /// <returns>A task that completes when the group is gone.</returns>
    /// <exception cref="DirectoryAdministrationException">No such group.</exception>
    public Task DeleteGroupAsync(string name, CancellationToken cancellationToken = default)
        => DeleteAsync(name, PrincipalKind.Group, cancellationToken);

    /// <summary>Adds members to a group; members it already has are left as they are.</summary>
    /// <param name="group">The group's name.</param>
    /// <param name="members">Principal names or addresses.</param>
    /// <param name="cancellationToken">Cancels the change.</param>
    /// <returns>The group as changed.</returns>
    /// <exception cref="DirectoryAdministrationException">No such group, or a member is invalid.</exception>
    public async Task<Principal> AddMembersAsync(string group, IReadOnlyList<string> members, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(members);
        var key = RequireExistingName(group, "group");
        if (members.Count == 0)
        {
            throw Invalid("Give at least one member to add: a principal name or an address.");
        }

        await ChangeAsync(
            async (tx, ct) =>
            {
                var current = await RequireAsync(tx, key, PrincipalKind.Group, ct).ConfigureAwait(false);
                var added = await ResolveMembersAsync(tx, key, members, ct).ConfigureAwait(false);
                var fresh = added.Except(current.Members, StringComparer.Ordinal).ToList();
                foreach (var member in fresh)
                {
                    tx.AddMembership(member, key);
                }

                tx.PutPrincipal(current with { Members = [.. current.Members, .. fresh] });
                return true;
            },
            cancellationToken).ConfigureAwait(false);
        return await GetAsync(key, PrincipalKind.Group, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Removes one member from a group.</summary>
    /// <param name="group">The group's name.</param>
    /// <param name="member">The member's address, or the name of a principal whose address the group lists.</param>
    /// <param name="cancellationToken">Cancels the change.</param>
    /// <returns>The group as changed.</returns>
    /// <exception cref="DirectoryAdministrationException">No such group, or the group does not list the member.</exception>
    public async Task<Principal> RemoveMemberAsync(string group, string member, CancellationToken cancellationToken = default)
    {
        var key = RequireExistingName(group, "group");
        await ChangeAsync(
            async (tx, ct) =>
            {
                var current = await RequireAsync(tx, key, PrincipalKind.Group, ct).ConfigureAwait(false);
                var listed = await ListedMembersAsync(tx, current, member, ct).ConfigureAwait(false);
                if (listed.Count == 0)
                {
                    throw new DirectoryAdministrationException(DirectoryErrorKind.NotFound, $"The group '{key}' has no member '{member}'; its members are: {Describe(current.Members)}.");
                }

                foreach (var address in listed)
                {
                    tx.RemoveMembership(address, key);
                }

                tx.PutPrincipal(current with { Members = [.. current.Members.Except(listed, StringComparer.Ordinal)] });
                return true;
            },
            cancellationToken).ConfigureAwait(false);
        return await GetAsync(key, PrincipalKind.Group, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Lists the local domains, in name order.</summary>
    /// <param name="cancellationToken">Cancels the listing.</param>
    /// <returns>The domains.</returns>
    public async Task<IReadOnlyList<DomainInfo>> ListDomainsAsync(CancellationToken cancellationToken = default)
        => [.. (await data.AllDomainsAsync(cancellationToken).ConfigureAwait(false)).Select(d => Info(d.Domain, d.Record))];

    /// <summary>Reads one local domain.</summary>
    /// <param name="name">The domain.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>The domain.</returns>
    /// <exception cref="DirectoryAdministrationException">The domain is not local.</exception>
    public async Task<DomainInfo> GetDomainAsync(string name, CancellationToken cancellationToken = default)
    {
        var domain = RequireExistingDomain(name);
        var record = await data.DomainAsync(domain, cancellationToken).ConfigureAwait(false) ?? throw DomainNotFound(domain);
        return Info(domain, record);
    }

    /// <summary>Adds a local domain, optionally with a catch-all principal.</summary>
    /// <param name="request">The domain.</param>
    /// <param name="cancellationToken">Cancels the change.</param>
    /// <returns>The domain as added.</returns>
    /// <exception cref="DirectoryAdministrationException">The name is invalid, the domain exists, or the catch-all names nobody.</exception>
    public async Task<DomainInfo> CreateDomainAsync(DomainCreateRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (!AddressSyntax.TryNormalizeDomain(request.Name?.Trim(), out var domain))
        {
            throw Invalid($"'{request.Name}' is not a domain name: use labels of letters, digits and hyphens separated by dots, for example example.org.");
        }

        return await ChangeAsync(
            async (tx, ct) =>
            {
                if (await tx.DomainAsync(domain, ct).ConfigureAwait(false) is not null)
                {
                    throw Conflict($"The domain {domain} already exists.");
                }

                var record = new DomainRecord { CatchAll = await CatchAllTargetAsync(tx, request.CatchAll, domain, ct).ConfigureAwait(false) };
                tx.PutDomain(domain, record);
                return Info(domain, record);
            },
            cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Sets or removes a domain's catch-all principal.</summary>
    /// <param name="name">The domain.</param>
    /// <param name="request">The new catch-all.</param>
    /// <param name="cancellationToken">Cancels the change.</param>
    /// <returns>The domain as changed.</returns>
    /// <exception cref="DirectoryAdministrationException">The domain is not local, or the catch-all names nobody.</exception>
    public async Task<DomainInfo> UpdateDomainAsync(string name, DomainUpdateRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        var domain = RequireExistingDomain(name);
        return await ChangeAsync(
            async (tx, ct) =>
            {
                var current = await tx.DomainAsync(domain, ct).ConfigureAwait(false) ?? throw DomainNotFound(domain);
                var updated = current with { CatchAll = await CatchAllTargetAsync(tx, request.CatchAll, domain, ct).ConfigureAwait(false) };
                tx.PutDomain(domain, updated);
                return Info(domain, updated);
            },
            cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Removes a local domain. A domain some principal still has an address in cannot be removed.</summary>
    /// <param name="name">The domain.</param>
    /// <param name="cancellationToken">Cancels the change.</param>
    /// <returns>A task that completes when the domain is gone.</returns>
    /// <exception cref="DirectoryAdministrationException">The domain is not local, or it still has addresses.</exception>
    public Task DeleteDomainAsync(string name, CancellationToken cancellationToken = default)
    {
        var domain = RequireExistingDomain(name);
        return ChangeAsync(
            async (tx, ct) =>
            {
                var current = await tx.DomainAsync(domain, ct).ConfigureAwait(false) ?? throw DomainNotFound(domain);
                if (current.AddressCount > 0)
                {
                    var some = await data.AddressesInAsync(domain, AddressesShownInErrors, ct).ConfigureAwait(false);
                    var more = current.AddressCount > some.Count ? ", …" : string.Empty;
                    throw Conflict(
                        $"The domain {domain} still has {current.AddressCount} address{(current.AddressCount == 1 ? string.Empty : "es")} " +
                        $"({string.Join(", ", some)}{more}): remove those addresses, or the accounts and groups that own them, first.");
                }

                tx.RemoveDomain(domain);
                return true;
            },
            cancellationToken);
    }

    private static Task<PrincipalRecord> RequireAsync(DirectoryTransaction tx, string name, PrincipalKind kind, CancellationToken cancellationToken)
        => RequireKindAsync(tx.PrincipalAsync(name, cancellationToken), name, kind);

    private static async Task<PrincipalRecord> RequireKindAsync(ValueTask<PrincipalRecord?> read, string name, PrincipalKind kind)
    {
        var record = await read.ConfigureAwait(false);
        if (record is null || record.Kind != kind)
        {
            throw NotFound(name, kind, record);
        }

        return record;
    }

    private static DirectoryAdministrationException NotFound(string name, PrincipalKind kind, PrincipalRecord? other)
    {
        var what = Noun(kind);
        var hint = other is null ? string.Empty : $" ('{name}' is {(other.Kind == PrincipalKind.Group ? "a group" : "an account")})";
        return new DirectoryAdministrationException(DirectoryErrorKind.NotFound, $"There is no {what} named '{name}'{hint}.");
    }

    private static DirectoryAdministrationException DomainNotFound(string domain)
        => new(DirectoryErrorKind.NotFound, $"The domain {domain} is not a local domain of this directory.");

    private static DirectoryAdministrationException Invalid(string message) => new(DirectoryErrorKind.Invalid, message);

    private static DirectoryAdministrationException Conflict(string message) => new(DirectoryErrorKind.Conflict, message);

    private static string Noun(PrincipalKind kind) => kind == PrincipalKind.Group ? "group" : "account";

    private static string Describe(IReadOnlyList<string> items) => items.Count == 0 ? "none" : string.Join(", ", items);

    private static DomainInfo Info(string domain, DomainRecord record) => new(domain, record.CatchAll, record.AddressCount);

    private static string RequireName(string? name, string what)
    {
        if (!PrincipalName.TryNormalize(name?.Trim(), out var normalized))
        {
            throw Invalid(string.IsNullOrWhiteSpace(name)
                ? $"The {what} needs a name: {PrincipalName.Rule}."
                : $"'{name}' is not a valid {what} name: use {PrincipalName.Rule}.");
        }

        return normalized;
    }

    private static string RequireExistingName(string? name, string what)
    {
        // A name that cannot exist is simply not there: the caller asked for something by name, not for a new one.
        if (!PrincipalName.TryNormalize(name?.Trim(), out var normalized))
        {
            throw new DirectoryAdministrationException(DirectoryErrorKind.NotFound, $"There is no {what} named '{name}'.");
        }

        return normalized;
    }

    private static string RequireExistingDomain(string? name)
    {
        if (!AddressSyntax.TryNormalizeDomain(name?.Trim(), out var domain))
        {
            throw new DirectoryAdministrationException(DirectoryErrorKind.NotFound, $"'{name}' is not a local domain of this directory.");
        }

        return domain;
    }

    private static List<string> RequireAddresses(IReadOnlyList<string>? addresses)
    {
        var normalized = new List<string>();
        foreach (var address in addresses ?? [])
        {
            if (!AddressSyntax.TryNormalize(address?.Trim(), out var value, out _))
            {
                throw Invalid($"'{address}' is not a valid address: use local@domain, with a local part of letters, digits, dots and the symbols !#$%&'*+-/=?^_`{{|}}~.");
            }

            if (!normalized.Contains(value, StringComparer.Ordinal))
            {
                normalized.Add(value);
            }
        }

        return normalized;
    }

    private static List<string> RequireRoles(IReadOnlyList<string> roles)
    {
        var normalized = new List<string>();
        foreach (var role in roles)
        {
            var value = role?.Trim().ToLowerInvariant();
            if (value is null || !DirectoryRoles.All.Contains(value, StringComparer.Ordinal))
            {
                throw Invalid($"'{role}' is not a role: the roles are {string.Join(" and ", DirectoryRoles.All)}.");
            }

            if (!normalized.Contains(value, StringComparer.Ordinal))
            {
                normalized.Add(value);
            }
        }

        return normalized;
    }

    private static long? RequireQuota(long? quota, string what) => quota switch
    {
        null or 0 => null,
        < 0 => throw Invalid($"{what} must be 0 (no limit) or more, not {quota}."),
        _ => quota,
    };

    private static string? CleanDisplayName(string? displayName)
    {
        var trimmed = displayName?.Trim();
        if (string.IsNullOrEmpty(trimmed))
        {
            return null;
        }

        if (trimmed.Length > MaxDisplayNameLength || trimmed.Any(char.IsControl))
        {
            throw Invalid($"The display name must be at most {MaxDisplayNameLength} characters, without line breaks or control characters.");
        }

        return trimmed;
    }

    private static async Task<bool> CreateAsync(DirectoryTransaction tx, PrincipalRecord record, IReadOnlyList<string> members, CancellationToken cancellationToken)
    {
        if (await tx.PrincipalAsync(record.Name, cancellationToken).ConfigureAwait(false) is { } existing)
        {
            throw Conflict($"The name '{record.Name}' is already taken by {(existing.Kind == PrincipalKind.Group ? "a group" : "an account")}.");
        }

        await ChangeAddressesAsync(tx, record with { Addresses = [] }, record.Addresses, cancellationToken).ConfigureAwait(false);
        foreach (var role in record.Roles)
        {
            tx.AddRole(role, record.Name);
        }

        var resolved = await ResolveMembersAsync(tx, record.Name, members, cancellationToken).ConfigureAwait(false);
        foreach (var member in resolved)
        {
            tx.AddMembership(member, record.Name);
        }

        tx.PutPrincipal(record with { Members = resolved });
        return true;
    }

    /// <summary>Gives the principal exactly <paramref name="wanted"/>: new addresses are checked and taken, dropped ones freed.</summary>
    private static async Task ChangeAddressesAsync(DirectoryTransaction tx, PrincipalRecord current, IReadOnlyList<string> wanted, CancellationToken cancellationToken)
    {
        foreach (var address in wanted.Except(current.Addresses, StringComparer.Ordinal))
        {
            var domain = AddressSyntax.Split(address).Domain;
            if (await tx.DomainAsync(domain, cancellationToken).ConfigureAwait(false) is null)
            {
                throw Invalid($"The address {address} is not in a local domain: add the domain first (mailhost domain add {domain}).");
            }

            if (await tx.Data.OwnerAsync(address, cancellationToken).ConfigureAwait(false) is { } owner)
            {
                throw Conflict($"The address {address} is already given to '{owner}'.");
            }

            await tx.AddAddressAsync(address, current.Name, cancellationToken).ConfigureAwait(false);
        }

        var dropped = current.Addresses.Except(wanted, StringComparer.Ordinal).ToList();
        foreach (var address in dropped)
        {
            await tx.RemoveAddressAsync(address, cancellationToken).ConfigureAwait(false);
        }

        // Whoever takes a freed address later must not inherit the groups that listed it.
        await LeaveGroupsAsync(tx, dropped, current.Name, cancellationToken).ConfigureAwait(false);
    }

    private static async Task LeaveGroupsAsync(DirectoryTransaction tx, IReadOnlyList<string> addresses, string except, CancellationToken cancellationToken)
    {
        foreach (var address in addresses)
        {
            foreach (var groupName in await tx.Data.GroupsOfAsync([address], cancellationToken).ConfigureAwait(false))
            {
                tx.RemoveMembership(address, groupName);
                if (groupName != except && await tx.PrincipalAsync(groupName, cancellationToken).ConfigureAwait(false) is { } group)
                {
                    tx.PutPrincipal(group with { Members = [.. group.Members.Where(m => m != address)] });
                }
            }
        }
    }

    /// <summary>Turns member names and addresses into the addresses a group stores, checking local ones exist.</summary>
    private static async Task<List<string>> ResolveMembersAsync(DirectoryTransaction tx, string group, IReadOnlyList<string> members, CancellationToken cancellationToken)
    {
        var resolved = new List<string>();
        foreach (var given in members)
        {
            var member = given?.Trim();
            string address;
            string? owner;
            if (member is not null && member.Contains('@', StringComparison.Ordinal))
            {
                if (!AddressSyntax.TryNormalize(member, out var normalized, out var domain))
                {
                    throw Invalid($"The member '{given}' is not a valid address.");
                }

                address = normalized;
                owner = await tx.Data.OwnerAsync(address, cancellationToken).ConfigureAwait(false);
                if (owner is null && await tx.DomainAsync(domain, cancellationToken).ConfigureAwait(false) is not null)
                {
                    throw Invalid($"The member {address} is in the local domain {domain} but belongs to nobody: create it first, or check the spelling.");
                }
            }
            else
            {
                if (!PrincipalName.TryNormalize(member, out var name) || await tx.PrincipalAsync(name, cancellationToken).ConfigureAwait(false) is not { } principal)
                {
                    throw Invalid($"The member '{given}' is neither an address nor the name of an account or group.");
                }

                if (principal.Addresses.Count == 0)
                {
                    throw Invalid($"The member '{name}' has no address to deliver to: give it one, or name an address instead.");
                }

                owner = name;
                address = principal.Addresses[0];
            }

            if (owner == group)
            {
                throw Invalid($"The group '{group}' cannot be a member of itself.");
            }

            if (owner is not null)
            {
                // The member must still exist when the batch commits; deleting it concurrently makes one of the two retry.
                await tx.PrincipalAsync(owner, cancellationToken).ConfigureAwait(false);
                tx.KeepPrincipal(owner);
            }

            if (!resolved.Contains(address, StringComparer.Ordinal))
            {
                resolved.Add(address);
            }
        }

        return resolved;
    }

    /// <summary>The addresses of a group that a remove-member argument stands for: the address itself, or every address of a named principal.</summary>
    private static async Task<List<string>> ListedMembersAsync(DirectoryTransaction tx, PrincipalRecord group, string member, CancellationToken cancellationToken)
    {
        var given = member?.Trim();
        if (AddressSyntax.TryNormalize(given, out var address, out _))
        {
            return group.Members.Contains(address, StringComparer.Ordinal) ? [address] : [];
        }

        if (PrincipalName.TryNormalize(given, out var name) && await tx.PrincipalAsync(name, cancellationToken).ConfigureAwait(false) is { } principal)
        {
            return [.. group.Members.Intersect(principal.Addresses, StringComparer.Ordinal)];
        }

        return [];
    }

    private static async Task<string?> CatchAllTargetAsync(DirectoryTransaction tx, string? target, string domain, CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(target))
        {
            return null;
        }

        if (!PrincipalName.TryNormalize(target.Trim(), out var name) || await tx.PrincipalAsync(name, cancellationToken).ConfigureAwait(false) is null)
        {
            throw Invalid($"The catch-all of {domain} must name an account or group; there is no principal named '{target}'.");
        }

        tx.KeepPrincipal(name);
        return name;
    }

    /// <summary>Refuses to leave the directory without an enabled admin, which would lock every administrator out.</summary>
    private static async Task RequireAnotherAdminAsync(DirectoryTransaction tx, string leaving, CancellationToken cancellationToken)
    {
        foreach (var holder in await tx.Data.HoldersAsync(DirectoryRoles.Admin, int.MaxValue, cancellationToken).ConfigureAwait(false))
        {
            if (holder == leaving)
            {
                continue;
            }

            // Kept, so that two administrators demoting each other at once cannot both succeed.
            var record = await tx.PrincipalAsync(holder, cancellationToken).ConfigureAwait(false);
            tx.KeepPrincipal(holder);
            if (record is { IsActiveAdmin: true })
            {
                return;
            }
        }

        throw Conflict($"'{leaving}' is the last enabled account with the admin role: give another account the admin role first, or nobody could manage the directory.");
    }

    private async Task<IReadOnlyList<Principal>> ListAsync(PrincipalKind kind, CancellationToken cancellationToken)
    {
        var records = await data.AllPrincipalsAsync(cancellationToken).ConfigureAwait(false);
        var memberships = await data.AllMembershipsAsync(cancellationToken).ConfigureAwait(false);
        return [.. records
            .Where(r => r.Kind == kind)
            .Select(r => r.ToPrincipal([.. r.Addresses
                .SelectMany(a => memberships.GetValueOrDefault(a) ?? [])
                .Distinct(StringComparer.Ordinal)
                .Order(StringComparer.Ordinal)]))];
    }

    private async Task<Principal> GetAsync(string name, PrincipalKind kind, CancellationToken cancellationToken)
    {
        var key = RequireExistingName(name, Noun(kind));
        var record = await RequireKindAsync(data.PrincipalAsync(key, cancellationToken), key, kind).ConfigureAwait(false);
        return record.ToPrincipal(await data.GroupsOfAsync(record.Addresses, cancellationToken).ConfigureAwait(false));
    }

    private Task DeleteAsync(string name, PrincipalKind kind, CancellationToken cancellationToken)
    {
        var key = RequireExistingName(name, Noun(kind));
        return ChangeAsync(
            async (tx, ct) =>
            {
                var current = await RequireAsync(tx, key, kind, ct).ConfigureAwait(false);
                if (current.IsActiveAdmin)
                {
                    await RequireAnotherAdminAsync(tx, key, ct).ConfigureAwait(false);
                }

                await ChangeAddressesAsync(tx, current, [], ct).ConfigureAwait(false);
                foreach (var member in current.Members)
                {
                    tx.RemoveMembership(member, key);
                }

                foreach (var role in current.Roles)
                {
                    tx.RemoveRole(role, key);
                }

                foreach (var (domain, record) in await data.AllDomainsAsync(ct).ConfigureAwait(false))
                {
                    if (record.CatchAll == key && await tx.DomainAsync(domain, ct).ConfigureAwait(false) is { } tracked)
                    {
                        tx.PutDomain(domain, tracked with { CatchAll = null });
                    }
                }

                tx.RemovePrincipal(key);
                return true;
            },
            cancellationToken);
    }

    /// <summary>Runs one change until it commits on what it read, or gives up with a conflict.</summary>
    private async Task<T> ChangeAsync<T>(Func<DirectoryTransaction, CancellationToken, Task<T>> change, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            var tx = new DirectoryTransaction(data);
            var result = await change(tx, cancellationToken).ConfigureAwait(false);
            if (await tx.CommitAsync(cancellationToken).ConfigureAwait(false))
            {
                return result;
            }

            if (attempt == MaxAttempts)
            {
                throw Conflict("The directory changed while the change was being made, too many times in a row; try again.");
            }

            // A little random wait, so that changes that collided do not collide again in lock step.
            await Task.Delay(Random.Shared.Next(1, 4 * attempt), cancellationToken).ConfigureAwait(false);
        }
    }
}
