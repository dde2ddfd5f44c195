using System.Buffers.Binary;
using System.Collections.Concurrent;
using System.Globalization;
using Mail.Host.Mail;
using Mail.Host.Storage;
using Microsoft.Extensions.Logging;

namespace Mail.Host.Engine.Mail;

/// <summary>
/// Tells subscribers that an account changed. Every notification is built from the change log, whichever way the
/// news arrived (a commit in this process, a message from another process through the lookup store, or a poll of the
/// account head), so a lost or duplicated message never makes a subscriber miss or double-count a change.
/// </summary>
internal sealed class MailNotifier
{
    private const string ChannelPrefix = "mail.account.";

    /// <summary>Past this many changed emails, the mailboxes they touch are not looked up one by one.</summary>
    private const int MaxEmailsResolved = 256;

    private readonly MailEngine engine;
    private readonly ILookupStore? lookup;
    private readonly ILogger logger;
    private readonly byte[] origin = Guid.NewGuid().ToByteArray();
    private readonly ConcurrentDictionary<ulong, AccountWatch> watches = new();
    private readonly Lock gate = new();

    public MailNotifier(MailEngine engine, ILookupStore? lookup, ILogger logger)
    {
        this.engine = engine;
        this.lookup = lookup;
        this.logger = logger;
    }

    public async ValueTask<IAsyncDisposable> SubscribeAsync(ulong accountId, Func<MailNotification, CancellationToken, ValueTask> handler, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(handler);
        var head = await engine.EnsureAccountAsync(accountId, cancellationToken).ConfigureAwait(false);
        AccountWatch watch;
        bool created;
        Subscription subscription;
        lock (gate)
        {
            created = !watches.TryGetValue(accountId, out var existing);
            watch = existing ?? new AccountWatch(this, accountId, head.ModSeq);
            watches[accountId] = watch;
            subscription = watch.Add(handler, head.ModSeq);
        }

        if (created)
        {
            await watch.StartAsync(cancellationToken).ConfigureAwait(false);
        }

        return subscription;
    }

    /// <summary>Called after every commit that gave the account a new mod-sequence.</summary>
    public void Committed(ulong accountId, ulong modSeq)
    {
        if (watches.TryGetValue(accountId, out var watch))
        {
            watch.Advance(modSeq);
        }

        if (lookup is not null)
        {
            _ = PublishAsync(lookup, accountId, modSeq);
        }
    }

    private async Task PublishAsync(ILookupStore store, ulong accountId, ulong modSeq)
    {
        var message = new byte[origin.Length + 8];
        origin.CopyTo(message, 0);
        BinaryPrimitives.WriteUInt64BigEndian(message.AsSpan(origin.Length), modSeq);
        try
        {
            await store.PublishAsync(Channel(accountId), message, CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            // The other processes' safety poll finds the change a little later; nothing is lost.
            logger.LogDebug(ex, "Could not publish the change of account {AccountId}; other processes will find it by polling", accountId);
        }
    }

    private static string Channel(ulong accountId) => ChannelPrefix + accountId.ToString(CultureInfo.InvariantCulture);

    private void Remove(AccountWatch watch)
    {
        lock (gate)
        {
            if (!watch.IsEmpty || !watches.TryGetValue(watch.AccountId, out var current) || current != watch)
            {
                return;
            }

            watches.TryRemove(watch.AccountId, out _);
        }

        _ = watch.StopAsync();
    }

    /// <summary>Reads the change log between two mod-sequences and sums it up.</summary>
    private async ValueTask<MailNotification> BuildAsync(ulong accountId, ulong after, ulong through, CancellationToken cancellationToken)
    {
        var kinds = MailEventKinds.None;
        var mailboxes = new SortedSet<ulong>();
        var metadata = new SortedSet<ulong>();
        var emails = new HashSet<ulong>();
        var expected = after + 1;
        var reached = after;
        var range = new KeyRange(MailKeys.AccountItem(accountId, after + 1), MailKeys.AccountItem(accountId, through + 1));
        await foreach (var entry in engine.Data.ScanAsync(MailKeys.Change, range, cancellationToken).ConfigureAwait(false))
        {
            var modSeq = MailKeys.SecondOf(entry.Key);
            if (modSeq != expected)
            {
                kinds |= MailEventKinds.Unknown;
            }

            expected = modSeq + 1;
            reached = modSeq;
            foreach (var (kind, id) in ChangeEntry.Decode(entry.Value).Items)
            {
                switch (kind)
                {
                    case ChangeKind.EmailCreated:
                        kinds |= MailEventKinds.MessagesAdded;
                        emails.Add(id);
                        break;
                    case ChangeKind.EmailUpdated:
                        kinds |= MailEventKinds.MessagesChanged;
                        emails.Add(id);
                        break;
                    case ChangeKind.EmailDestroyed:
                        kinds |= MailEventKinds.MessagesExpunged;
                        break;
                    case ChangeKind.MailboxCounters:
                        mailboxes.Add(id);
                        break;
                    case ChangeKind.MetadataChanged:
                        kinds |= MailEventKinds.MetadataChanged;
                        metadata.Add(id);
                        break;
                    default:
                        kinds |= MailEventKinds.MailboxesChanged;
                        mailboxes.Add(id);
                        break;
                }
            }
        }

        if (reached < through)
        {
            // The log ends early only when it was purged past this span.
            kinds |= MailEventKinds.Unknown;
            reached = through;
        }

        if (emails.Count > MaxEmailsResolved || (kinds & MailEventKinds.Unknown) != 0)
        {
            await foreach (var entry in engine.Data.ScanAsync(MailKeys.Mailbox, KeyRange.Prefix(MailKeys.Account(accountId)), cancellationToken).ConfigureAwait(false))
            {
                mailboxes.Add(MailKeys.SecondOf(entry.Key));
            }
        }
        else
        {
            foreach (var emailId in emails)
            {
                var value = await engine.Data.GetAsync(MailKeys.Email, MailKeys.AccountItem(accountId, emailId), cancellationToken).ConfigureAwait(false);
                if (value is not null)
                {
                    foreach (var membership in EmailRecord.Decode(emailId, value).Mailboxes)
                    {
                        mailboxes.Add(membership.MailboxId);
                    }
                }
            }
        }

        return new MailNotification
        {
            AccountId = accountId,
            ModSeq = reached,
            State = MailEngine.StateOf(reached),
            Kinds = kinds == MailEventKinds.None ? MailEventKinds.MessagesChanged : kinds,
            MailboxIds = [.. mailboxes],
            MetadataMailboxIds = [.. metadata],
        };
    }

    /// <summary>The subscriptions to one account, and how this process hears about its changes.</summary>
    private sealed class AccountWatch
    {
        private readonly MailNotifier notifier;
        private readonly List<Subscription> subscriptions = [];
        private readonly CancellationTokenSource stopping = new();
        private IAsyncDisposable? remote;
        private Task? polling;
        private ulong known;

        public AccountWatch(MailNotifier notifier, ulong accountId, ulong modSeq)
        {
            this.notifier = notifier;
            AccountId = accountId;
            known = modSeq;
        }

        public ulong AccountId { get; }

        public bool IsEmpty
        {
            get
            {
                lock (subscriptions)
                {
                    return subscriptions.Count == 0;
                }
            }
        }

        public ulong Known => Interlocked.Read(ref known);

        public Subscription Add(Func<MailNotification, CancellationToken, ValueTask> handler, ulong seen)
        {
            var subscription = new Subscription(this, handler, Math.Min(seen, Known));
            lock (subscriptions)
            {
                subscriptions.Add(subscription);
            }

            Advance(seen);
            return subscription;
        }

        public async ValueTask StartAsync(CancellationToken cancellationToken)
        {
            var interval = notifier.engine.Options.NotificationPollInterval;
            if (notifier.lookup is { } store)
            {
                try
                {
                    remote = await store.SubscribeAsync(Channel(AccountId), OnRemoteAsync, cancellationToken).ConfigureAwait(false);
                    interval = notifier.engine.Options.NotificationSafetyPollInterval;
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    notifier.logger.LogWarning(ex, "Could not subscribe to changes of account {AccountId} through the lookup store; polling instead", AccountId);
                }
            }

            polling = PollAsync(interval, stopping.Token);
        }

        public async Task StopAsync()
        {
            await stopping.CancelAsync().ConfigureAwait(false);
            if (remote is not null)
            {
                try
                {
                    await remote.DisposeAsync().ConfigureAwait(false);
                }
                catch (Exception ex)
                {
                    notifier.logger.LogDebug(ex, "Unsubscribing from account {AccountId} failed", AccountId);
                }
            }

            if (polling is not null)
            {
                await polling.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            }

            stopping.Dispose();
        }

        /// <summary>Records that the account reached a mod-sequence and wakes the subscriptions behind it.</summary>
        public void Advance(ulong modSeq)
        {
            var current = Interlocked.Read(ref known);
            while (modSeq > current)
            {
                var seen = Interlocked.CompareExchange(ref known, modSeq, current);
                if (seen == current)
                {
                    break;
                }

                current = seen;
            }

            Subscription[] all;
            lock (subscriptions)
            {
                all = [.. subscriptions];
            }

            foreach (var subscription in all)
            {
                subscription.Wake();
            }
        }

        public void Remove(Subscription subscription)
        {
            lock (subscriptions)
            {
                subscriptions.Remove(subscription);
            }

            notifier.Remove(this);
        }

        public ValueTask<MailNotification> BuildAsync(ulong after, ulong through, CancellationToken cancellationToken)
            => notifier.BuildAsync(AccountId, after, through, cancellationToken);

        public void Failed(Exception exception)
            => notifier.logger.LogWarning(exception, "A subscriber to changes of account {AccountId} failed", AccountId);

        private ValueTask OnRemoteAsync(ReadOnlyMemory<byte> message, CancellationToken cancellationToken)
        {
            if (message.Length == notifier.origin.Length + 8 && !message.Span[..notifier.origin.Length].SequenceEqual(notifier.origin))
            {
                Advance(BinaryPrimitives.ReadUInt64BigEndian(message.Span[notifier.origin.Length..]));
            }

            return ValueTask.CompletedTask;
        }

        private async Task PollAsync(TimeSpan interval, CancellationToken cancellationToken)
        {
            using var timer = new PeriodicTimer(interval, notifier.engine.Time);
            try
            {
                while (await timer.WaitForNextTickAsync(cancellationToken).ConfigureAwait(false))
                {
                    try
                    {
                        var head = await notifier.engine.Data.GetAsync(MailKeys.Head, MailKeys.Account(AccountId), cancellationToken).ConfigureAwait(false);
                        if (head is not null)
                        {
                            Advance(AccountHead.Decode(head).ModSeq);
                        }
                    }
                    catch (StoreUnavailableException ex)
                    {
                        notifier.logger.LogDebug(ex, "Polling account {AccountId} for changes failed; trying again", AccountId);
                    }
                }
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
            }
        }
    }

    /// <summary>One subscriber: its own position in the log and a loop that calls it, one call at a time.</summary>
    private sealed class Subscription : IAsyncDisposable
    {
        private readonly AccountWatch watch;
        private readonly Func<MailNotification, CancellationToken, ValueTask> handler;
        private readonly SemaphoreSlim wake = new(0, 1);
        private readonly CancellationTokenSource disposed = new();
        private readonly Task loop;
        private ulong seen;

        public Subscription(AccountWatch watch, Func<MailNotification, CancellationToken, ValueTask> handler, ulong seen)
        {
            this.watch = watch;
            this.handler = handler;
            this.seen = seen;
            loop = Task.Run(RunAsync);
        }

        public void Wake()
        {
            try
            {
                if (wake.CurrentCount == 0)
                {
                    wake.Release();
                }
            }
            catch (SemaphoreFullException)
            {
                // Already awake: the pending pass will see the newest mod-sequence.
            }
            catch (ObjectDisposedException)
            {
            }
        }

        public async ValueTask DisposeAsync()
        {
            if (disposed.IsCancellationRequested)
            {
                return;
            }

            await disposed.CancelAsync().ConfigureAwait(false);
            watch.Remove(this);
            await loop.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            disposed.Dispose();
            wake.Dispose();
        }

        private async Task RunAsync()
        {
            var token = disposed.Token;
            try
            {
                while (true)
                {
                    await wake.WaitAsync(token).ConfigureAwait(false);
                    var target = watch.Known;
                    if (target <= seen)
                    {
                        continue;
                    }

                    try
                    {
                        var notification = await watch.BuildAsync(seen, target, token).ConfigureAwait(false);
                        seen = notification.ModSeq;
                        await handler(notification, token).ConfigureAwait(false);
                    }
                    catch (Exception ex) when (ex is not OperationCanceledException || !token.IsCancellationRequested)
                    {
                        watch.Failed(ex);
                    }
                }
            }
            catch (OperationCanceledException) when (token.IsCancellationRequested)
            {
            }
        }
    }
}
