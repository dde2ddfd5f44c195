namespace Mail.Host.Plugins.InternalDirectory;

/// <summary>A new local domain, as <c>POST /api/admin/domains</c> takes it.</summary>
public sealed record DomainCreateRequest
{
    /// <summary>The domain name, for example <c>example.org</c>; stored lower case.</summary>
    public string? Name { get; init; }

    /// <summary>The name of the principal (account or group) that receives mail for unknown addresses in the domain; none when null.</summary>
    public string? CatchAll { get; init; }
}
