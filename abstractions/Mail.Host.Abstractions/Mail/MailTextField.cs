namespace Mail.Host.Mail;

/// <summary>Which indexed text a <see cref="MailFilter.Text"/> condition looks in.</summary>
public enum MailTextField
{
    /// <summary>Any indexed field: addresses, subject, body and attachment names (JMAP <c>text</c>, IMAP <c>TEXT</c>).</summary>
    Any,

    /// <summary>The From addresses and display names.</summary>
    From,

    /// <summary>The To addresses and display names.</summary>
    To,

    /// <summary>The Cc addresses and display names.</summary>
    Cc,

    /// <summary>The Bcc addresses and display names.</summary>
    Bcc,

    /// <summary>The subject.</summary>
    Subject,

    /// <summary>The text of the text/plain and text/html bodies (JMAP <c>body</c>, IMAP <c>BODY</c>).</summary>
    Body,

    /// <summary>The file names of attachments.</summary>
    AttachmentName,
}
