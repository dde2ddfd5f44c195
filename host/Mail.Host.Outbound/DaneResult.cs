namespace Mail.Host.Outbound;

/// <summary>What a server's certificate chain makes of a host's TLSA records (RFC 7672).</summary>
internal enum DaneResult
{
    /// <summary>No record is usable for SMTP (usages 0 and 1, unknown selectors or matching types): TLS is still required, but not authenticated.</summary>
    NoUsableRecords,

    /// <summary>A usable record matches: the server is authenticated.</summary>
    Match,

    /// <summary>Usable records exist and none matches: the server must not be sent the message.</summary>
    Mismatch,
}
