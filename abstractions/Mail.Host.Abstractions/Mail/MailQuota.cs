namespace Mail.Host.Mail;

/// <summary>
/// The limits of an account, as its directory entry gives them (<c>QuotaBytes</c>, <c>QuotaMessages</c>). An email
/// counts once however many mailboxes hold it, with the size of its raw message.
/// </summary>
/// <param name="StorageBytes">The most bytes of mail the account may keep; <see langword="null"/> for no limit.</param>
/// <param name="Messages">The most emails the account may keep; <see langword="null"/> for no limit.</param>
public sealed record MailQuota(long? StorageBytes, long? Messages)
{
    /// <summary>No limit.</summary>
    public static MailQuota Unlimited { get; } = new(null, null);
}
