namespace Mail.Host.Plugins.Smtp;

/// <summary>What a listener serves.</summary>
internal enum SmtpMode
{
    /// <summary>Inbound MTA: mail for local recipients, relaying only after AUTH.</summary>
    Smtp,

    /// <summary>Message submission (RFC 6409): AUTH before MAIL, remote recipients queued.</summary>
    Submission,

    /// <summary>LMTP (RFC 2033): local recipients only, a reply per recipient after the data.</summary>
    Lmtp,
}
