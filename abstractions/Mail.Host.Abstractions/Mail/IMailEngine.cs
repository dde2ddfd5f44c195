namespace Mail.Host.Mail;

/// <summary>
/// The mail model every protocol plugin works on: accounts, mailboxes, emails, keywords, UIDs and mod-sequences,
/// the change log, quotas. The host registers one instance built over its data and blob stores. Every call is
/// safe from many threads and, through the stores' assertions, from several host processes sharing one store.
/// </summary>
public interface IMailEngine
{
    /// <summary>The character that separates the segments of mailbox names (<c>/</c> unless configured otherwise).</summary>
    char HierarchySeparator { get; }

    /// <summary>
    /// Returns a handle on one account; nothing is read until it is used. The account is created on its first use
    /// (any call on the handle, typically <see cref="IMailAccount.SetQuotaAsync"/> with the directory's quota when a
    /// principal is first seen), with its six special-use mailboxes. A handle reaches only its own account.
    /// </summary>
    /// <param name="accountId">The account's id, as the directory maps principals to ids.</param>
    /// <returns>The handle.</returns>
    IMailAccount OpenAccount(ulong accountId);

    /// <summary>
    /// Maps a directory principal to its mail account, giving it a new account id on its first use. The mapping is
    /// kept in the data store, so every host process sharing the store finds the same id, whatever the directory.
    /// Names are compared case-insensitively.
    /// </summary>
    /// <param name="principalName">The principal's login name, as the directory gives it.</param>
    /// <param name="cancellationToken">Cancels the lookup.</param>
    /// <returns>The account id, never 0.</returns>
    ValueTask<ulong> GetAccountIdAsync(string principalName, CancellationToken cancellationToken = default);

    /// <summary>
    /// Calls <paramref name="handler"/> after changes to an account: messages added, keywords changed, messages
    /// expunged, mailboxes changed. Changes made through this engine are reported at once; changes made by another
    /// host process sharing the store are reported through the lookup store's publish/subscribe when the engine has
    /// one, and found by polling the account otherwise (within <c>NotificationPollInterval</c>). Calls for one
    /// subscription never overlap and come in state order; changes that happen while a call runs are merged into the
    /// next. A handler that throws is logged and called again for later changes.
    /// </summary>
    /// <param name="accountId">The account to watch.</param>
    /// <param name="handler">Called with what changed; the token is cancelled when the subscription is disposed.</param>
    /// <param name="cancellationToken">Cancels subscribing.</param>
    /// <returns>The subscription; dispose it to stop the calls.</returns>
    ValueTask<IAsyncDisposable> SubscribeAsync(ulong accountId, Func<MailNotification, CancellationToken, ValueTask> handler, CancellationToken cancellationToken = default);

    /// <summary>
    /// Delivers one message to the inbox of each recipient. The message is stored once, whatever the number of
    /// recipients. Each recipient either gets the message or nothing (over quota, unknown account); the call returns
    /// only when every delivered copy is durable. Deliveries from concurrent callers are made durable together by the
    /// data store's group commit.
    /// </summary>
    /// <param name="message">The raw message, read to its end; stored byte for byte.</param>
    /// <param name="accountIds">The recipient accounts; a repeated id gets one copy.</param>
    /// <param name="receivedAt">The internal date; the current time when <see langword="null"/>.</param>
    /// <param name="cancellationToken">Cancels the delivery; recipients already committed keep the message.</param>
    /// <returns>One result per distinct recipient, in the order given.</returns>
    ValueTask<IReadOnlyList<DeliveryResult>> DeliverAsync(Stream message, IReadOnlyList<ulong> accountIds, DateTimeOffset? receivedAt = null, CancellationToken cancellationToken = default);

    /// <summary>
    /// Indexes the emails whose full-text indexing did not finish: an email is committed with a marker that is
    /// removed once it is indexed, so a process that stopped in between leaves the marker behind. Also removes the
    /// index entries of destroyed emails left the same way. Run it when the host starts;
    /// <see cref="CollectGarbageAsync"/> runs it too. Does nothing when the engine has no full-text index.
    /// </summary>
    /// <param name="cancellationToken">Cancels the pass; what was done stays done.</param>
    /// <returns>The number of emails indexed or removed from the index.</returns>
    ValueTask<int> IndexPendingAsync(CancellationToken cancellationToken = default);

    /// <summary>
    /// Deletes the blobs that no email references any more (including those left by a process that stopped between
    /// storing a blob and recording it) and purges the change log past its retention age. Safe to run while mail
    /// flows; run it periodically.
    /// </summary>
    /// <param name="cancellationToken">Cancels the pass; what was done stays done.</param>
    /// <returns>What was removed.</returns>
    ValueTask<GarbageCollectionResult> CollectGarbageAsync(CancellationToken cancellationToken = default);

    /// <summary>
    /// Returns a handle on another account's mail acting for <paramref name="userAccountId"/>: only the mailboxes the
    /// user may look up are seen, and every call is checked against the user's rights on the mailbox it touches
    /// (<see cref="MailboxRights"/>; <see cref="MailErrorCode.NotPermitted"/> when one is missing). Changes made
    /// through it are announced to the owner's subscribers, so a user watching a shared mailbox subscribes to
    /// <paramref name="ownerAccountId"/>. Added in contracts 1.1 with a default that throws
    /// <see cref="NotSupportedException"/>.
    /// </summary>
    /// <param name="ownerAccountId">The account that owns the mailboxes.</param>
    /// <param name="userAccountId">The account acting.</param>
    /// <returns>The handle.</returns>
    IMailAccount OpenSharedAccount(ulong ownerAccountId, ulong userAccountId)
        => throw new NotSupportedException("This mail engine has no shared mailboxes.");
}
