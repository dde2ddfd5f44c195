using Mail.Host.Directory;

namespace Mail.Host.Plugins.InMemory;

/// <summary>A principal of the static directory and its password hash.</summary>
/// <param name="Principal">The principal as the directory returns it.</param>
/// <param name="Secret">Its Argon2id PHC hash; null for groups and for individuals that only receive mail.</param>
internal sealed record StaticPrincipalEntry(Principal Principal, string? Secret);
