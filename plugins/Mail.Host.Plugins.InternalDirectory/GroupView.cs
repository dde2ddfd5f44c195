using Mail.Host.Directory;

namespace Mail.Host.Plugins.InternalDirectory;

/// <summary>A group as the admin API shows it.</summary>
/// <param name="Name">The group's name.</param>
/// <param name="DisplayName">The name to show, if any.</param>
/// <param name="Addresses">Its addresses, primary first.</param>
/// <param name="Members">Its members' addresses.</param>
/// <param name="MemberOf">The groups that list one of its addresses.</param>
internal sealed record GroupView(
    string Name,
    string? DisplayName,
    IReadOnlyList<string> Addresses,
    IReadOnlyList<string> Members,
    IReadOnlyList<string> MemberOf)
{
    /// <summary>The view of a principal.</summary>
    /// <param name="principal">A group.</param>
    /// <returns>The view.</returns>
    public static GroupView From(Principal principal) => new(
        principal.Name,
        principal.DisplayName,
        principal.Addresses,
        principal.Members,
        principal.MemberOf);
}
