namespace Mail.Host.Plugins.Imap;

/// <summary>The IMAP connection states (RFC 9051 §3).</summary>
internal enum ImapState
{
    NotAuthenticated,
    Authenticated,
    Selected,
    Logout,
}
