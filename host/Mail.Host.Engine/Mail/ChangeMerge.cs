namespace Mail.Host.Engine.Mail;

/// <summary>How successive changes to one id combine (JMAP /changes rules).</summary>
internal static class ChangeMerge
{
    /// <summary>What kind of object a change is about: ids of different kinds may be equal.</summary>
    public static ChangeTarget TargetOf(ChangeKind kind) => kind switch
    {
        ChangeKind.EmailCreated or ChangeKind.EmailUpdated or ChangeKind.EmailDestroyed => ChangeTarget.Email,
        ChangeKind.ThreadUpdated => ChangeTarget.Thread,
        ChangeKind.MetadataChanged => ChangeTarget.Metadata,
        _ => ChangeTarget.Mailbox,
    };

    /// <summary>The combined change, or <see langword="null"/> when the id was created and destroyed within the span.</summary>
    public static ChangeKind? Merge(ChangeKind? existing, ChangeKind next)
    {
        if (existing is not { } before)
        {
            return next;
        }

        return (before, next) switch
        {
            (ChangeKind.EmailCreated, ChangeKind.EmailDestroyed) or (ChangeKind.MailboxCreated, ChangeKind.MailboxDestroyed) => null,
            (ChangeKind.EmailCreated, _) or (ChangeKind.MailboxCreated, _) => before,
            (_, ChangeKind.EmailDestroyed) or (_, ChangeKind.MailboxDestroyed) => next,
            (ChangeKind.MailboxUpdated, ChangeKind.MailboxCounters) => before,
            _ => next,
        };
    }
}
