namespace Mail.Host.Plugins.InternalDirectory;

/// <summary>A new account (an individual principal), as <c>POST /api/admin/accounts</c> takes it.</summary>
public sealed record AccountCreateRequest
{
    /// <summary>The login name: 1 to 64 characters of a-z, 0-9, '.', '_' and '-'; stored lower case.</summary>
    public string? Name { get; init; }

    /// <summary>The password: at least 8 characters, and not the name.</summary>
    public string? Password { get; init; }

    /// <summary>Its addresses, primary first, each in a local domain and not given to anyone else.</summary>
    public IReadOnlyList<string>? Addresses { get; init; }

    /// <summary>The name to show, if any.</summary>
    public string? DisplayName { get; init; }

    /// <summary>Its roles (<c>admin</c>, <c>user</c>); <c>user</c> when not given.</summary>
    public IReadOnlyList<string>? Roles { get; init; }

    /// <summary>The most bytes of mail it may keep; null or 0 for no limit.</summary>
    public long? QuotaBytes { get; init; }

    /// <summary>The most messages it may keep; null or 0 for no limit.</summary>
    public long? QuotaMessages { get; init; }

    /// <summary>Whether it starts disabled: it cannot log in and receives no mail.</summary>
    public bool Disabled { get; init; }
}
