namespace Mail.Host.Outbound;

/// <summary>A TLSA record (RFC 6698 section 2.1): how a server certificate is to be matched.</summary>
/// <param name="Usage">0 PKIX-TA, 1 PKIX-EE, 2 DANE-TA, 3 DANE-EE; SMTP uses only 2 and 3 (RFC 7672 section 3.1).</param>
/// <param name="Selector">0 the whole certificate, 1 its SubjectPublicKeyInfo.</param>
/// <param name="MatchingType">0 the selected bytes themselves, 1 their SHA-256, 2 their SHA-512.</param>
/// <param name="Data">The certificate association data.</param>
internal sealed record TlsaRecord(byte Usage, byte Selector, byte MatchingType, byte[] Data);
