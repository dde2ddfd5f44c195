using Mail.Host.Storage;

namespace Mail.Host.Mail;

/// <summary>
/// A search filter tree over the emails of one account, covering IMAP SEARCH (RFC 9051 §6.4.4, with RFC 7162's MODSEQ)
/// and JMAP <c>Email/query</c> filters (RFC 8621 §4.4.1). Conditions are combined with <see cref="And"/>,
/// <see cref="Or"/> and <see cref="Not"/>; an empty <see cref="And"/> matches every email (IMAP <c>ALL</c>).
/// </summary>
/// <remarks>
/// <para>
/// Text conditions (<see cref="Text"/>) are answered by the account's full-text index, which compares words after
/// case and diacritics folding (<c>resume</c> finds <c>Résumé</c>): JMAP's text filters. IMAP's FROM, TO, CC, BCC,
/// SUBJECT, BODY and TEXT are substring matches (RFC 3501 and RFC 9051 §6.4.4), which <see cref="Substring"/> gives:
/// the index proposes the emails to read when it can, and each is checked against the message itself. A substring
/// inside a word (<c>lic</c> in <c>alice</c>) is found by <see cref="Substring"/> and not by <see cref="Text"/>.
/// Without a full-text index a <see cref="Text"/> condition is refused with <see cref="MailErrorCode.UnsupportedFilter"/>;
/// a <see cref="Substring"/> condition reads the messages.
/// </para>
/// <para>
/// <see cref="Uids"/> and <see cref="ModSeqAtLeast"/> refer to a mailbox's UIDs and mod-sequences, so they are only
/// accepted by <see cref="IMailAccount.SearchMailboxAsync"/>; elsewhere they give
/// <see cref="MailErrorCode.UnsupportedFilter"/>.
/// </para>
/// </remarks>
public abstract record MailFilter
{
    private protected MailFilter()
    {
    }

    /// <summary>Every email (IMAP <c>ALL</c>).</summary>
    public static MailFilter All { get; } = new And([]);

    /// <summary>Emails matching every operand.</summary>
    /// <param name="operands">The operands.</param>
    /// <returns>The filter.</returns>
    public static MailFilter AllOf(params MailFilter[] operands) => new And(operands);

    /// <summary>Emails matching any operand.</summary>
    /// <param name="operands">The operands.</param>
    /// <returns>The filter.</returns>
    public static MailFilter AnyOf(params MailFilter[] operands) => new Or(operands);

    /// <summary>Emails not matching the operand.</summary>
    /// <param name="operand">The operand.</param>
    /// <returns>The filter.</returns>
    public static MailFilter NoneOf(MailFilter operand) => new Not(operand);

    /// <summary>Emails without a keyword (JMAP <c>notKeyword</c>, IMAP <c>UNKEYWORD</c>, <c>UNSEEN</c>...).</summary>
    /// <param name="keyword">The keyword.</param>
    /// <returns>The filter.</returns>
    public static MailFilter NotKeyword(string keyword) => new Not(new HasKeyword(keyword));

    /// <summary>Emails received on one calendar day of a time zone (IMAP <c>ON</c>: the day in the server's zone).</summary>
    /// <param name="day">The day.</param>
    /// <param name="offset">The time zone's offset from UTC.</param>
    /// <returns>The filter.</returns>
    public static MailFilter ReceivedOn(DateOnly day, TimeSpan offset)
    {
        var start = new DateTimeOffset(day.ToDateTime(TimeOnly.MinValue), offset);
        return new Received(start, start.AddDays(1));
    }

    /// <summary>Emails whose Date header falls on one calendar day, in the header's own zone (IMAP <c>SENTON</c>).</summary>
    /// <param name="day">The day.</param>
    /// <returns>The filter.</returns>
    public static MailFilter SentOn(DateOnly day) => new SentDay(day, day);

    /// <summary>Emails matching every operand; with no operands, every email.</summary>
    /// <param name="Operands">The operands.</param>
    public sealed record And(IReadOnlyList<MailFilter> Operands) : MailFilter;

    /// <summary>Emails matching any operand; with no operands, none.</summary>
    /// <param name="Operands">The operands.</param>
    public sealed record Or(IReadOnlyList<MailFilter> Operands) : MailFilter;

    /// <summary>Emails not matching the operand.</summary>
    /// <param name="Operand">The operand.</param>
    public sealed record Not(MailFilter Operand) : MailFilter;

    /// <summary>Emails in a mailbox (JMAP <c>inMailbox</c>).</summary>
    /// <param name="MailboxId">The mailbox.</param>
    public sealed record InMailbox(ulong MailboxId) : MailFilter;

    /// <summary>Emails in at least one mailbox other than those given (JMAP <c>inMailboxOtherThan</c>).</summary>
    /// <param name="MailboxIds">The mailboxes that do not count.</param>
    public sealed record InMailboxOtherThan(IReadOnlyList<ulong> MailboxIds) : MailFilter;

    /// <summary>
    /// Emails whose internal date is at or after <paramref name="Since"/> and before <paramref name="Before"/>: JMAP
    /// <c>after</c> and <c>before</c>; IMAP <c>SINCE</c>, <c>BEFORE</c> and <c>ON</c> with the day's bounds (see
    /// <see cref="ReceivedOn"/>).
    /// </summary>
    /// <param name="Since">The earliest instant included, or <see langword="null"/> for no lower bound.</param>
    /// <param name="Before">The first instant excluded, or <see langword="null"/> for no upper bound.</param>
    public sealed record Received(DateTimeOffset? Since, DateTimeOffset? Before) : MailFilter;

    /// <summary>
    /// Emails whose Date header is at or after <paramref name="Since"/> and before <paramref name="Before"/> (to the
    /// instant). An email without a readable Date header matches no date condition.
    /// </summary>
    /// <param name="Since">The earliest instant included, or <see langword="null"/> for no lower bound.</param>
    /// <param name="Before">The first instant excluded, or <see langword="null"/> for no upper bound.</param>
    public sealed record Sent(DateTimeOffset? Since, DateTimeOffset? Before) : MailFilter;

    /// <summary>
    /// Emails whose Date header, read as a calendar day in its own time zone and disregarding the time (RFC 9051's
    /// rule for <c>SENTBEFORE</c>, <c>SENTON</c>, <c>SENTSINCE</c>), is between two days inclusive. An email without a
    /// readable Date header matches no date condition.
    /// </summary>
    /// <param name="First">The first day included (IMAP <c>SENTSINCE</c>), or <see langword="null"/>.</param>
    /// <param name="Last">The last day included (the day before IMAP <c>SENTBEFORE</c>'s), or <see langword="null"/>.</param>
    public sealed record SentDay(DateOnly? First, DateOnly? Last) : MailFilter;

    /// <summary>
    /// Emails whose raw size is at least <paramref name="Minimum"/> and less than <paramref name="Below"/>: JMAP
    /// <c>minSize</c> and <c>maxSize</c>; IMAP <c>LARGER n</c> is a minimum of n + 1, <c>SMALLER n</c> a bound of n.
    /// </summary>
    /// <param name="Minimum">The smallest size included, or <see langword="null"/>.</param>
    /// <param name="Below">The first size excluded, or <see langword="null"/>.</param>
    public sealed record Size(long? Minimum, long? Below) : MailFilter;

    /// <summary>Emails with a keyword (JMAP <c>hasKeyword</c>, IMAP <c>KEYWORD</c>, <c>SEEN</c>, <c>FLAGGED</c>...).</summary>
    /// <param name="Keyword">The keyword, in any case (see <see cref="MailKeywords"/>).</param>
    public sealed record HasKeyword(string Keyword) : MailFilter;

    /// <summary>Emails whose every email of the thread has the keyword (JMAP <c>allInThreadHaveKeyword</c>).</summary>
    /// <param name="Keyword">The keyword.</param>
    public sealed record AllInThreadHaveKeyword(string Keyword) : MailFilter;

    /// <summary>Emails of which at least one email of the thread has the keyword (JMAP <c>someInThreadHaveKeyword</c>).</summary>
    /// <param name="Keyword">The keyword.</param>
    public sealed record SomeInThreadHaveKeyword(string Keyword) : MailFilter;

    /// <summary>Emails of which no email of the thread has the keyword (JMAP <c>noneInThreadHaveKeyword</c>).</summary>
    /// <param name="Keyword">The keyword.</param>
    public sealed record NoneInThreadHaveKeyword(string Keyword) : MailFilter;

    /// <summary>Emails with or without an attachment (JMAP <c>hasAttachment</c>).</summary>
    /// <param name="Value">Whether an attachment is required (<see langword="true"/>) or excluded.</param>
    public sealed record HasAttachment(bool Value) : MailFilter;

    /// <summary>A full-text match on one indexed field or on any (JMAP <c>text</c>, <c>from</c>... ; IMAP <c>TEXT</c>, <c>FROM</c>...).</summary>
    /// <param name="Field">The field searched.</param>
    /// <param name="Value">The text to find.</param>
    /// <param name="Kind">Words in any order, a phrase, or a word prefix.</param>
    public sealed record Text(MailTextField Field, string Value, TextMatchKind Kind = TextMatchKind.Words) : MailFilter;

    /// <summary>
    /// Emails whose text contains <paramref name="Value"/> as a substring, compared without case (IMAP <c>FROM</c>,
    /// <c>TO</c>, <c>CC</c>, <c>BCC</c>, <c>SUBJECT</c>, <c>BODY</c>, <c>TEXT</c>; RFC 9051 §6.4.4), so a fragment
    /// inside a word is found. The text is the decoded message: for an address field, each address as
    /// <c>Name &lt;local@domain&gt;</c> and the names of the groups in that field; the decoded subject; for
    /// <see cref="MailTextField.Body"/>, the text of the text/plain and text/html bodies (HTML as the text it shows) that
    /// the full-text index also holds; for <see cref="MailTextField.Any"/>, the message's header block (its text with
    /// folded lines joined, and the decoded values of fields with RFC 2047 encoded words), the addresses as above, the
    /// body text and the attachment names. An empty value matches every email.
    /// </summary>
    /// <remarks>
    /// The engine applies every cheaper condition first, lets the full-text index propose the emails that can match
    /// when it can (<see cref="IFullTextStore.QueryWordsContainingAsync"/> for a fragment of one word), and reads each
    /// proposed email to check it; when the index cannot propose, it reads every email still in the running. It does
    /// not need a full-text index.
    /// </remarks>
    /// <param name="Field">The text searched.</param>
    /// <param name="Value">The text to find.</param>
    public sealed record Substring(MailTextField Field, string Value) : MailFilter;

    /// <summary>
    /// Emails with a header field of that name and, when <paramref name="Value"/> is not empty, whose decoded value
    /// contains it, compared without case (JMAP <c>header</c>, IMAP <c>HEADER</c>). Read from the message's header
    /// block, so it costs a blob read per email it is tested on: the engine tests it after every other condition.
    /// </summary>
    /// <param name="Name">The header field name, in any case.</param>
    /// <param name="Value">The text the value must contain; <see langword="null"/> or empty for mere presence.</param>
    public sealed record Header(string Name, string? Value = null) : MailFilter;

    /// <summary>Messages whose UID in the searched mailbox is in the set (IMAP <c>UID</c>, or a sequence set turned into UIDs).</summary>
    /// <param name="Ranges">The UID ranges.</param>
    public sealed record Uids(IReadOnlyList<UidRange> Ranges) : MailFilter;

    /// <summary>Messages whose mod-sequence in the searched mailbox is at least the value (IMAP <c>MODSEQ</c>, RFC 7162 §3.1.5).</summary>
    /// <param name="ModSeq">The smallest mod-sequence included.</param>
    public sealed record ModSeqAtLeast(ulong ModSeq) : MailFilter;

    /// <summary>Emails whose id is in the set.</summary>
    /// <param name="Ids">The email ids.</param>
    public sealed record EmailIds(IReadOnlyList<ulong> Ids) : MailFilter;
}
