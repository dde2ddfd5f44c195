namespace Mail.Host.Mail;

/// <summary>One message as a mailbox lists it: what IMAP FETCH UID FLAGS MODSEQ INTERNALDATE RFC822.SIZE needs.</summary>
/// <param name="Uid">The message's UID in the mailbox.</param>
/// <param name="EmailId">The email it is (JMAP <c>id</c>); the same email in another mailbox has the same id and another UID.</param>
/// <param name="ModSeq">The mod-sequence of the latest change to this message in this mailbox (RFC 7162).</param>
/// <param name="Keywords">Its keywords, lower case, in ordinal order (see <see cref="MailKeywords"/>).</param>
/// <param name="InternalDate">When it was received or appended (IMAP INTERNALDATE, JMAP <c>receivedAt</c>).</param>
/// <param name="Size">The raw message's size in bytes.</param>
public sealed record MailboxMessage(uint Uid, ulong EmailId, ulong ModSeq, IReadOnlyList<string> Keywords, DateTimeOffset InternalDate, long Size);
