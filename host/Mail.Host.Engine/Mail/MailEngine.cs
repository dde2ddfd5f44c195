using System.Collections.Concurrent;
using System.Globalization;
using System.Text;
using Mail.Host.Engine.Storage;
using Mail.Host.Mail;
using Mail.Host.Storage;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Mail.Host.Engine.Mail;

/// <summary>
/// The mail engine over any <see cref="IDataStore"/> and <see cref="IBlobStore"/>: the whole mail model is kept in
/// the data store's subspaces (docs/engine-storage.md), message bytes in the blob store, shared and reference-counted.
/// </summary>
/// <remarks>
/// Every change to an account is one batch that asserts the account's head record unchanged since it was read, so
/// concurrent writers in several processes serialize through the store; within one process writers of one account
/// also wait for each other on a lock, so they do not waste attempts. Writes to different accounts run in parallel
/// and reach the store together, where its group commit makes them durable with one synced write.
/// </remarks>
public sealed class MailEngine : IMailEngine
{
    private const int LockStripes = 1024;

    /// <summary>How many decoded message metadata are kept in memory (about a kilobyte or two each).</summary>
    private const int MetadataCacheSize = 10_000;

    private const int MaxPrincipalNameBytes = 512;

    private readonly SemaphoreSlim[] locks;
    private readonly ILogger logger;
    private readonly ConcurrentDictionary<string, ulong> accountIds = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<ulong, AccountDeliveries> deliveries = new();
    private readonly ConcurrentDictionary<BlobHash, MessageMetadata> metadataCache = new();
    private MailAccess? access;

    /// <summary>Creates the engine.</summary>
    /// <param name="data">The data store holding the mail model.</param>
    /// <param name="blobs">The blob store holding the raw messages.</param>
    /// <param name="options">The settings; the defaults when <see langword="null"/>.</param>
    /// <param name="time">The clock; the system clock when <see langword="null"/>.</param>
    /// <param name="lookup">
    /// The lookup store whose publish/subscribe carries change notifications to other host processes; when
    /// <see langword="null"/>, processes find each other's changes by polling the accounts someone watches.
    /// </param>
    /// <param name="logger">Where failures of background work are reported.</param>
    /// <param name="fullText">
    /// The full-text index emails are indexed in and searched through; <see langword="null"/> for none, in which case
    /// searches with text conditions are refused. Emails stored while the engine ran without one are not indexed later.
    /// </param>
    public MailEngine(IDataStore data, IBlobStore blobs, MailEngineOptions? options = null, TimeProvider? time = null, ILookupStore? lookup = null, ILogger? logger = null, IFullTextStore? fullText = null)
    {
        ArgumentNullException.ThrowIfNull(data);
        ArgumentNullException.ThrowIfNull(blobs);
        Options = options ?? new MailEngineOptions();
        Options.Validate();
        Data = data;
        Blobs = Options.InlineMessageBytes > 0 ? new InlineBlobStore(data, blobs, Options.InlineMessageBytes) : blobs;
        Time = time ?? TimeProvider.System;
        Names = new MailboxNames(Options.HierarchySeparator, Options.MaxMailboxNameBytes);
        References = new BlobReferences(data, Blobs, Options, Time);
        this.logger = logger ?? NullLogger.Instance;
        Notifier = new MailNotifier(this, lookup, this.logger);
        Indexer = fullText is null ? null : new MailIndexer(this, fullText);
        Views = Options.QueryViewEmails > 0 ? new EmailViews(this) : null;
        locks = new SemaphoreSlim[LockStripes];
        for (var i = 0; i < locks.Length; i++)
        {
            locks[i] = new SemaphoreSlim(1, 1);
        }
    }

    /// <inheritdoc />
    public char HierarchySeparator => Options.HierarchySeparator;

    internal IDataStore Data { get; }

    internal IBlobStore Blobs { get; }

    internal MailEngineOptions Options { get; }

    internal TimeProvider Time { get; }

    internal MailboxNames Names { get; }

    internal BlobReferences References { get; }

    internal MailNotifier Notifier { get; }

    /// <summary>Access control lists and metadata.</summary>
    internal MailAccess Access => access ??= new MailAccess(this);

    /// <summary>The full-text indexing, or <see langword="null"/> when the engine has no full-text index.</summary>
    internal MailIndexer? Indexer { get; }

    /// <summary>The in-memory received-date views of recently queried accounts; <see langword="null"/> when turned off.</summary>
    internal EmailViews? Views { get; }

    /// <inheritdoc />
    public IMailAccount OpenAccount(ulong accountId) => new MailAccount(this, accountId);

    /// <inheritdoc />
    public IMailAccount OpenSharedAccount(ulong ownerAccountId, ulong userAccountId)
        => ownerAccountId == userAccountId ? new MailAccount(this, ownerAccountId) : new SharedMailAccount(this, new MailAccount(this, ownerAccountId), userAccountId);

    /// <inheritdoc />
    public async ValueTask<ulong> GetAccountIdAsync(string principalName, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(principalName);
        var normalized = principalName.Trim().ToLowerInvariant();
        if (accountIds.TryGetValue(normalized, out var cached))
        {
            return cached;
        }

        var key = Encoding.UTF8.GetBytes(normalized);
        if (key.Length > MaxPrincipalNameBytes)
        {
            throw new ArgumentException($"A principal name is at most {MaxPrincipalNameBytes} bytes of UTF-8.", nameof(principalName));
        }

        while (true)
        {
            var existing = await Data.GetAsync(MailKeys.AccountName, key, cancellationToken).ConfigureAwait(false);
            if (existing is { Length: 8 })
            {
                var id = System.Buffers.Binary.BinaryPrimitives.ReadUInt64BigEndian(existing);
                if (await Data.GetAsync(AccessKeys.Principal, MailKeys.Account(id), cancellationToken).ConfigureAwait(false) is null)
                {
                    // Accounts mapped before the reverse entry existed get it on their next lookup.
                    await Data.CommitAsync(new WriteBatch().Set(AccessKeys.Principal, MailKeys.Account(id), key), cancellationToken).ConfigureAwait(false);
                }

                accountIds[normalized] = id;
                return id;
            }

            // Ids come from a counter so two processes never hand out the same one; the name is claimed with an
            // assertion, and the process that loses the race reads the winner's id (its own number is left unused).
            var next = (ulong)await Data.IncrementAsync(MailKeys.AccountSequence, MailKeys.AccountSequenceKey, 1, cancellationToken).ConfigureAwait(false);
            var batch = new WriteBatch();
            batch.AssertAbsent(MailKeys.AccountName, key);
            batch.Set(MailKeys.AccountName, key, MailKeys.Account(next));
            batch.Set(AccessKeys.Principal, MailKeys.Account(next), key);
            if (await Data.CommitAsync(batch, cancellationToken).ConfigureAwait(false) == CommitResult.Committed)
            {
                accountIds[normalized] = next;
                return next;
            }
        }
    }

    /// <summary>
    /// The names of the directory groups a principal belongs to, asked when a user's rights on another account's
    /// mailbox are resolved, so access control list entries for groups (<c>$name</c>) follow the directory's
    /// membership (within <see cref="MailEngineOptions.GroupMembershipCacheTime"/>); <see langword="null"/> when
    /// there are no groups.
    /// </summary>
    public Func<string, CancellationToken, ValueTask<IReadOnlyList<string>>>? MemberOf { get; init; }

    /// <summary>The account id a principal name was mapped to, without mapping it; <see langword="null"/> when it never was.</summary>
    internal async ValueTask<ulong?> FindAccountIdAsync(string principalName, CancellationToken cancellationToken)
    {
        var normalized = principalName.Trim().ToLowerInvariant();
        if (accountIds.TryGetValue(normalized, out var cached))
        {
            return cached;
        }

        var key = Encoding.UTF8.GetBytes(normalized);
        return key.Length <= MaxPrincipalNameBytes && await Data.GetAsync(MailKeys.AccountName, key, cancellationToken).ConfigureAwait(false) is { Length: 8 } existing
            ? System.Buffers.Binary.BinaryPrimitives.ReadUInt64BigEndian(existing)
            : null;
    }

    /// <inheritdoc />
    public ValueTask<IAsyncDisposable> SubscribeAsync(ulong accountId, Func<MailNotification, CancellationToken, ValueTask> handler, CancellationToken cancellationToken = default)
        => Notifier.SubscribeAsync(accountId, handler, cancellationToken);

    /// <inheritdoc />
    public async ValueTask<IReadOnlyList<DeliveryResult>> DeliverAsync(Stream message, IReadOnlyList<ulong> accountIds, DateTimeOffset? receivedAt = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(message);
        ArgumentNullException.ThrowIfNull(accountIds);
        var recipients = accountIds.Distinct().ToArray();
        if (recipients.Length == 0)
        {
            return [];
        }

        var internalDate = (receivedAt ?? Time.GetUtcNow()).ToUnixTimeMilliseconds();
        var stored = await StoreMessageAsync(message, cancellationToken).ConfigureAwait(false);
        await using var spool = stored.ConfigureAwait(false);
        try
        {
            var deliveries = new Task<DeliveryResult>[recipients.Length];
            for (var i = 0; i < recipients.Length; i++)
            {
                deliveries[i] = DeliverOneAsync(recipients[i], stored, internalDate, takeOverPending: i == 0, cancellationToken);
            }

            var results = await Task.WhenAll(deliveries).ConfigureAwait(false);
            if (results.Any(r => r.Status == DeliveryStatus.Delivered))
            {
                await EnsureBlobSurvivedAsync(stored, cancellationToken).ConfigureAwait(false);
            }

            return results;
        }
        finally
        {
            // The emails now hold their own references; the delivery's is dropped even when the caller cancels,
            // unless the first recipient's email took it over.
            if (!stored.PendingTakenOver)
            {
                await References.ReleaseAsync(stored.Hash, stored.PendingKey, CancellationToken.None).ConfigureAwait(false);
            }
        }
    }

    /// <inheritdoc />
    public async ValueTask<GarbageCollectionResult> CollectGarbageAsync(CancellationToken cancellationToken = default)
    {
        var purged = 0;
        var accounts = new List<ulong>();
        await foreach (var entry in Data.ScanAsync(MailKeys.Head, KeyRange.All(), cancellationToken).ConfigureAwait(false))
        {
            accounts.Add(MailKeys.FirstOf(entry.Key));
        }

        foreach (var account in accounts)
        {
            purged += await PurgeChangesAsync(account, cancellationToken).ConfigureAwait(false);
        }

        var indexed = await IndexPendingAsync(cancellationToken).ConfigureAwait(false);
        var blobs = await References.CollectAsync(cancellationToken).ConfigureAwait(false);
        return new GarbageCollectionResult(blobs, purged, indexed);
    }

    /// <inheritdoc />
    public async ValueTask<int> IndexPendingAsync(CancellationToken cancellationToken = default)
        => Indexer is null ? 0 : await Indexer.CatchUpAsync(cancellationToken).ConfigureAwait(false);

    /// <summary>
    /// Runs one change to an account: takes the account's lock, reads the head, runs <paramref name="body"/> and
    /// commits what it staged, running it again from a fresh read when another process committed first.
    /// </summary>
    /// <param name="accountId">The account changed.</param>
    /// <param name="create">Whether the account is created when it does not exist yet.</param>
    /// <param name="body">Stages the change; run again from a fresh read when another process committed first.</param>
    /// <param name="cancellationToken">Cancels waiting and reading.</param>
    /// <param name="deferIndexing">
    /// Whether the emails the change creates are indexed in the background (<see cref="MailIndexer.ScheduleAsync"/>)
    /// instead of before the call returns; a text search of the account waits for them.
    /// </param>
    internal async ValueTask<T> WriteAsync<T>(ulong accountId, bool create, Func<AccountTransaction, ValueTask<T>> body, CancellationToken cancellationToken, bool deferIndexing = false)
    {
        var gate = locks[(int)(accountId % LockStripes)];
        AccountTransaction committed;
        T outcome;
        await gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            for (var attempt = 1; ; attempt++)
            {
                var head = await Data.GetAsync(MailKeys.Head, MailKeys.Account(accountId), cancellationToken).ConfigureAwait(false);
                if (head is null && !create)
                {
                    throw new UnknownAccountException($"There is no account {accountId}.");
                }

                var transaction = new AccountTransaction(Data, accountId, head, Time.GetUtcNow().ToUnixTimeMilliseconds()) { IndexesText = Indexer is not null };
                if (transaction.IsNew)
                {
                    await MailOperations.ProvisionAsync(this, transaction, cancellationToken).ConfigureAwait(false);
                }

                var result = await body(transaction).ConfigureAwait(false);
                if (!transaction.HasWrites)
                {
                    return result;
                }

                if (await transaction.CommitAsync(cancellationToken).ConfigureAwait(false) == CommitResult.Committed)
                {
                    committed = transaction;
                    outcome = result;
                    break;
                }

                if (attempt >= Options.MaxCommitAttempts)
                {
                    throw new MailException(MailErrorCode.Conflict, $"Account {accountId} was changed by other writers {attempt} times in a row; try again.");
                }

                await Task.Delay(TimeSpan.FromMilliseconds(Random.Shared.Next(1, 5 * attempt)), cancellationToken).ConfigureAwait(false);
            }
        }
        finally
        {
            gate.Release();
        }

        // Indexing runs outside the account's lock, so the account's next writer does not wait for it; the call
        // returns only once the new emails are searchable, or, for deliveries, once they are queued for indexing
        // (a text search of the account waits for that queue).
        if (Indexer is not null && (committed.CreatedEmails.Count > 0 || committed.DestroyedEmails.Count > 0))
        {
            if (deferIndexing)
            {
                await Indexer.ScheduleAsync(accountId, committed).ConfigureAwait(false);
            }
            else
            {
                await Indexer.AfterCommitAsync(accountId, committed).ConfigureAwait(false);
            }
        }

        // Announced after indexing (or queueing it), so a client woken by it finds the new emails in searches too.
        if (committed.UsesModSeq)
        {
            Notifier.Committed(accountId, committed.ModSeq);
        }

        return outcome;
    }

    /// <summary>Reads an account's head, creating the account on its first use.</summary>
    internal async ValueTask<AccountHead> EnsureAccountAsync(ulong accountId, CancellationToken cancellationToken)
    {
        var head = await Data.GetAsync(MailKeys.Head, MailKeys.Account(accountId), cancellationToken).ConfigureAwait(false);
        if (head is not null)
        {
            return AccountHead.Decode(head);
        }

        return await WriteAsync(accountId, create: true, t => ValueTask.FromResult(t.Head), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Reads a message once: spools and hashes it, parses it (or reuses the metadata of the same content stored
    /// before), takes a pending reference on its blob and stores the blob if it is new.
    /// </summary>
    internal async ValueTask<StoredMessage> StoreMessageAsync(Stream message, CancellationToken cancellationToken)
    {
        var spool = await MessageSpool.CreateAsync(message, Options.SpoolMemoryThreshold, cancellationToken).ConfigureAwait(false);
        try
        {
            var metadata = await References.ReadMetadataAsync(spool.Hash, cancellationToken).ConfigureAwait(false);
            byte[]? toStore = null;
            string? bodyText = null;
            if (metadata is null || metadata.Size != spool.Length)
            {
                var parsed = await MessageParser.ParseAsync(spool.Rewind(), spool.Length, extractText: Indexer is not null, cancellationToken).ConfigureAwait(false);
                metadata = parsed.Metadata;
                bodyText = parsed.BodyText;
                toStore = MetadataCodec.Encode(metadata);
            }
            else if (Indexer is not null)
            {
                // The metadata is shared but the body text is not kept, so the message in hand is parsed for it.
                bodyText = (await MessageParser.ParseAsync(spool.Rewind(), spool.Length, extractText: true, cancellationToken).ConfigureAwait(false)).BodyText;
            }

            byte[]? inline = null;
            if (Blobs is InlineBlobStore small && small.KeepsInline(spool.Length))
            {
                inline = new byte[spool.Length];
                await spool.Rewind().ReadExactlyAsync(inline, cancellationToken).ConfigureAwait(false);
            }

            var pendingKey = await References.AcquireAsync(spool.Hash, toStore, inline, cancellationToken).ConfigureAwait(false);
            try
            {
                // The pending reference keeps the collector away, so a blob seen here stays until the emails hold it.
                if (inline is null && !await Blobs.ExistsAsync(spool.Hash, cancellationToken).ConfigureAwait(false))
                {
                    await Blobs.PutAsync(spool.Hash, spool.Rewind(), cancellationToken).ConfigureAwait(false);
                }
            }
            catch
            {
                await References.ReleaseAsync(spool.Hash, pendingKey, CancellationToken.None).ConfigureAwait(false);
                throw;
            }

            return new StoredMessage(spool.Hash, spool.Length, metadata, pendingKey, spool, bodyText);
        }
        catch
        {
            await spool.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>
    /// Called after the emails of a delivery or append committed. A pending reference older than
    /// <see cref="MailEngineOptions.PendingReferenceTimeout"/> may have been dropped by the collector, which could
    /// then delete the blob while the emails were being recorded: in that case the blob is checked once the
    /// collector is done with it (the count is negative while it deletes) and stored again from the spool. The
    /// emails' own references, committed before this check, keep every later collector away.
    /// </summary>
    internal async ValueTask EnsureBlobSurvivedAsync(StoredMessage stored, CancellationToken cancellationToken)
    {
        var ageMs = Time.GetUtcNow().ToUnixTimeMilliseconds() - stored.AcquiredAtMs;
        if (stored.PendingTakenOver || ageMs < Options.PendingReferenceTimeout.TotalMilliseconds / 2)
        {
            return;
        }

        var key = MailKeys.BlobKey(stored.Hash);
        for (var wait = 1; Counter.Decode(await Data.GetAsync(MailKeys.BlobReference, key, cancellationToken).ConfigureAwait(false)) < 0; wait++)
        {
            await Task.Delay(TimeSpan.FromMilliseconds(Math.Min(200, 5 * wait)), cancellationToken).ConfigureAwait(false);
        }

        if (!await Blobs.ExistsAsync(stored.Hash, cancellationToken).ConfigureAwait(false))
        {
            logger.LogWarning("The blob {Blob} was collected while a slow delivery recorded it; storing it again", stored.Hash);
            await Blobs.PutAsync(stored.Hash, stored.Spool.Rewind(), cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>The metadata of a stored blob; parsed again from the blob when missing or in an older format.</summary>
    internal async ValueTask<MessageMetadata> GetMetadataAsync(BlobHash hash, long size, CancellationToken cancellationToken)
    {
        // A blob's content never changes, so neither does what parsing it gives: the decoded metadata of recently read
        // messages is kept, whatever process stored it.
        if (metadataCache.TryGetValue(hash, out var cached))
        {
            return cached;
        }

        var metadata = await References.ReadMetadataAsync(hash, cancellationToken).ConfigureAwait(false);
        if (metadata is not null)
        {
            Remember(hash, metadata);
            return metadata;
        }

        var blob = await Blobs.OpenReadAsync(hash, cancellationToken).ConfigureAwait(false);
        if (blob is null)
        {
            return MessageParser.Fallback(size);
        }

        await using (blob.ConfigureAwait(false))
        {
            var spool = await MessageSpool.CreateAsync(blob, Options.SpoolMemoryThreshold, cancellationToken).ConfigureAwait(false);
            await using (spool.ConfigureAwait(false))
            {
                metadata = await MessageParser.ParseAsync(spool.Rewind(), spool.Length, cancellationToken).ConfigureAwait(false);
            }
        }

        await References.WriteMetadataAsync(hash, MetadataCodec.Encode(metadata), cancellationToken).ConfigureAwait(false);
        Remember(hash, metadata);
        return metadata;
    }

    private void Remember(BlobHash hash, MessageMetadata metadata)
    {
        if (metadataCache.Count >= MetadataCacheSize)
        {
            metadataCache.Clear();
        }

        metadataCache[hash] = metadata;
    }

    /// <summary>Parses a stored message again for what indexing it needs, when the text from its first parse is gone.</summary>
    internal async ValueTask<(MessageMetadata Metadata, string? BodyText)> ParseForIndexAsync(BlobHash hash, long size, CancellationToken cancellationToken)
    {
        var blob = await Blobs.OpenReadAsync(hash, cancellationToken).ConfigureAwait(false);
        if (blob is null)
        {
            return (await GetMetadataAsync(hash, size, cancellationToken).ConfigureAwait(false), null);
        }

        await using (blob.ConfigureAwait(false))
        {
            var spool = await MessageSpool.CreateAsync(blob, Options.SpoolMemoryThreshold, cancellationToken).ConfigureAwait(false);
            await using (spool.ConfigureAwait(false))
            {
                var parsed = await MessageParser.ParseAsync(spool.Rewind(), spool.Length, extractText: true, cancellationToken).ConfigureAwait(false);
                return (parsed.Metadata, parsed.BodyText);
            }
        }
    }

    internal static string StateOf(ulong modSeq) => modSeq.ToString(CultureInfo.InvariantCulture);

    private Task<DeliveryResult> DeliverOneAsync(ulong accountId, StoredMessage stored, long internalDate, bool takeOverPending, CancellationToken cancellationToken)
        => deliveries.GetOrAdd(accountId, static (id, engine) => new AccountDeliveries(engine, id), this)
            .EnqueueAsync(stored, internalDate, takeOverPending, cancellationToken);

    private async ValueTask<int> PurgeChangesAsync(ulong accountId, CancellationToken cancellationToken)
    {
        var cutoff = (Time.GetUtcNow() - Options.ChangeRetention).ToUnixTimeMilliseconds();
        var old = new List<byte[]>();
        ulong through = 0;
        await foreach (var entry in Data.ScanAsync(MailKeys.Change, KeyRange.Prefix(MailKeys.Account(accountId)), cancellationToken).ConfigureAwait(false))
        {
            if (ChangeEntry.DecodeTime(entry.Value) >= cutoff)
            {
                break;
            }

            old.Add(entry.Key);
            through = MailKeys.SecondOf(entry.Key);
        }

        if (old.Count == 0)
        {
            return 0;
        }

        // The mark goes first: a reader that finds a gap in the log then knows it was a purge.
        await WriteAsync(
            accountId,
            create: false,
            t =>
            {
                if (t.Head.PurgedThrough < through)
                {
                    t.Head.PurgedThrough = through;
                    t.TouchHead();
                }

                return ValueTask.FromResult(true);
            },
            cancellationToken).ConfigureAwait(false);

        foreach (var chunk in old.Chunk(Options.MaxMessagesPerCommit))
        {
            var batch = new WriteBatch();
            foreach (var key in chunk)
            {
                batch.Delete(MailKeys.Change, key);
            }

            await Data.CommitAsync(batch, cancellationToken).ConfigureAwait(false);
        }

        // The expunged-UID log is kept exactly as long as the change log.
        var vanished = new List<byte[]>();
        await foreach (var entry in Data.ScanAsync(MailKeys.Vanished, KeyRange.Prefix(MailKeys.Account(accountId)), cancellationToken).ConfigureAwait(false))
        {
            if (MailKeys.ModSeqOf(entry.Key) <= through)
            {
                vanished.Add(entry.Key);
            }
        }

        foreach (var chunk in vanished.Chunk(Options.MaxMessagesPerCommit))
        {
            var batch = new WriteBatch();
            foreach (var key in chunk)
            {
                batch.Delete(MailKeys.Vanished, key);
            }

            await Data.CommitAsync(batch, cancellationToken).ConfigureAwait(false);
        }

        return old.Count;
    }
}
