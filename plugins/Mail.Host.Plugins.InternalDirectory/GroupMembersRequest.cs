namespace Mail.Host.Plugins.InternalDirectory;

/// <summary>Members to add to a group, as <c>POST /api/admin/groups/{name}/members</c> takes them.</summary>
public sealed record GroupMembersRequest
{
    /// <summary>Principal names or addresses, as in <see cref="GroupCreateRequest.Members"/>.</summary>
    public IReadOnlyList<string>? Members { get; init; }
}
