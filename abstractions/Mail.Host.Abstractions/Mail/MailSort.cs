namespace Mail.Host.Mail;

/// <summary>
/// One sort criterion of a search. Criteria apply in order; emails equal on every criterion keep ascending email id
/// order (JMAP) or ascending UID order (IMAP, RFC 5256: a reversed criterion does not reverse the tie-break).
/// Text keys compare with ASCII letters folded to upper case (i;ascii-casemap, RFC 4790), code unit by code unit; a
/// missing value sorts as the empty string. A field that starts with a group (RFC 5322 §3.4) sorts by the group name.
/// </summary>
/// <param name="Key">What to order by.</param>
/// <param name="Descending">Whether to reverse the order (IMAP <c>REVERSE</c>, JMAP <c>isAscending: false</c>).</param>
/// <param name="Keyword">The keyword for <see cref="MailSortKey.HasKeyword"/>; ignored for the other keys.</param>
public sealed record MailSort(MailSortKey Key, bool Descending = false, string? Keyword = null);
