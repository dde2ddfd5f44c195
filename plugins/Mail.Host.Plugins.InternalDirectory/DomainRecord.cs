namespace Mail.Host.Plugins.InternalDirectory;

/// <summary>A local domain as stored under <c>dir_domain</c>.</summary>
internal sealed record DomainRecord
{
    /// <summary>
    /// How many addresses in the domain belong to principals. Every batch that adds or removes one rewrites this
    /// record, so a deletion that asserts the record it read cannot race an address being added.
    /// </summary>
    public long AddressCount { get; init; }

    /// <summary>The name of the principal that receives mail for unknown addresses in the domain, if any.</summary>
    public string? CatchAll { get; init; }
}
