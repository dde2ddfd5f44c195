using Mail.Host.Directory;

namespace Mail.Host.Plugins.InternalDirectory;

/// <summary>An account as the admin API shows it.</summary>
/// <param name="Name">The login name.</param>
/// <param name="DisplayName">The name to show, if any.</param>
/// <param name="Addresses">Its addresses, primary first.</param>
/// <param name="Roles">Its roles.</param>
/// <param name="MemberOf">The groups that list one of its addresses.</param>
/// <param name="QuotaBytes">Its byte quota; null for no limit.</param>
/// <param name="QuotaMessages">Its message quota; null for no limit.</param>
/// <param name="Disabled">Whether it is disabled.</param>
internal sealed record AccountView(
    string Name,
    string? DisplayName,
    IReadOnlyList<string> Addresses,
    IReadOnlyList<string> Roles,
    IReadOnlyList<string> MemberOf,
    long? QuotaBytes,
    long? QuotaMessages,
    bool Disabled)
{
    /// <summary>The view of a principal.</summary>
    /// <param name="principal">An individual.</param>
    /// <returns>The view.</returns>
    public static AccountView From(Principal principal) => new(
        principal.Name,
        principal.DisplayName,
        principal.Addresses,
        principal.Roles,
        principal.MemberOf,
        principal.QuotaBytes,
        principal.QuotaMessages,
        principal.Disabled);
}
