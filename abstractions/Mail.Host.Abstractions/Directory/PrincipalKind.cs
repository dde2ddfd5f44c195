namespace Mail.Host.Directory;

/// <summary>What a principal is.</summary>
public enum PrincipalKind
{
    /// <summary>A person's or a service's account, with a mailbox.</summary>
    Individual,

    /// <summary>A group or mailing list: mail to it goes to its members.</summary>
    Group,
}
