namespace Mail.Host.Plugins.Smtp.Authentication;

/// <summary>What the inbound checks found: the Authentication-Results header to prepend and the DMARC verdict.</summary>
/// <param name="Header">The complete header line(s), CRLF-terminated.</param>
/// <param name="Dmarc">The DMARC result: <c>pass</c>, <c>fail</c>, <c>none</c>, <c>temperror</c> or <c>permerror</c>.</param>
/// <param name="Policy">The policy the From domain publishes (<c>none</c>, <c>quarantine</c>, <c>reject</c>), when DMARC failed.</param>
/// <param name="FromDomain">The RFC 5322 From domain.</param>
internal sealed record AuthenticationOutcome(string Header, string Dmarc, string Policy, string? FromDomain);
