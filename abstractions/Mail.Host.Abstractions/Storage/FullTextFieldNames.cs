namespace Mail.Host.Storage;

/// <summary>The field names the mail engine indexes messages under.</summary>
public static class FullTextFieldNames
{
    /// <summary>The From addresses and names.</summary>
    public const string From = "from";

    /// <summary>The To addresses and names.</summary>
    public const string To = "to";

    /// <summary>The Cc addresses and names.</summary>
    public const string Cc = "cc";

    /// <summary>The Bcc addresses and names.</summary>
    public const string Bcc = "bcc";

    /// <summary>The subject.</summary>
    public const string Subject = "subject";

    /// <summary>The text of the text/plain and text/html bodies.</summary>
    public const string Body = "body";

    /// <summary>The names of attachments.</summary>
    public const string Attachment = "attachment";
}
