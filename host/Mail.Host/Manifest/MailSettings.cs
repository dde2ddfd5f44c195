namespace Mail.Host.Manifest;

/// <summary>The manifest's <c>Mail</c> section: how the engine behaves, with the defaults of a single server.</summary>
internal sealed record MailSettings
{
    /// <summary>The mailbox hierarchy separator (<c>Mail:HierarchySeparator</c>, default <c>/</c>).</summary>
    public char HierarchySeparator { get; init; } = '/';

    /// <summary>How long the change log is kept (<c>Mail:ChangeRetentionDays</c>, default 30).</summary>
    public TimeSpan ChangeRetention { get; init; } = TimeSpan.FromDays(30);

    /// <summary>How often unreferenced blobs are collected and the change log purged (<c>Mail:MaintenanceIntervalSeconds</c>, default 3600).</summary>
    public TimeSpan MaintenanceInterval { get; init; } = TimeSpan.FromHours(1);

    /// <summary>
    /// How old a blob reference of a delivery that never finished must be before collection drops it
    /// (<c>Mail:PendingReferenceTimeoutSeconds</c>, default 3600).
    /// </summary>
    public TimeSpan PendingReferenceTimeout { get; init; } = TimeSpan.FromHours(1);

    /// <summary>The largest message accepted by any way in (<c>Mail:MaxMessageSizeBytes</c>, default 64 MiB).</summary>
    public long MaxMessageSize { get; init; } = 64L * 1024 * 1024;

    /// <summary>
    /// How often watched accounts are polled for changes made by other processes when no lookup store with its own
    /// publish/subscribe is configured (<c>Mail:NotificationPollMilliseconds</c>, default 500).
    /// </summary>
    public TimeSpan NotificationPollInterval { get; init; } = TimeSpan.FromMilliseconds(500);

    /// <summary>
    /// How many email records, across accounts, are kept in memory in received-date order for Email/query
    /// (<c>Mail:QueryViewEmails</c>, default 500,000; 0 turns the views off).
    /// </summary>
    public int QueryViewEmails { get; init; } = 500_000;

    /// <summary>
    /// Messages up to this size are kept in the data store instead of the blob store (<c>Mail:InlineMessageBytes</c>,
    /// default 32,768; 0 keeps every message in the blob store).
    /// </summary>
    public int InlineMessageBytes { get; init; } = 32 * 1024;

    /// <summary>
    /// Whether each reader of another account's shared mailbox keeps its own <c>\Seen</c>
    /// (<c>Mail:PerUserSeenInSharedMailboxes</c>, default <see langword="true"/>).
    /// </summary>
    public bool PerUserSeenInSharedMailboxes { get; init; } = true;

    /// <summary>
    /// How long a user's directory groups are kept before access control lists ask for them again
    /// (<c>Mail:GroupMembershipCacheSeconds</c>, default 30).
    /// </summary>
    public TimeSpan GroupMembershipCacheTime { get; init; } = TimeSpan.FromSeconds(30);
}
