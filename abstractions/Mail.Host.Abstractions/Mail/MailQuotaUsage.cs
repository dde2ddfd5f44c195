namespace Mail.Host.Mail;

/// <summary>An account's quota and what it uses of it.</summary>
/// <param name="Limits">The limits.</param>
/// <param name="StorageBytes">The bytes of mail kept.</param>
/// <param name="Messages">The number of emails kept.</param>
public sealed record MailQuotaUsage(MailQuota Limits, long StorageBytes, long Messages);
