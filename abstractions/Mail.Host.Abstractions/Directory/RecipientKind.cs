namespace Mail.Host.Directory;

/// <summary>What a recipient address resolved to.</summary>
public enum RecipientKind
{
    /// <summary>Nobody: the address is unknown (an SMTP 550 5.1.1 for a local domain).</summary>
    NotFound,

    /// <summary>An individual principal.</summary>
    Individual,

    /// <summary>A group or mailing list, whose members receive the mail.</summary>
    Group,
}
