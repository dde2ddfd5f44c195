namespace Mail.Host.Outbound;

/// <summary>A smarthost (<c>Outbound:Relay</c>) every message is handed to, with AUTH when a user is named.</summary>
public sealed record RelayOptions
{
    /// <summary>The smarthost's name or address.</summary>
    public required string Host { get; init; }

    /// <summary>Its port (587 for STARTTLS, 465 for implicit TLS by default).</summary>
    public int Port { get; init; } = 587;

    /// <summary>How TLS is used: required STARTTLS, implicit TLS, or none.</summary>
    public RelayTls Tls { get; init; } = RelayTls.StartTls;

    /// <summary>The user for AUTH; none when null.</summary>
    public string? Username { get; init; }

    /// <summary>The password for AUTH.</summary>
    public string? Password { get; init; }
}
