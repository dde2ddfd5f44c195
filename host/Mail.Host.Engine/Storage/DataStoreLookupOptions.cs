namespace Mail.Host.Engine.Storage;

/// <summary>How a <see cref="DataStoreLookupStore"/> polls for messages and cleans up after itself.</summary>
public sealed record DataStoreLookupOptions
{
    /// <summary>
    /// How often a subscription looks for new messages (default 200 ms). It is also the usual delivery latency of
    /// publish/subscribe, and each subscription costs one range read of the data store per interval.
    /// </summary>
    public TimeSpan PollInterval { get; init; } = TimeSpan.FromMilliseconds(200);

    /// <summary>
    /// How long a published message is kept for subscribers that poll late (default 60 s). A subscriber that falls
    /// further behind than this loses the messages it did not read in time.
    /// </summary>
    public TimeSpan EventRetention { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>How often messages older than <see cref="EventRetention"/> are removed (default 5 s).</summary>
    public TimeSpan EventSweepInterval { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// How long a subscription waits for a message whose sequence number was taken but that has not been written
    /// yet (default 5 s). Messages after it wait too, so that one publisher's messages keep their order; once the
    /// time is up the subscription goes on without it, as happens when a publisher stops between taking the number
    /// and writing the message. A message written later than this is not delivered.
    /// </summary>
    public TimeSpan GapTimeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// How often expired values, counters and locks are removed in the background (default 5 minutes);
    /// <see langword="null"/> to rely only on removal when an expired entry is next read. Each sweep reads every
    /// value and lock entry.
    /// </summary>
    public TimeSpan? ExpiredEntrySweepInterval { get; init; } = TimeSpan.FromMinutes(5);
}
