namespace Mail.Host.Plugins.InternalDirectory;

/// <summary>A change to a local domain, as <c>PATCH /api/admin/domains/{name}</c> takes it.</summary>
public sealed record DomainUpdateRequest
{
    /// <summary>The new catch-all principal's name; null or empty removes the catch-all, so unknown addresses are refused again.</summary>
    public string? CatchAll { get; init; }
}
