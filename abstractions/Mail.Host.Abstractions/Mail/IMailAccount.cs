namespace Mail.Host.Mail;

/// <summary>
/// One account's mail (from <see cref="IMailEngine.OpenAccount"/>). Every change is atomic, durable when the call
/// returns, gets the account's next mod-sequence and is recorded in the change log. UIDs are <see cref="uint"/> as in
/// IMAP; mailbox and email ids are <see cref="ulong"/> and never reused within the account. A mailbox that does not
/// exist gives <see cref="MailException"/> with <see cref="MailErrorCode.MailboxNotFound"/>.
/// </summary>
public interface IMailAccount
{
    /// <summary>The account's id.</summary>
    ulong AccountId { get; }

    /// <summary>Lists every mailbox of the account with its counters, ordered by name.</summary>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>The mailboxes.</returns>
    ValueTask<IReadOnlyList<Mailbox>> GetMailboxesAsync(CancellationToken cancellationToken = default);

    /// <summary>Reads one mailbox with its counters.</summary>
    /// <param name="mailboxId">The mailbox's id.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>The mailbox, or <see langword="null"/> when there is none with that id.</returns>
    ValueTask<Mailbox?> GetMailboxAsync(ulong mailboxId, CancellationToken cancellationToken = default);

    /// <summary>Finds a mailbox by its full name (<c>inbox</c> in any case is INBOX).</summary>
    /// <param name="name">The full name.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>The mailbox, or <see langword="null"/> when there is none with that name.</returns>
    ValueTask<Mailbox?> FindMailboxAsync(string name, CancellationToken cancellationToken = default);

    /// <summary>
    /// Creates a mailbox, and any missing parent of it (RFC 9051 §6.3.4). A trailing separator is ignored.
    /// </summary>
    /// <param name="name">The full name.</param>
    /// <param name="role">A special use; <see cref="MailErrorCode.RoleInUse"/> when another mailbox has it.</param>
    /// <param name="cancellationToken">Cancels the creation.</param>
    /// <returns>The new mailbox.</returns>
    ValueTask<Mailbox> CreateMailboxAsync(string name, MailboxRole role = MailboxRole.None, CancellationToken cancellationToken = default);

    /// <summary>
    /// Renames a mailbox and every mailbox below it, keeping their ids, messages, UIDs and UIDVALIDITY; a later
    /// mailbox created under an old name gets a new UIDVALIDITY. Renaming INBOX moves its messages into a new mailbox
    /// of the new name and leaves INBOX empty (RFC 9051 §6.3.6). Missing parents of the new name are created.
    /// </summary>
    /// <param name="mailboxId">The mailbox.</param>
    /// <param name="newName">The new full name.</param>
    /// <param name="cancellationToken">Cancels the rename.</param>
    /// <returns>The mailbox under its new name (for INBOX, the new mailbox).</returns>
    ValueTask<Mailbox> RenameMailboxAsync(ulong mailboxId, string newName, CancellationToken cancellationToken = default);

    /// <summary>
    /// Deletes a mailbox. An email that was only in this mailbox is destroyed with it; one also in another mailbox
    /// stays there. INBOX cannot be deleted; a mailbox with children cannot be deleted.
    /// </summary>
    /// <param name="mailboxId">The mailbox.</param>
    /// <param name="removeMessages">
    /// Whether to remove its messages (IMAP DELETE, JMAP <c>onDestroyRemoveEmails</c>); when <see langword="false"/>
    /// a mailbox that holds messages is refused with <see cref="MailErrorCode.MailboxNotEmpty"/>.
    /// </param>
    /// <param name="cancellationToken">Cancels the deletion.</param>
    /// <returns>A task that completes when the mailbox is gone.</returns>
    ValueTask DeleteMailboxAsync(ulong mailboxId, bool removeMessages, CancellationToken cancellationToken = default);

    /// <summary>
    /// Lists the names still subscribed whose mailbox was deleted (RFC 9051 §6.3.7: a subscription is to a name and
    /// outlives its mailbox; IMAP LIST shows them <c>\NonExistent</c>). Creating a mailbox of that name again ends it.
    /// </summary>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>The full names; empty by default, for an implementation that drops a subscription with its mailbox.</returns>
    ValueTask<IReadOnlyList<string>> GetOrphanSubscriptionsAsync(CancellationToken cancellationToken = default)
        => ValueTask.FromResult<IReadOnlyList<string>>([]);

    /// <summary>Removes a subscription listed by <see cref="GetOrphanSubscriptionsAsync"/> (IMAP UNSUBSCRIBE of a deleted mailbox).</summary>
    /// <param name="name">The full name.</param>
    /// <param name="cancellationToken">Cancels the change.</param>
    /// <returns>Whether there was such a subscription; <see langword="false"/> by default.</returns>
    ValueTask<bool> RemoveOrphanSubscriptionAsync(string name, CancellationToken cancellationToken = default)
        => ValueTask.FromResult(false);

    /// <summary>Subscribes to or unsubscribes from a mailbox.</summary>
    /// <param name="mailboxId">The mailbox.</param>
    /// <param name="subscribed">Whether to be subscribed.</param>
    /// <param name="cancellationToken">Cancels the change.</param>
    /// <returns>A task that completes when the change is durable.</returns>
    ValueTask SetSubscribedAsync(ulong mailboxId, bool subscribed, CancellationToken cancellationToken = default);

    /// <summary>
    /// Stores a message in a mailbox (IMAP APPEND, JMAP Email/import). The message is stored byte for byte and
    /// parsed once; a blob already stored is shared, not copied.
    /// </summary>
    /// <param name="mailboxId">The mailbox.</param>
    /// <param name="message">The raw message, read to its end.</param>
    /// <param name="keywords">Its keywords (see <see cref="MailKeywords"/>), or <see langword="null"/> for none.</param>
    /// <param name="internalDate">The internal date; the current time when <see langword="null"/>.</param>
    /// <param name="cancellationToken">Cancels the append.</param>
    /// <returns>The UID and email id, or the quota it would have exceeded.</returns>
    ValueTask<AppendResult> AppendAsync(ulong mailboxId, Stream message, IReadOnlyCollection<string>? keywords = null, DateTimeOffset? internalDate = null, CancellationToken cancellationToken = default);

    /// <summary>
    /// Copies messages to another mailbox (IMAP COPY). The same email gains a place in the destination, with a new
    /// UID and its keywords; nothing is copied and quota is not charged, except when the email is already in the
    /// destination, where a second email sharing the same blob is made.
    /// </summary>
    /// <param name="sourceMailboxId">The mailbox the UIDs belong to.</param>
    /// <param name="uids">The source UIDs; those naming no message are ignored.</param>
    /// <param name="destinationMailboxId">The destination mailbox.</param>
    /// <param name="cancellationToken">Cancels the copy.</param>
    /// <returns>The UID mapping.</returns>
    ValueTask<CopyResult> CopyAsync(ulong sourceMailboxId, IReadOnlyCollection<uint> uids, ulong destinationMailboxId, CancellationToken cancellationToken = default);

    /// <summary>
    /// Moves messages to another mailbox atomically (IMAP MOVE, RFC 6851): they get new UIDs in the destination and
    /// are expunged from the source in the same change.
    /// </summary>
    /// <param name="sourceMailboxId">The mailbox the UIDs belong to.</param>
    /// <param name="uids">The source UIDs; those naming no message are ignored.</param>
    /// <param name="destinationMailboxId">The destination mailbox.</param>
    /// <param name="cancellationToken">Cancels the move.</param>
    /// <returns>The UID mapping.</returns>
    ValueTask<CopyResult> MoveAsync(ulong sourceMailboxId, IReadOnlyCollection<uint> uids, ulong destinationMailboxId, CancellationToken cancellationToken = default);

    /// <summary>Adds, removes or replaces keywords of messages (IMAP STORE, JMAP Email/set <c>keywords</c>).</summary>
    /// <param name="mailboxId">The mailbox the UIDs belong to.</param>
    /// <param name="uids">The UIDs; those naming no message are ignored.</param>
    /// <param name="operation">Add, remove or replace.</param>
    /// <param name="keywords">The keywords (see <see cref="MailKeywords"/>; IMAP flags are mapped by <see cref="MailKeywords.FromImap"/>).</param>
    /// <param name="unchangedSince">
    /// IMAP UNCHANGEDSINCE: only messages whose mod-sequence is at most this are changed; the others are reported in
    /// <see cref="KeywordUpdateResult.Modified"/>. <see langword="null"/> for no condition.
    /// </param>
    /// <param name="cancellationToken">Cancels the change.</param>
    /// <returns>The messages changed and those refused by the condition.</returns>
    ValueTask<KeywordUpdateResult> SetKeywordsAsync(ulong mailboxId, IReadOnlyCollection<uint> uids, KeywordOperation operation, IReadOnlyCollection<string> keywords, ulong? unchangedSince = null, CancellationToken cancellationToken = default);

    /// <summary>
    /// Removes from a mailbox the messages that carry <see cref="MailKeywords.Deleted"/> (IMAP EXPUNGE), or only
    /// those among <paramref name="uids"/> (IMAP UID EXPUNGE). An email left in no mailbox is destroyed. The UIDs
    /// are never given again.
    /// </summary>
    /// <param name="mailboxId">The mailbox.</param>
    /// <param name="uids">Limits the expunge to these UIDs; <see langword="null"/> for the whole mailbox.</param>
    /// <param name="cancellationToken">Cancels the expunge.</param>
    /// <returns>The expunged UIDs, ascending.</returns>
    ValueTask<IReadOnlyList<uint>> ExpungeAsync(ulong mailboxId, IReadOnlyCollection<uint>? uids = null, CancellationToken cancellationToken = default);

    /// <summary>
    /// Removes messages from a mailbox whatever their keywords (JMAP <c>Email/set</c> changing <c>mailboxIds</c> or
    /// destroying an email; IMAP EXPUNGE needs <see cref="MailKeywords.Deleted"/> and uses <see cref="ExpungeAsync"/>).
    /// An email left in no mailbox is destroyed. The UIDs are never given again.
    /// </summary>
    /// <param name="mailboxId">The mailbox.</param>
    /// <param name="uids">The UIDs; those naming no message are ignored.</param>
    /// <param name="cancellationToken">Cancels the removal.</param>
    /// <returns>The removed UIDs, ascending.</returns>
    ValueTask<IReadOnlyList<uint>> RemoveFromMailboxAsync(ulong mailboxId, IReadOnlyCollection<uint> uids, CancellationToken cancellationToken = default);

    /// <summary>Lists the messages of a mailbox in UID order, reading lazily.</summary>
    /// <param name="mailboxId">The mailbox.</param>
    /// <param name="firstUid">The lowest UID to list.</param>
    /// <param name="lastUid">The highest UID to list.</param>
    /// <param name="cancellationToken">Cancels the listing.</param>
    /// <returns>The messages.</returns>
    IAsyncEnumerable<MailboxMessage> GetMessagesAsync(ulong mailboxId, uint firstUid = 1, uint lastUid = uint.MaxValue, CancellationToken cancellationToken = default);

    /// <summary>
    /// Lists the messages of a mailbox changed (added or keywords changed) after a mod-sequence, in UID order
    /// (IMAP FETCH … (CHANGEDSINCE m), SEARCH MODSEQ). The cost follows the number of changes, not the mailbox size.
    /// </summary>
    /// <param name="mailboxId">The mailbox.</param>
    /// <param name="sinceModSeq">The mod-sequence; messages with a greater one are listed.</param>
    /// <param name="cancellationToken">Cancels the listing.</param>
    /// <returns>The changed messages.</returns>
    ValueTask<IReadOnlyList<MailboxMessage>> GetChangedMessagesAsync(ulong mailboxId, ulong sinceModSeq, CancellationToken cancellationToken = default);

    /// <summary>Lists the UIDs removed from a mailbox after a mod-sequence (IMAP VANISHED).</summary>
    /// <param name="mailboxId">The mailbox.</param>
    /// <param name="sinceModSeq">The mod-sequence; removals with a greater one are listed.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>The removed UIDs and whether the log still covered the whole span.</returns>
    ValueTask<ExpungedMessages> GetExpungedAsync(ulong mailboxId, ulong sinceModSeq, CancellationToken cancellationToken = default);

    /// <summary>Reads emails with their parsed metadata; no message is parsed again.</summary>
    /// <param name="emailIds">The ids; unknown ones are left out of the result.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>The emails found, in the order asked.</returns>
    ValueTask<IReadOnlyList<Email>> GetEmailsAsync(IReadOnlyCollection<ulong> emailIds, CancellationToken cancellationToken = default);

    /// <summary>
    /// Finds the emails of the account that match a filter, in sort order (JMAP <c>Email/query</c>). Full-text
    /// conditions are answered by the full-text index, the others from the mailbox listings, email records and
    /// stored metadata; no message is parsed again.
    /// </summary>
    /// <param name="filter">The filter; <see langword="null"/> for every email.</param>
    /// <param name="sort">The sort criteria; <see langword="null"/> or empty for ascending email id (creation order).</param>
    /// <param name="collapseThreads">Whether to keep only the first email of each thread in sort order (JMAP <c>collapseThreads</c>).</param>
    /// <param name="cancellationToken">Cancels the search.</param>
    /// <returns>The matching email ids, sorted.</returns>
    /// <exception cref="MailException">
    /// <see cref="MailErrorCode.UnsupportedFilter"/> for a text condition when the engine has no full-text index, or a
    /// UID or mod-sequence condition, which only a mailbox search can answer.
    /// </exception>
    ValueTask<IReadOnlyList<ulong>> QueryEmailsAsync(MailFilter? filter, IReadOnlyList<MailSort>? sort = null, bool collapseThreads = false, CancellationToken cancellationToken = default);

    /// <summary>
    /// Finds one page of the emails of the account that match a filter, in sort order (JMAP <c>Email/query</c> with
    /// <c>position</c>, <c>anchor</c>, <c>limit</c> and <c>calculateTotal</c>). Gives the same ids as
    /// <see cref="QueryEmailsAsync(MailFilter?, IReadOnlyList{MailSort}?, bool, CancellationToken)"/> cut to the page; an
    /// engine may answer it without reading past the page. The default implementation lists every match and cuts.
    /// </summary>
    /// <param name="query">The filter, sort and page.</param>
    /// <param name="cancellationToken">Cancels the search.</param>
    /// <returns>The page, its position and, when asked, the total.</returns>
    /// <exception cref="MailException">
    /// <see cref="MailErrorCode.AnchorNotFound"/> when the anchor is not among the results; otherwise as
    /// <see cref="QueryEmailsAsync(MailFilter?, IReadOnlyList{MailSort}?, bool, CancellationToken)"/>.
    /// </exception>
    async ValueTask<EmailQueryResult> QueryEmailPageAsync(EmailQuery query, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        var ids = await QueryEmailsAsync(query.Filter, query.Sort, query.CollapseThreads, cancellationToken).ConfigureAwait(false);
        return query.PageOf(ids);
    }

    /// <summary>
    /// Finds the messages of one mailbox that match a filter, in sort order (IMAP SEARCH and SORT). The cost is a scan
    /// of the mailbox's listing, plus metadata reads only for the emails a date, attachment or sort condition needs.
    /// </summary>
    /// <param name="mailboxId">The mailbox.</param>
    /// <param name="filter">The filter; <see langword="null"/> for every message.</param>
    /// <param name="sort">The sort criteria; <see langword="null"/> or empty for UID order.</param>
    /// <param name="cancellationToken">Cancels the search.</param>
    /// <returns>The matching UIDs, sorted.</returns>
    /// <exception cref="MailException">
    /// <see cref="MailErrorCode.MailboxNotFound"/>; <see cref="MailErrorCode.UnsupportedFilter"/> for a text condition
    /// when the engine has no full-text index.
    /// </exception>
    ValueTask<IReadOnlyList<uint>> SearchMailboxAsync(ulong mailboxId, MailFilter? filter, IReadOnlyList<MailSort>? sort = null, CancellationToken cancellationToken = default);

    /// <summary>
    /// Lists the emails of a thread (JMAP <c>Thread/get</c>), oldest first: by internal date, then by email id.
    /// </summary>
    /// <param name="threadId">The thread, as <see cref="Email.ThreadId"/> gives it.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>The email ids; empty when the account has no such thread.</returns>
    ValueTask<IReadOnlyList<ulong>> GetThreadAsync(ulong threadId, CancellationToken cancellationToken = default);

    /// <summary>Opens the raw message of an email.</summary>
    /// <param name="emailId">The email.</param>
    /// <param name="cancellationToken">Cancels opening.</param>
    /// <returns>A stream the caller disposes, or <see langword="null"/> when the account has no such email.</returns>
    ValueTask<Stream?> OpenMessageAsync(ulong emailId, CancellationToken cancellationToken = default);

    /// <summary>
    /// Reads a byte range of the raw message of an email without reading the rest, for a section found in
    /// <see cref="MessagePart"/> offsets. A range past the end is cut at the end.
    /// </summary>
    /// <param name="emailId">The email.</param>
    /// <param name="offset">The first byte.</param>
    /// <param name="length">The most bytes to read.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>The bytes, or <see langword="null"/> when the account has no such email.</returns>
    ValueTask<byte[]?> ReadMessageAsync(ulong emailId, long offset, int length, CancellationToken cancellationToken = default);

    /// <summary>The account's current state (JMAP <c>state</c>): it changes with every change to its mail.</summary>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>The state string; opaque to clients.</returns>
    ValueTask<string> GetStateAsync(CancellationToken cancellationToken = default);

    /// <summary>Lists what changed since a state (JMAP <c>/changes</c>).</summary>
    /// <param name="sinceState">A state from <see cref="GetStateAsync"/> or an earlier <see cref="MailChanges.NewState"/>.</param>
    /// <param name="maxChanges">The most ids to return across the lists; more gives <see cref="MailChanges.HasMoreChanges"/>.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>The changes, or <see cref="MailChanges.CannotCalculateChanges"/>.</returns>
    ValueTask<MailChanges> GetChangesAsync(string sinceState, int maxChanges = int.MaxValue, CancellationToken cancellationToken = default);

    /// <summary>Reads the account's quota and usage.</summary>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>The limits and what is used.</returns>
    ValueTask<MailQuotaUsage> GetQuotaAsync(CancellationToken cancellationToken = default);

    /// <summary>
    /// Sets the account's limits, as its directory entry gives them; enforced by later deliveries, appends and copies.
    /// Mail already kept is not removed when the new limits are lower.
    /// </summary>
    /// <param name="quota">The limits.</param>
    /// <param name="cancellationToken">Cancels the change.</param>
    /// <returns>A task that completes when the limits are durable.</returns>
    ValueTask SetQuotaAsync(MailQuota quota, CancellationToken cancellationToken = default);

    /// <summary>
    /// Reads a mailbox's access control list (IMAP GETACL): the owner first with every right, then each identifier
    /// granted something. Through a shared handle it needs <see cref="MailboxRights.Administer"/>. Added in contracts
    /// 1.1 with a default that throws <see cref="NotSupportedException"/>, so older implementations still load.
    /// </summary>
    /// <param name="mailboxId">The mailbox.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>The entries.</returns>
    ValueTask<IReadOnlyList<MailboxAccessEntry>> GetAclAsync(ulong mailboxId, CancellationToken cancellationToken = default)
        => throw new NotSupportedException("This mail engine has no access control lists.");

    /// <summary>
    /// Sets the rights of one identifier on a mailbox (IMAP SETACL), replacing what it had;
    /// <see cref="MailboxRights.None"/> removes the entry. The identifier is <see cref="MailboxAccessEntry.Anyone"/> or
    /// a principal's login name (mapped with <see cref="IMailEngine.GetAccountIdAsync"/>); the owner's own rights
    /// cannot be changed (<see cref="MailErrorCode.InvalidArgument"/>). Through a shared handle it needs
    /// <see cref="MailboxRights.Administer"/>.
    /// </summary>
    /// <param name="mailboxId">The mailbox.</param>
    /// <param name="identifier">Who gets the rights.</param>
    /// <param name="rights">The rights.</param>
    /// <param name="cancellationToken">Cancels the change.</param>
    /// <returns>A task that completes when the change is durable.</returns>
    ValueTask SetAclAsync(ulong mailboxId, string identifier, MailboxRights rights, CancellationToken cancellationToken = default)
        => throw new NotSupportedException("This mail engine has no access control lists.");

    /// <summary>Removes one identifier's entry from a mailbox's access control list (IMAP DELETEACL).</summary>
    /// <param name="mailboxId">The mailbox.</param>
    /// <param name="identifier">The identifier.</param>
    /// <param name="cancellationToken">Cancels the change.</param>
    /// <returns>A task that completes when the change is durable.</returns>
    ValueTask DeleteAclAsync(ulong mailboxId, string identifier, CancellationToken cancellationToken = default)
        => SetAclAsync(mailboxId, identifier, MailboxRights.None, cancellationToken);

    /// <summary>
    /// This handle's rights on a mailbox (IMAP MYRIGHTS): every right on the account's own mailboxes; through a shared
    /// handle those granted to the user's principal and to <c>anyone</c>.
    /// </summary>
    /// <param name="mailboxId">The mailbox.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>The rights.</returns>
    ValueTask<MailboxRights> GetMyRightsAsync(ulong mailboxId, CancellationToken cancellationToken = default)
        => throw new NotSupportedException("This mail engine has no access control lists.");

    /// <summary>
    /// Lists the mailboxes of other accounts this account may see (those granting it, or <c>anyone</c>,
    /// <see cref="MailboxRights.Lookup"/>), ordered by owner then name.
    /// </summary>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>The shared mailboxes.</returns>
    ValueTask<IReadOnlyList<SharedMailbox>> GetSharedMailboxesAsync(CancellationToken cancellationToken = default)
        => throw new NotSupportedException("This mail engine has no access control lists.");

    /// <summary>
    /// Reads the metadata entries of a mailbox, or of the server when <paramref name="mailboxId"/> is
    /// <see langword="null"/> (RFC 5464): this account's <c>/private</c> entries and the <c>/shared</c> ones, ordered
    /// by name. Through a shared handle a mailbox's entries need <see cref="MailboxRights.Read"/>.
    /// </summary>
    /// <param name="mailboxId">The mailbox, or <see langword="null"/> for server entries.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>The entries.</returns>
    ValueTask<IReadOnlyList<MetadataEntry>> GetMetadataAsync(ulong? mailboxId, CancellationToken cancellationToken = default)
        => throw new NotSupportedException("This mail engine keeps no metadata.");

    /// <summary>
    /// Sets or removes metadata entries of a mailbox or of the server, all or none
    /// (<see cref="MailErrorCode.TooManyEntries"/>, <see cref="MailErrorCode.ValueTooLarge"/>,
    /// <see cref="MailErrorCode.InvalidArgument"/> for a name outside <c>/private</c> and <c>/shared</c>). Through a
    /// shared handle <c>/shared</c> mailbox entries need <see cref="MailboxRights.Write"/>.
    /// </summary>
    /// <param name="mailboxId">The mailbox, or <see langword="null"/> for server entries.</param>
    /// <param name="entries">The entries; a <see langword="null"/> value removes one.</param>
    /// <param name="cancellationToken">Cancels the change.</param>
    /// <returns>A task that completes when the change is durable.</returns>
    ValueTask SetMetadataAsync(ulong? mailboxId, IReadOnlyList<MetadataEntry> entries, CancellationToken cancellationToken = default)
        => throw new NotSupportedException("This mail engine keeps no metadata.");
}
