namespace Mail.Host.Directory;

/// <summary>An account or group as a directory describes it.</summary>
public sealed record Principal
{
    /// <summary>The unique login name.</summary>
    public required string Name { get; init; }

    /// <summary>An individual or a group.</summary>
    public PrincipalKind Kind { get; init; } = PrincipalKind.Individual;

    /// <summary>The name to show, if any.</summary>
    public string? DisplayName { get; init; }

    /// <summary>The addresses that deliver to it, lower case: the primary address first, then aliases.</summary>
    public IReadOnlyList<string> Addresses { get; init; } = [];

    /// <summary>For a group, its members' addresses; empty for an individual.</summary>
    public IReadOnlyList<string> Members { get; init; } = [];

    /// <summary>The names of the groups it belongs to.</summary>
    public IReadOnlyList<string> MemberOf { get; init; } = [];

    /// <summary>Its roles, for example <c>admin</c> or <c>user</c>.</summary>
    public IReadOnlyList<string> Roles { get; init; } = [];

    /// <summary>The most bytes of mail it may keep; <see langword="null"/> for no limit.</summary>
    public long? QuotaBytes { get; init; }

    /// <summary>The most messages it may keep; <see langword="null"/> for no limit.</summary>
    public long? QuotaMessages { get; init; }

    /// <summary>Whether it is disabled: it cannot log in and receives no mail.</summary>
    public bool Disabled { get; init; }

    /// <summary>The primary address, or <see langword="null"/> when it has none.</summary>
    public string? PrimaryAddress => Addresses.Count > 0 ? Addresses[0] : null;
}
