namespace Mail.Host.Plugins.InternalDirectory;

/// <summary>A new group or mailing list, as <c>POST /api/admin/groups</c> takes it.</summary>
public sealed record GroupCreateRequest
{
    /// <summary>The group's name, with the same rules as an account's; names are shared by accounts and groups.</summary>
    public string? Name { get; init; }

    /// <summary>The name to show, if any.</summary>
    public string? DisplayName { get; init; }

    /// <summary>Its addresses, primary first, each in a local domain and not given to anyone else.</summary>
    public IReadOnlyList<string>? Addresses { get; init; }

    /// <summary>
    /// Its members: principal names (which stand for their primary address) or addresses. An address in a local domain
    /// must belong to a principal; an address elsewhere is kept as it is, so a list can reach outside the server.
    /// </summary>
    public IReadOnlyList<string>? Members { get; init; }
}
