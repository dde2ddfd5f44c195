namespace Mail.Host.Plugins.Jmap;

/// <summary>The kinds of object <see cref="JmapObjects"/> keeps.</summary>
internal enum JmapObjectKind : byte
{
    Identity = 1,
    EmailSubmission = 2,
    VacationResponse = 3,
    PushSubscription = 4,
    MailboxSortOrder = 5,
}
