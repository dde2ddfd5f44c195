namespace Mail.Host.Mail;

/// <summary>A resource an account's quota limits (IMAP QUOTA resources, RFC 9208).</summary>
public enum QuotaResource
{
    /// <summary>The bytes of mail kept (IMAP <c>STORAGE</c>, counted here in bytes, not kilobytes).</summary>
    Storage,

    /// <summary>The number of emails kept (IMAP <c>MESSAGE</c>).</summary>
    Messages,
}
