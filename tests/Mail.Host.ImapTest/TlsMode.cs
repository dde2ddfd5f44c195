namespace Mail.Host.ImapTest;

/// <summary>How the runner's connections are secured.</summary>
public enum TlsMode
{
    /// <summary>Plain TCP.</summary>
    None,

    /// <summary>Plain TCP, then STARTTLS before anything else.</summary>
    StartTls,

    /// <summary>TLS from the first byte (IMAPS).</summary>
    Implicit,
}
