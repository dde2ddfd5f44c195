using Mail.Host.Directory;

namespace Acme.Directory;

/// <summary>
/// A directory held in memory, built once from an <see cref="AcmeDirectoryFile"/>: principals by name and by
/// address (both compared without regard to case), and the local domains. This is the class to replace with a
/// real backend (LDAP, SQL, an HTTP service): the conformance tests say what it must keep doing.
/// </summary>
public sealed class AcmeDirectory : IDirectory
{
    private readonly Dictionary<string, (Principal Principal, string? Secret)> byName = new(StringComparer.OrdinalIgnoreCase);
    private readonly Dictionary<string, Principal> byAddress = new(StringComparer.OrdinalIgnoreCase);
    private readonly List<string> domains;

    // Checked when the name is unknown, so that an unknown name costs as much as a wrong password.
    private readonly string unknownSecret;

    /// <summary>Builds the directory from a file's contents.</summary>
    /// <param name="file">The principals and domains.</param>
    /// <exception cref="InvalidOperationException">Two principals share a name or an address.</exception>
    public AcmeDirectory(AcmeDirectoryFile file)
    {
        ArgumentNullException.ThrowIfNull(file);
        domains = [.. file.Domains.Select(d => d.ToLowerInvariant()).Distinct()];
        var groups = file.Principals.Where(IsGroup).ToList();
        foreach (var entry in file.Principals)
        {
            var addresses = entry.Addresses.Select(a => a.ToLowerInvariant()).ToList();
            var principal = new Principal
            {
                Name = entry.Name,
                Kind = IsGroup(entry) ? PrincipalKind.Group : PrincipalKind.Individual,
                DisplayName = entry.DisplayName,
                Addresses = addresses,
                Members = [.. entry.Members.Select(m => m.ToLowerInvariant())],
                MemberOf = [.. groups.Where(g => g.Members.Any(m => addresses.Contains(m, StringComparer.OrdinalIgnoreCase))).Select(g => g.Name)],
                Roles = entry.Roles,
                QuotaBytes = entry.QuotaBytes,
                QuotaMessages = entry.QuotaMessages,
                Disabled = entry.Disabled,
            };

            if (!byName.TryAdd(entry.Name, (principal, IsGroup(entry) ? null : entry.Secret)))
            {
                throw new InvalidOperationException($"The directory file names the principal '{entry.Name}' twice.");
            }

            foreach (var address in addresses)
            {
                if (!byAddress.TryAdd(address, principal))
                {
                    throw new InvalidOperationException($"The address {address} belongs to two principals.");
                }
            }
        }

        var iterations = byName.Values.Select(p => PasswordHash.IterationsOf(p.Secret)).FirstOrDefault(i => i is not null);
        unknownSecret = PasswordHash.Hash(Guid.NewGuid().ToString(), iterations ?? PasswordHash.DefaultIterations);
    }

    /// <inheritdoc />
    public ValueTask<AuthenticationResult> AuthenticateAsync(Credentials credentials, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(credentials);
        if (credentials is not PasswordCredentials { Username.Length: > 0, Password.Length: > 0 } password)
        {
            return ValueTask.FromResult(AuthenticationResult.Invalid);
        }

        var found = byName.TryGetValue(password.Username, out var entry)
            || (byAddress.TryGetValue(password.Username, out var principal) && byName.TryGetValue(principal.Name, out entry));
        if (!found || entry.Secret is null)
        {
            PasswordHash.Verify(password.Password, unknownSecret);
            return ValueTask.FromResult(AuthenticationResult.Invalid);
        }

        if (!PasswordHash.Verify(password.Password, entry.Secret))
        {
            return ValueTask.FromResult(AuthenticationResult.Invalid);
        }

        return ValueTask.FromResult(entry.Principal.Disabled
            ? AuthenticationResult.DisabledPrincipal(entry.Principal)
            : AuthenticationResult.Succeeded(entry.Principal));
    }

    /// <inheritdoc />
    public ValueTask<RecipientResolution> ResolveRecipientAsync(string address, CancellationToken cancellationToken = default)
    {
        var at = address?.IndexOf('@', StringComparison.Ordinal) ?? -1;
        var wellFormed = address is not null && at > 0 && at == address.LastIndexOf('@') && at < address.Length - 1
            && !address.Any(c => char.IsWhiteSpace(c) || char.IsControl(c));
        return ValueTask.FromResult(
            wellFormed && domains.Contains(address![(at + 1)..], StringComparer.OrdinalIgnoreCase) && byAddress.TryGetValue(address, out var principal)
                ? RecipientResolution.For(principal)
                : RecipientResolution.NotFound);
    }

    /// <inheritdoc />
    public ValueTask<Principal?> FindPrincipalAsync(string name, CancellationToken cancellationToken = default)
        => ValueTask.FromResult(byName.TryGetValue(name ?? string.Empty, out var entry) ? entry.Principal : null);

    /// <inheritdoc />
    public ValueTask<IReadOnlyList<string>> ListDomainsAsync(CancellationToken cancellationToken = default)
        => ValueTask.FromResult<IReadOnlyList<string>>(domains);

    private static bool IsGroup(AcmeDirectoryFile.Entry entry) => string.Equals(entry.Kind, "group", StringComparison.OrdinalIgnoreCase);
}
