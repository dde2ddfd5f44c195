namespace Mail.Host.Mail;

/// <summary>The UIDs removed from a mailbox since a mod-sequence, for IMAP QRESYNC's VANISHED (RFC 7162 §3.2.10).</summary>
/// <param name="Uids">The removed UIDs, ascending.</param>
/// <param name="IsComplete">
/// <see langword="false"/> when the mod-sequence is older than the retained log, so some removals may be missing:
/// the caller must then treat every UID below UIDNEXT that is not in the mailbox as removed.
/// </param>
public sealed record ExpungedMessages(IReadOnlyList<uint> Uids, bool IsComplete);
