using System.DirectoryServices.Protocols;
using System.Globalization;
using System.Net;
using System.Text;
using Mail.Host.Directory;
using Mail.Host.Plugins.DirectorySupport;
using Mail.Host.Plugins.Security;

namespace Mail.Host.Plugins.Ldap;

/// <summary>
/// A directory in an LDAP server. Searches run as the service account on pooled connections; a password is checked
/// by binding as the user's entry (on connections kept for that) or by verifying the entry's stored hash. Lookups
/// are cached for <see cref="LdapDirectorySettings.CacheLifetime"/>; logins never are. Every value put into a filter
/// is escaped (RFC 4515). A server that cannot be reached, or fails, is a <see cref="DirectoryUnavailableException"/>,
/// never a wrong password.
/// </summary>
internal class LdapDirectory : IDirectory, IDisposable
{
    private const int InvalidCredentials = 49;

    private readonly string name;
    private readonly LdapDirectorySettings settings;
    private readonly LdapConnectionPool searches;
    private readonly LdapConnectionPool binds;
    private readonly LookupCache<Principal?> byName;
    private readonly LookupCache<Principal?> byAddress;
    private readonly LookupCache<EntryView?> byDn;
    private readonly string[] entryAttributes;

    /// <summary>Creates the directory; nothing connects until the first lookup.</summary>
    /// <param name="name">The directory's manifest name, for messages.</param>
    /// <param name="settings">Checked settings.</param>
    public LdapDirectory(string name, LdapDirectorySettings settings)
    {
        this.name = name;
        this.settings = settings;
        searches = new LdapConnectionPool(settings, asService: true);
        binds = new LdapConnectionPool(settings, asService: false);
        byName = new LookupCache<Principal?>(settings.CacheLifetime);
        byAddress = new LookupCache<Principal?>(settings.CacheLifetime);
        byDn = new LookupCache<EntryView?>(settings.CacheLifetime);
        entryAttributes = [.. new[] { "ObjectClass", "Name", "GroupName", "Mail", "Aliases", "MemberOf", "Members", "DisplayName", "QuotaBytes", "QuotaMessages", "Disabled", "Roles" }
            .Select(settings.Attribute).OfType<string>().Distinct(StringComparer.OrdinalIgnoreCase)];
    }

    /// <summary>Checks that the server answers and the service account can bind, so that a wrong setting stops the start.</summary>
    /// <param name="cancellationToken">Cancels the check.</param>
    /// <returns>A task that completes when the server answered.</returns>
    public async ValueTask CheckAsync(CancellationToken cancellationToken)
        => await SearchAsync(settings.BaseDn, SearchScope.Base, "(objectClass=*)", ["objectClass"], cancellationToken).ConfigureAwait(false);

    /// <inheritdoc />
    public async ValueTask<AuthenticationResult> AuthenticateAsync(Credentials credentials, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(credentials);

        // An empty password would make a simple bind an unauthenticated one, which servers accept.
        if (credentials is not PasswordCredentials { Password: { Length: > 0 } password } || !DirectoryAddress.IsUsableName(credentials.Username))
        {
            return AuthenticationResult.Invalid;
        }

        var (user, local, domain) = Parts(credentials.Username);
        var attributes = settings.Authentication == LdapAuthenticationMode.Compare && settings.Attribute("Password") is { } passwordAttribute
            ? [.. entryAttributes, passwordAttribute]
            : entryAttributes;
        var found = await SearchAsync(settings.BaseDn, SearchScope.Subtree, LdapFilter.Expand(settings.Filters["Login"], user, local, domain), attributes, cancellationToken).ConfigureAwait(false);
        if (found.Count != 1)
        {
            return AuthenticationResult.Invalid;
        }

        var entry = found[0];
        if (IsGroup(entry))
        {
            return AuthenticationResult.Invalid;
        }

        var verified = settings.Authentication == LdapAuthenticationMode.Bind
            ? await BindAsUserAsync(entry.Dn, password, cancellationToken).ConfigureAwait(false)
            : StoredPassword.Verify(password, entry.First(settings.Attribute("Password")), settings.AllowPlainPasswords);
        if (!verified)
        {
            return AuthenticationResult.Invalid;
        }

        var principal = await ToPrincipalAsync(entry, cancellationToken).ConfigureAwait(false);
        if (principal is null)
        {
            return AuthenticationResult.Invalid;
        }

        return principal.Disabled ? AuthenticationResult.DisabledPrincipal(principal) : AuthenticationResult.Succeeded(principal);
    }

    /// <summary>
    /// Finds a login's SCRAM-SHA-256 secret: the first value of <c>Attributes:ScramSecret</c> (e.g. RFC 3112's
    /// authPassword) in SCRAM-SHA-256 form, read as the service account. Read fresh, like a password check.
    /// </summary>
    /// <param name="username">The login name.</param>
    /// <param name="cancellationToken">Cancels the lookup.</param>
    /// <returns>The principal and its secret; null for an unknown login, a group, or an entry without a secret.</returns>
    public async ValueTask<ScramLogin?> FindScramSha256Async(string username, CancellationToken cancellationToken = default)
    {
        if (settings.Attribute("ScramSecret") is not { } secretAttribute || !DirectoryAddress.IsUsableName(username))
        {
            return null;
        }

        var (user, local, domain) = Parts(username);
        var found = await SearchAsync(settings.BaseDn, SearchScope.Subtree, LdapFilter.Expand(settings.Filters["Login"], user, local, domain), [.. entryAttributes, secretAttribute], cancellationToken).ConfigureAwait(false);
        if (found.Count != 1 || IsGroup(found[0]))
        {
            return null;
        }

        foreach (var value in found[0].All(secretAttribute))
        {
            if (ScramSecrets.TryParse(value, out var iterations, out var salt, out var storedKey, out var serverKey))
            {
                var principal = await ToPrincipalAsync(found[0], cancellationToken).ConfigureAwait(false);
                return principal is null ? null : new ScramLogin(principal, new ScramSecret(iterations, salt, storedKey, serverKey));
            }
        }

        return null;
    }

    /// <inheritdoc />
    public async ValueTask<RecipientResolution> ResolveRecipientAsync(string address, CancellationToken cancellationToken = default)
    {
        if (!DirectoryAddress.TryNormalize(address, out var normalized, out var local, out var domain)
            || !settings.Domains.Contains(domain, StringComparer.Ordinal))
        {
            return RecipientResolution.NotFound;
        }

        var principal = await byAddress.GetOrLookupAsync(normalized, async ct =>
        {
            var found = await SearchAsync(settings.BaseDn, SearchScope.Subtree, LdapFilter.Expand(settings.Filters["Recipient"], normalized, local, domain), entryAttributes, ct).ConfigureAwait(false);
            return found.Count == 1 ? await ToPrincipalAsync(found[0], ct).ConfigureAwait(false) : null;
        }, cancellationToken).ConfigureAwait(false);

        // The entry must really carry the address: a filter that matched on something else (a wildcard in the
        // operator's template, say) does not make it a recipient.
        return principal is not null && principal.Addresses.Contains(normalized, StringComparer.Ordinal)
            ? RecipientResolution.For(principal)
            : RecipientResolution.NotFound;
    }

    /// <inheritdoc />
    public async ValueTask<Principal?> FindPrincipalAsync(string name, CancellationToken cancellationToken = default)
    {
        if (!DirectoryAddress.IsUsableName(name))
        {
            return null;
        }

        return await byName.GetOrLookupAsync(name, async ct =>
        {
            var (user, local, domain) = Parts(name);
            var found = await SearchAsync(settings.BaseDn, SearchScope.Subtree, LdapFilter.Expand(settings.Filters["Principal"], user, local, domain), entryAttributes, ct).ConfigureAwait(false);
            return found.Count == 1 ? await ToPrincipalAsync(found[0], ct).ConfigureAwait(false) : null;
        }, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public ValueTask<IReadOnlyList<string>> ListDomainsAsync(CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        return ValueTask.FromResult(settings.Domains);
    }

    /// <inheritdoc />
    public void Dispose()
    {
        searches.Dispose();
        binds.Dispose();
    }

    private static (string User, string Local, string Domain) Parts(string login)
        => DirectoryAddress.TryNormalize(login, out var normalized, out var local, out var domain)
            ? (normalized, local, domain)
            : (login, login, string.Empty);

    private bool IsGroup(EntryView entry)
        => entry.All(settings.Attribute("ObjectClass")).Any(c => settings.GroupClasses.Contains(c, StringComparer.OrdinalIgnoreCase));

    private async ValueTask<Principal?> ToPrincipalAsync(EntryView entry, CancellationToken cancellationToken)
    {
        var group = IsGroup(entry);
        var principalName = entry.First(settings.Attribute(group ? "GroupName" : "Name"));
        if (string.IsNullOrEmpty(principalName))
        {
            return null;
        }

        var addresses = entry.All(settings.Attribute("Mail"))
            .Concat(entry.All(settings.Attribute("Aliases")))
            .Select(a => a.ToLowerInvariant())
            .Distinct(StringComparer.Ordinal)
            .ToList();

        var members = new List<string>();
        if (group)
        {
            foreach (var member in entry.All(settings.Attribute("Members")))
            {
                // A member value is an entry's DN, or (in lists such as rfc822MailMember) an address.
                if (DirectoryAddress.TryNormalize(member, out var memberAddress, out _, out _) && !member.Contains('='))
                {
                    members.Add(memberAddress);
                }
                else if (await ReadEntryAsync(member, cancellationToken).ConfigureAwait(false) is { } memberEntry
                    && memberEntry.First(settings.Attribute("Mail")) is { Length: > 0 } primary)
                {
                    members.Add(primary.ToLowerInvariant());
                }
            }
        }

        var memberOf = new List<string>();
        if (settings.Attribute("MemberOf") is { } memberOfAttribute)
        {
            foreach (var groupDn in entry.All(memberOfAttribute))
            {
                if (await ReadEntryAsync(groupDn, cancellationToken).ConfigureAwait(false) is { } groupEntry
                    && groupEntry.First(settings.Attribute("GroupName")) is { Length: > 0 } groupName)
                {
                    memberOf.Add(groupName);
                }
            }
        }
        else if (settings.Filters.TryGetValue("MemberOf", out var memberOfFilter) && memberOfFilter.Length > 0)
        {
            var (user, local, domain) = Parts(addresses.FirstOrDefault() ?? principalName);
            var groups = await SearchAsync(settings.BaseDn, SearchScope.Subtree, LdapFilter.Expand(memberOfFilter, user, local, domain, entry.Dn), [settings.Attribute("GroupName")!], cancellationToken).ConfigureAwait(false);
            memberOf.AddRange(groups.Select(g => g.First(settings.Attribute("GroupName"))).OfType<string>());
        }

        var roles = entry.All(settings.Attribute("Roles")).ToList();
        return new Principal
        {
            Name = principalName,
            Kind = group ? PrincipalKind.Group : PrincipalKind.Individual,
            DisplayName = entry.First(settings.Attribute("DisplayName")) is { Length: > 0 } display ? display : null,
            Addresses = addresses,
            Members = [.. members.Distinct(StringComparer.Ordinal)],
            MemberOf = [.. memberOf.Distinct(StringComparer.Ordinal)],
            Roles = roles.Count > 0 ? roles : group ? [] : settings.DefaultRoles,
            QuotaBytes = Quota(entry.First(settings.Attribute("QuotaBytes"))),
            QuotaMessages = Quota(entry.First(settings.Attribute("QuotaMessages"))),
            Disabled = !group && entry.First(settings.Attribute("Disabled"))?.Trim().ToLowerInvariant() is "true" or "1" or "yes" or "on",
        };
    }

    private async ValueTask<EntryView?> ReadEntryAsync(string dn, CancellationToken cancellationToken)
        => await byDn.GetOrLookupAsync(dn, async ct =>
        {
            try
            {
                var found = await SearchAsync(dn, SearchScope.Base, "(objectClass=*)", entryAttributes, ct).ConfigureAwait(false);
                return found.Count == 1 ? found[0] : null;
            }
            catch (DirectoryUnavailableException ex) when (ex.InnerException is DirectoryOperationException { Response.ResultCode: ResultCode.InvalidDNSyntax })
            {
                return null;
            }
        }, cancellationToken).ConfigureAwait(false);

    private async ValueTask<List<EntryView>> SearchAsync(string baseDn, SearchScope scope, string filter, string[] attributes, CancellationToken cancellationToken)
    {
        var request = new SearchRequest(baseDn, filter, scope, attributes) { SizeLimit = 100 };
        try
        {
            return await searches.RunAsync(async connection =>
            {
                var response = (SearchResponse)await Task.Factory.FromAsync(
                    (callback, state) => connection.BeginSendRequest(request, settings.Timeout, PartialResultProcessing.NoPartialResultSupport, callback, state),
                    connection.EndSendRequest,
                    null).ConfigureAwait(false);
                var entries = new List<EntryView>(response.Entries.Count);
                foreach (SearchResultEntry entry in response.Entries)
                {
                    entries.Add(EntryView.From(entry));
                }

                return entries;
            }, cancellationToken).ConfigureAwait(false);
        }
        catch (DirectoryOperationException ex) when (ex.Response?.ResultCode == ResultCode.NoSuchObject)
        {
            return [];
        }
        catch (DirectoryOperationException ex) when (ex.Response?.ResultCode == ResultCode.SizeLimitExceeded)
        {
            // More matches than any sensible lookup has: the answer would be a guess, so there is none.
            return [];
        }
        catch (Exception ex) when (ex is DirectoryException or ObjectDisposedException or InvalidOperationException or TimeoutException)
        {
            throw new DirectoryUnavailableException($"The LDAP directory '{name}' is unavailable: {ex.Message}", ex);
        }
    }

    private async ValueTask<bool> BindAsUserAsync(string dn, string password, CancellationToken cancellationToken)
    {
        try
        {
            return await binds.RunAsync(
                connection => new ValueTask<bool>(Task.Run(
                    () =>
                    {
                        try
                        {
                            connection.Bind(new NetworkCredential(dn, password));
                            return true;
                        }
                        catch (LdapException ex) when (ex.ErrorCode == InvalidCredentials)
                        {
                            return false;
                        }
                    },
                    cancellationToken)),
                cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is DirectoryException or ObjectDisposedException or InvalidOperationException or TimeoutException)
        {
            throw new DirectoryUnavailableException($"The LDAP directory '{name}' is unavailable: {ex.Message}", ex);
        }
    }

    private static long? Quota(string? text)
        => long.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) && value > 0 ? value : null;

    /// <summary>The parts of a search result the directory uses, detached from the connection.</summary>
    /// <param name="Dn">The entry's DN.</param>
    /// <param name="Values">Attribute values by name, case-insensitive.</param>
    private sealed record EntryView(string Dn, IReadOnlyDictionary<string, string[]> Values)
    {
        public static EntryView From(SearchResultEntry entry)
        {
            var values = new Dictionary<string, string[]>(StringComparer.OrdinalIgnoreCase);
            foreach (DirectoryAttribute attribute in entry.Attributes.Values)
            {
                var texts = new List<string>(attribute.Count);
                for (var i = 0; i < attribute.Count; i++)
                {
                    texts.Add(attribute[i] switch
                    {
                        string text => text,
                        byte[] bytes => Encoding.UTF8.GetString(bytes),
                        var other => Convert.ToString(other, CultureInfo.InvariantCulture) ?? string.Empty,
                    });
                }

                values[attribute.Name] = [.. texts];
            }

            return new EntryView(entry.DistinguishedName, values);
        }

        public string? First(string? attribute)
            => attribute is not null && Values.TryGetValue(attribute, out var found) && found.Length > 0 ? found[0] : null;

        public IEnumerable<string> All(string? attribute)
            => attribute is not null && Values.TryGetValue(attribute, out var found) ? found : [];
    }
}
