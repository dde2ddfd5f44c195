namespace Mail.Host.Mail;

/// <summary>
/// A group in an address header field (RFC 5322 §3.4 <c>name: member, member;</c>). The members stay in the field's
/// flat address list (<see cref="MessageEnvelope.To"/> and the others); the group says where they are, so IMAP can
/// show the group syntax (RFC 9051 §7.5.2 ENVELOPE) and sort by its name.
/// </summary>
/// <param name="Field">The header field, in lower case: <c>from</c>, <c>sender</c>, <c>reply-to</c>, <c>to</c>, <c>cc</c> or <c>bcc</c>.</param>
/// <param name="Name">The group's display name, decoded.</param>
/// <param name="Start">The index in the field's address list of the first member (where the group stands when it has none).</param>
/// <param name="Count">How many addresses of the list, from <paramref name="Start"/>, are its members; 0 for an empty group.</param>
public sealed record EmailAddressGroup(string Field, string Name, int Start, int Count);
