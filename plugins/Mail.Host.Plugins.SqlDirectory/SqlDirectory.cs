using System.Globalization;
using Mail.Host.Directory;
using Mail.Host.Plugins.DirectorySupport;
using Mail.Host.Plugins.Security;
using Mail.Host.Storage;

namespace Mail.Host.Plugins.SqlDirectory;

/// <summary>
/// A directory read from existing SQL tables through the queries written in the manifest, run on a SQL store's
/// database with every value bound as a parameter. Lookups are cached for <see cref="SqlDirectorySettings.CacheLifetime"/>;
/// password checks never are. A database that cannot be reached is a <see cref="DirectoryUnavailableException"/>.
/// </summary>
internal class SqlDirectory : IDirectory
{
    private static readonly IReadOnlyDictionary<string, object?> NoParameters = new Dictionary<string, object?>();

    private readonly string name;
    private readonly ISqlQueryStore sql;
    private readonly SqlDirectorySettings settings;
    private readonly LookupCache<PrincipalRow?> principals;
    private readonly LookupCache<string?> recipients;
    private readonly LookupCache<IReadOnlyList<string>> domains;

    // A real secret seen earlier, which logins for unknown names are checked against so that they cost about what a
    // known name costs and response times do not tell which names exist.
    private string? decoySecret;

    /// <summary>Creates the directory.</summary>
    /// <param name="name">The directory's manifest name, for messages.</param>
    /// <param name="sql">The store's SQL.</param>
    /// <param name="settings">Checked settings.</param>
    public SqlDirectory(string name, ISqlQueryStore sql, SqlDirectorySettings settings)
    {
        this.name = name;
        this.sql = sql;
        this.settings = settings;
        principals = new LookupCache<PrincipalRow?>(settings.CacheLifetime);
        recipients = new LookupCache<string?>(settings.CacheLifetime);
        domains = new LookupCache<IReadOnlyList<string>>(settings.CacheLifetime);
    }

    /// <inheritdoc />
    public async ValueTask<AuthenticationResult> AuthenticateAsync(Credentials credentials, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(credentials);
        if (credentials is not PasswordCredentials { Password: { } password } || !DirectoryAddress.IsUsableName(credentials.Username))
        {
            return AuthenticationResult.Invalid;
        }

        // Read fresh, not from the cache: a changed password or a disabled account takes effect at once.
        var row = await LoadAsync("Login", credentials.Username, cancellationToken).ConfigureAwait(false);
        // A user whose row has only a SCRAM secret still logs in with PLAIN: the secret verifies the password.
        var candidate = row is { Principal.Kind: PrincipalKind.Individual } && !string.IsNullOrEmpty(row.Secret ?? row.Scram) ? row : null;
        if (candidate is null)
        {
            if (decoySecret is { } decoy)
            {
                _ = StoredPassword.Verify(password.Length == 0 ? "\0" : password, decoy, settings.AllowPlainPasswords);
            }

            return AuthenticationResult.Invalid;
        }

        var secret = string.IsNullOrEmpty(candidate.Secret) ? candidate.Scram : candidate.Secret;
        decoySecret = secret;
        if (!StoredPassword.Verify(password, secret, settings.AllowPlainPasswords))
        {
            return AuthenticationResult.Invalid;
        }

        return candidate.Principal.Disabled
            ? AuthenticationResult.DisabledPrincipal(candidate.Principal)
            : AuthenticationResult.Succeeded(candidate.Principal);
    }

    /// <summary>
    /// Finds a login's SCRAM-SHA-256 secret in its <c>Login</c> row: the <c>scram_sha256</c> column, or the
    /// <c>secret</c> column when that holds a SCRAM secret. Read fresh, like a password check.
    /// </summary>
    /// <param name="username">The login name.</param>
    /// <param name="cancellationToken">Cancels the lookup.</param>
    /// <returns>The principal and its secret; null for an unknown login, a group, or a user without a secret.</returns>
    public async ValueTask<ScramLogin?> FindScramSha256Async(string username, CancellationToken cancellationToken = default)
    {
        if (!DirectoryAddress.IsUsableName(username))
        {
            return null;
        }

        var row = await LoadAsync("Login", username, cancellationToken).ConfigureAwait(false);
        if (row is not { Principal.Kind: PrincipalKind.Individual }
            || !ScramSecrets.TryParse(row.Scram ?? row.Secret, out var iterations, out var salt, out var storedKey, out var serverKey))
        {
            return null;
        }

        return new ScramLogin(row.Principal, new ScramSecret(iterations, salt, storedKey, serverKey));
    }

    /// <inheritdoc />
    public async ValueTask<RecipientResolution> ResolveRecipientAsync(string address, CancellationToken cancellationToken = default)
    {
        if (!DirectoryAddress.TryNormalize(address, out var normalized, out var local, out var domain))
        {
            return RecipientResolution.NotFound;
        }

        var localDomains = await ListDomainsAsync(cancellationToken).ConfigureAwait(false);
        if (!localDomains.Contains(domain, StringComparer.Ordinal))
        {
            return RecipientResolution.NotFound;
        }

        var principalName = await recipients.GetOrLookupAsync(normalized, async ct =>
        {
            var rows = await QueryAsync("Recipient", new Dictionary<string, object?>
            {
                ["user"] = normalized,
                ["address"] = normalized,
                ["local"] = local,
                ["domain"] = domain,
            }, ct).ConfigureAwait(false);
            return rows.Count == 0 ? null : Text(rows[0], "name");
        }, cancellationToken).ConfigureAwait(false);
        if (principalName is null)
        {
            return RecipientResolution.NotFound;
        }

        var principal = await FindPrincipalAsync(principalName, cancellationToken).ConfigureAwait(false);
        return principal is null ? RecipientResolution.NotFound : RecipientResolution.For(principal);
    }

    /// <inheritdoc />
    public async ValueTask<Principal?> FindPrincipalAsync(string name, CancellationToken cancellationToken = default)
    {
        if (!DirectoryAddress.IsUsableName(name))
        {
            return null;
        }

        var row = await principals.GetOrLookupAsync(
            name,
            ct => LoadAsync(settings.Queries.ContainsKey("Principal") ? "Principal" : "Login", name, ct),
            cancellationToken).ConfigureAwait(false);
        return row?.Principal;
    }

    /// <inheritdoc />
    public ValueTask<IReadOnlyList<string>> ListDomainsAsync(CancellationToken cancellationToken = default)
    {
        if (!settings.Queries.ContainsKey("Domains"))
        {
            return ValueTask.FromResult(settings.Domains);
        }

        return domains.GetOrLookupAsync(string.Empty, async ct =>
        {
            var rows = await QueryAsync("Domains", NoParameters, ct).ConfigureAwait(false);
            return (IReadOnlyList<string>)[.. settings.Domains.Concat(rows.Select(r => Text(r, "domain")?.ToLowerInvariant()).OfType<string>()).Distinct(StringComparer.Ordinal)];
        }, cancellationToken);
    }

    private async ValueTask<PrincipalRow?> LoadAsync(string query, string user, CancellationToken cancellationToken)
    {
        var isAddress = DirectoryAddress.TryNormalize(user, out var normalized, out var local, out var domain);
        var value = isAddress ? normalized! : user;
        var rows = await QueryAsync(query, new Dictionary<string, object?>
        {
            ["user"] = value,
            ["name"] = value,
            ["address"] = isAddress ? normalized : null,
            ["local"] = isAddress ? local : value,
            ["domain"] = isAddress ? domain : null,
        }, cancellationToken).ConfigureAwait(false);

        // More than one row means the query matched several principals (a name that is another's address, say):
        // the answer would be a guess, so there is none.
        if (rows.Count != 1 || Text(rows[0], "name") is not { Length: > 0 } principalName)
        {
            return null;
        }

        var row = rows[0];
        var isGroup = Text(row, "kind") is { } kind && (kind.Equals("group", StringComparison.OrdinalIgnoreCase) || kind.Equals("list", StringComparison.OrdinalIgnoreCase));
        var byName = new Dictionary<string, object?> { ["name"] = principalName };

        var addresses = new List<string>();
        if (Text(row, "address") is { Length: > 0 } primary)
        {
            addresses.Add(primary.ToLowerInvariant());
        }

        if (settings.Queries.ContainsKey("Aliases"))
        {
            foreach (var alias in await QueryAsync("Aliases", byName, cancellationToken).ConfigureAwait(false))
            {
                if (FirstText(alias, "address") is { Length: > 0 } text && !addresses.Contains(text.ToLowerInvariant(), StringComparer.Ordinal))
                {
                    addresses.Add(text.ToLowerInvariant());
                }
            }
        }

        List<string> members = [];
        if (isGroup && settings.Queries.ContainsKey("Members"))
        {
            members = [.. (await QueryAsync("Members", byName, cancellationToken).ConfigureAwait(false))
                .Select(r => FirstText(r, "address")?.ToLowerInvariant()).OfType<string>().Where(a => a.Length > 0).Distinct(StringComparer.Ordinal)];
        }

        List<string> memberOf = [];
        if (settings.Queries.ContainsKey("MemberOf"))
        {
            memberOf = [.. (await QueryAsync("MemberOf", byName, cancellationToken).ConfigureAwait(false))
                .Select(r => FirstText(r, "name")).OfType<string>().Where(a => a.Length > 0).Distinct(StringComparer.Ordinal)];
        }

        var quotaRow = row;
        if (settings.Queries.ContainsKey("Quota"))
        {
            var quotas = await QueryAsync("Quota", byName, cancellationToken).ConfigureAwait(false);
            quotaRow = quotas.Count > 0 ? quotas[0] : NoParameters;
        }

        var roles = Text(row, "roles") is { } roleText
            ? roleText.Split([',', ' '], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            : isGroup ? [] : settings.DefaultRoles;

        return new PrincipalRow(
            new Principal
            {
                Name = principalName,
                Kind = isGroup ? PrincipalKind.Group : PrincipalKind.Individual,
                DisplayName = Text(row, "display_name") is { Length: > 0 } display ? display : null,
                Addresses = addresses,
                Members = members,
                MemberOf = memberOf,
                Roles = [.. roles],
                QuotaBytes = Quota(quotaRow, "quota_bytes"),
                QuotaMessages = Quota(quotaRow, "quota_messages"),
                Disabled = IsTrue(row, "disabled"),
            },
            isGroup ? null : Text(row, "secret"),
            isGroup ? null : Text(row, "scram_sha256"));
    }

    private async ValueTask<IReadOnlyList<IReadOnlyDictionary<string, object?>>> QueryAsync(string query, IReadOnlyDictionary<string, object?> values, CancellationToken cancellationToken)
    {
        var statement = settings.Queries[query];

        // Only the parameters the statement names are bound: some drivers refuse values for parameters a statement lacks.
        var used = SqlDirectorySettings.ParametersOf(statement);
        var parameters = values.Where(p => used.Contains(p.Key)).ToDictionary(p => p.Key, p => p.Value);
        try
        {
            return await sql.QueryAsync(statement, parameters, cancellationToken).ConfigureAwait(false);
        }
        catch (StoreUnavailableException ex)
        {
            throw new DirectoryUnavailableException($"The sql directory '{name}' cannot reach its database: {ex.Message}", ex);
        }
        catch (Exception ex) when (ex is System.Data.Common.DbException or InvalidOperationException)
        {
            // A broken query is the operator's to fix, but a login must not be answered as a wrong password for it.
            throw new DirectoryUnavailableException($"The sql directory '{name}' query {query} failed: {ex.Message}", ex);
        }
    }

    private static string? Text(IReadOnlyDictionary<string, object?> row, string column)
        => row.TryGetValue(column, out var value) ? AsText(value) : null;

    private static string? FirstText(IReadOnlyDictionary<string, object?> row, string column)
        => row.TryGetValue(column, out var value) ? AsText(value) : row.Count > 0 ? AsText(row.Values.First()) : null;

    private static string? AsText(object? value) => value switch
    {
        null => null,
        string text => text,
        byte[] bytes => System.Text.Encoding.UTF8.GetString(bytes),
        IFormattable formattable => formattable.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString(),
    };

    private static long? Quota(IReadOnlyDictionary<string, object?> row, string column)
    {
        var text = Text(row, column);
        return long.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) && value > 0 ? value : null;
    }

    private static bool IsTrue(IReadOnlyDictionary<string, object?> row, string column)
    {
        if (!row.TryGetValue(column, out var value) || value is null)
        {
            return false;
        }

        return value switch
        {
            bool flag => flag,
            _ => AsText(value)?.Trim().ToLowerInvariant() is "1" or "true" or "t" or "yes" or "y" or "on",
        };
    }

    private sealed record PrincipalRow(Principal Principal, string? Secret, string? Scram);
}
