namespace Mail.Host.Protocols;

/// <summary>How a listener uses TLS.</summary>
public enum TlsMode
{
    /// <summary>Plain text, with STARTTLS offered when the protocol has it and a certificate is configured.</summary>
    StartTls,

    /// <summary>TLS from the first byte (SMTPS 465, IMAPS 993).</summary>
    Implicit,

    /// <summary>Plain text only; for loopback test setups.</summary>
    None,
}
