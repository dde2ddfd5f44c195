namespace Mail.Host.Plugins.InternalDirectory;

/// <summary>
/// A change to an account, as <c>PATCH /api/admin/accounts/{name}</c> takes it: every property left null stays as it
/// is; lists replace the whole list.
/// </summary>
public sealed record AccountUpdateRequest
{
    /// <summary>A new password.</summary>
    public string? Password { get; init; }

    /// <summary>A new display name; empty removes it.</summary>
    public string? DisplayName { get; init; }

    /// <summary>The new addresses, primary first; addresses left out are taken away (and leave the groups that listed them).</summary>
    public IReadOnlyList<string>? Addresses { get; init; }

    /// <summary>The new roles.</summary>
    public IReadOnlyList<string>? Roles { get; init; }

    /// <summary>A new byte quota; 0 for no limit.</summary>
    public long? QuotaBytes { get; init; }

    /// <summary>A new message quota; 0 for no limit.</summary>
    public long? QuotaMessages { get; init; }

    /// <summary>Disables or enables the account.</summary>
    public bool? Disabled { get; init; }
}
