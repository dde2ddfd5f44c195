using Mail.Host.Directory;

namespace Mail.Host.Plugins.Jmap;

/// <summary>An authenticated JMAP user and the one account it has rights to (its own).</summary>
/// <param name="Name">The principal's login name.</param>
/// <param name="AccountId">The engine's account id.</param>
/// <param name="Principal">The directory entry.</param>
internal sealed record JmapUser(string Name, ulong AccountId, Principal Principal)
{
    /// <summary>The JMAP account id: <c>A</c> and the engine's number.</summary>
    public string AccountKey => JmapIds.Account(AccountId);
}
