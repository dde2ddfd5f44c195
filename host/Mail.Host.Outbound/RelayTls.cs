namespace Mail.Host.Outbound;

/// <summary>How the connection to the smarthost is protected.</summary>
public enum RelayTls
{
    /// <summary>STARTTLS, required: the message is not sent if the smarthost does not offer it.</summary>
    StartTls,

    /// <summary>TLS from the first byte (port 465).</summary>
    Implicit,

    /// <summary>No TLS (a relay on the same machine or a trusted network only).</summary>
    None,
}
