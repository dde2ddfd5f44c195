namespace Mail.Host.Mail;

/// <summary>What a <see cref="MailSort"/> orders by (IMAP SORT, RFC 5256 and RFC 5957; JMAP <c>Comparator</c> properties).</summary>
public enum MailSortKey
{
    /// <summary>The internal date (IMAP <c>ARRIVAL</c>, JMAP <c>receivedAt</c>).</summary>
    ReceivedAt,

    /// <summary>The Date header, or the internal date when it has none (IMAP <c>DATE</c>, JMAP <c>sentAt</c>).</summary>
    SentAt,

    /// <summary>The raw size (IMAP <c>SIZE</c>, JMAP <c>size</c>).</summary>
    Size,

    /// <summary>
    /// The base subject of RFC 5256 §2.1: reply and forward prefixes, list tags and <c>(fwd)</c> trailers removed,
    /// compared without case (IMAP <c>SUBJECT</c>, JMAP <c>subject</c>).
    /// </summary>
    Subject,

    /// <summary>The local part of the first From address, without case; empty when there is none (IMAP <c>FROM</c>).</summary>
    From,

    /// <summary>The local part of the first To address, without case (IMAP <c>TO</c>).</summary>
    To,

    /// <summary>The local part of the first Cc address, without case (IMAP <c>CC</c>).</summary>
    Cc,

    /// <summary>
    /// The display name of the first From address, or its address when it has none, without case (IMAP
    /// <c>DISPLAYFROM</c>, RFC 5957; JMAP <c>from</c>).
    /// </summary>
    DisplayFrom,

    /// <summary>The display name of the first To address, or its address, without case (IMAP <c>DISPLAYTO</c>, JMAP <c>to</c>).</summary>
    DisplayTo,

    /// <summary>Whether the email has <see cref="MailSort.Keyword"/>: without it first when ascending (JMAP <c>hasKeyword</c>).</summary>
    HasKeyword,
}
