using Mail.Host.Directory;

namespace Mail.Host.Plugins.InternalDirectory;

/// <summary>
/// A principal as stored under <c>dir_principal</c>. Group membership of the principal itself is not stored here:
/// it follows from the groups' <see cref="Members"/>, indexed under <c>dir_member</c>.
/// </summary>
internal sealed record PrincipalRecord
{
    /// <summary>The lower-case login name, also the key.</summary>
    public required string Name { get; init; }

    /// <summary>An individual or a group.</summary>
    public PrincipalKind Kind { get; init; }

    /// <summary>The name to show, if any.</summary>
    public string? DisplayName { get; init; }

    /// <summary>The Argon2id PHC hash of the password; null for groups.</summary>
    public string? Secret { get; init; }

    /// <summary>The SCRAM-SHA-256 secret of the password (<see cref="Security.ScramSecrets"/>); null for groups and for accounts whose password predates SCRAM and has not been used since.</summary>
    public string? ScramSha256 { get; init; }

    /// <summary>The addresses, primary first, lower case.</summary>
    public IReadOnlyList<string> Addresses { get; init; } = [];

    /// <summary>A group's members, as addresses (local or foreign), lower case.</summary>
    public IReadOnlyList<string> Members { get; init; } = [];

    /// <summary>The roles, lower case.</summary>
    public IReadOnlyList<string> Roles { get; init; } = [];

    /// <summary>The most bytes of mail it may keep; null for no limit.</summary>
    public long? QuotaBytes { get; init; }

    /// <summary>The most messages it may keep; null for no limit.</summary>
    public long? QuotaMessages { get; init; }

    /// <summary>Whether it is disabled.</summary>
    public bool Disabled { get; init; }

    /// <summary>Whether it holds the admin role and may use it: an enabled individual with the role.</summary>
    public bool IsActiveAdmin => Kind == PrincipalKind.Individual && !Disabled && Roles.Contains(DirectoryRoles.Admin, StringComparer.Ordinal);

    /// <summary>The principal as the directory contract describes it.</summary>
    /// <param name="memberOf">The names of the groups it belongs to.</param>
    /// <returns>The principal.</returns>
    public Principal ToPrincipal(IReadOnlyList<string> memberOf) => new()
    {
        Name = Name,
        Kind = Kind,
        DisplayName = DisplayName,
        Addresses = [.. Addresses],
        Members = [.. Members],
        MemberOf = [.. memberOf],
        Roles = [.. Roles],
        QuotaBytes = QuotaBytes,
        QuotaMessages = QuotaMessages,
        Disabled = Disabled,
    };
}
