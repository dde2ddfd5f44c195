namespace Mail.Host.Plugins.InternalDirectory;

/// <summary>A local domain as the internal directory reports it.</summary>
/// <param name="Name">The domain, lower case.</param>
/// <param name="CatchAll">The principal receiving mail for unknown addresses, if any.</param>
/// <param name="Addresses">How many addresses in the domain belong to principals.</param>
public sealed record DomainInfo(string Name, string? CatchAll, long Addresses);
