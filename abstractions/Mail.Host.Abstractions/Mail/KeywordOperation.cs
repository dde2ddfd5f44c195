namespace Mail.Host.Mail;

/// <summary>How <see cref="IMailAccount.SetKeywordsAsync"/> applies its keywords (IMAP <c>+FLAGS</c>, <c>-FLAGS</c>, <c>FLAGS</c>).</summary>
public enum KeywordOperation
{
    /// <summary>Adds the keywords to those the message has.</summary>
    Add,

    /// <summary>Removes the keywords from those the message has.</summary>
    Remove,

    /// <summary>Replaces the message's keywords with exactly these.</summary>
    Replace,
}
