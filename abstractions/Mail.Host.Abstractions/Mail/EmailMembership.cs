namespace Mail.Host.Mail;

/// <summary>One mailbox an email is in, and its UID there.</summary>
/// <param name="MailboxId">The mailbox.</param>
/// <param name="Uid">The email's UID in that mailbox.</param>
public readonly record struct EmailMembership(ulong MailboxId, uint Uid);
