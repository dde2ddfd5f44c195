namespace Mail.Host.Plugins.Imap;

/// <summary>What reading one command gave.</summary>
internal enum ImapReadStatus
{
    /// <summary>A whole command.</summary>
    Command,

    /// <summary>The client closed the connection.</summary>
    Closed,

    /// <summary>A line longer than the limit (read and dropped).</summary>
    LineTooLong,

    /// <summary>A synchronizing literal above the limit: refused, nothing of it was read.</summary>
    LiteralTooBig,

    /// <summary>A non-synchronizing literal above the limit: its bytes and the rest of the command were dropped.</summary>
    NonSyncLiteralTooBig,
}
