using Mail.Host.Mail;

namespace Mail.Host.Engine.Mail;

/// <summary>
/// The deliveries waiting for one account's Inbox. Deliveries to one account cannot commit side by side (each
/// asserts the account head the one before it wrote), so rather than queueing on the account's lock and paying one
/// synced commit each, the deliveries that arrive while a commit runs are recorded together in the next one: a
/// background pass takes everything waiting (up to <see cref="MailEngineOptions.MaxMessagesPerCommit"/>), stages each
/// delivery in turn in one account transaction (quota checked message by message, UIDs in arrival order) and commits
/// once. Every caller learns its own outcome only after that commit is durable.
/// </summary>
internal sealed class AccountDeliveries(MailEngine engine, ulong accountId)
{
    private readonly Lock gate = new();
    private readonly Queue<Request> waiting = new();
    private bool running;

    /// <summary>Queues a delivery and returns its outcome once the commit that records it is durable.</summary>
    /// <param name="stored">The stored message.</param>
    /// <param name="internalDate">The internal date, in Unix milliseconds.</param>
    /// <param name="takeOverPending">Whether the new email may take the delivery's pending blob reference over.</param>
    /// <param name="cancellationToken">Cancels the delivery while it is still waiting; once in a commit it completes.</param>
    /// <returns>The outcome.</returns>
    public Task<DeliveryResult> EnqueueAsync(StoredMessage stored, long internalDate, bool takeOverPending, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var request = new Request(stored, internalDate, takeOverPending, cancellationToken);
        var start = false;
        lock (gate)
        {
            waiting.Enqueue(request);
            if (!running)
            {
                running = true;
                start = true;
            }
        }

        if (start)
        {
            _ = Task.Run(DrainAsync);
        }

        return request.Completion.Task;
    }

    private async Task DrainAsync()
    {
        var max = Math.Max(1, engine.Options.MaxMessagesPerCommit);
        while (true)
        {
            var batch = new List<Request>();
            lock (gate)
            {
                while (batch.Count < max && waiting.TryDequeue(out var request))
                {
                    if (request.CancellationToken.IsCancellationRequested)
                    {
                        request.Completion.TrySetCanceled(request.CancellationToken);
                        continue;
                    }

                    batch.Add(request);
                }

                if (batch.Count == 0)
                {
                    running = false;
                    return;
                }
            }

            await CommitAsync(batch).ConfigureAwait(false);
        }
    }

    private async Task CommitAsync(List<Request> batch)
    {
        var results = new DeliveryResult[batch.Count];
        AccountTransaction? last = null;
        try
        {
            await engine.WriteAsync(
                accountId,
                create: false,
                async t =>
                {
                    last = t;
                    var inbox = await t.GetMailboxAsync(t.Head.InboxId, CancellationToken.None).ConfigureAwait(false)
                        ?? await MailOperations.FindByRoleAsync(engine, t, MailboxRole.Inbox, CancellationToken.None).ConfigureAwait(false)
                        ?? await MailOperations.CreateMailboxAsync(engine, t, MailboxNames.Inbox, MailboxRole.Inbox, subscribed: true, CancellationToken.None).ConfigureAwait(false);
                    for (var i = 0; i < batch.Count; i++)
                    {
                        var request = batch[i];
                        if (MailOperations.ExceededQuota(t.Head, 1, request.Stored.Size) is { } exceeded)
                        {
                            results[i] = new DeliveryResult { AccountId = accountId, Status = DeliveryStatus.OverQuota, ExceededQuota = exceeded };
                            continue;
                        }

                        var email = await MailOperations.CreateEmailAsync(t, request.Stored, request.InternalDate, [], request.TakeOverPending, CancellationToken.None).ConfigureAwait(false);
                        var entry = MailOperations.AddToMailbox(t, inbox, email);
                        results[i] = new DeliveryResult { AccountId = accountId, Status = DeliveryStatus.Delivered, EmailId = email.Id, MailboxId = inbox.Id, Uid = entry.Uid };
                    }

                    return true;
                },
                CancellationToken.None,
                deferIndexing: true).ConfigureAwait(false);
        }
        catch (UnknownAccountException)
        {
            foreach (var request in batch)
            {
                request.Completion.TrySetResult(new DeliveryResult { AccountId = accountId, Status = DeliveryStatus.AccountUnknown });
            }

            return;
        }
        catch (Exception ex)
        {
            foreach (var request in batch)
            {
                request.Completion.TrySetException(ex);
            }

            return;
        }

        for (var i = 0; i < batch.Count; i++)
        {
            var request = batch[i];
            if (results[i].Status == DeliveryStatus.Delivered && last is not null && last.TookOver(request.Stored.PendingKey))
            {
                request.Stored.PendingTakenOver = true;
            }

            request.Completion.TrySetResult(results[i]);
        }
    }

    private sealed class Request(StoredMessage stored, long internalDate, bool takeOverPending, CancellationToken cancellationToken)
    {
        public StoredMessage Stored { get; } = stored;

        public long InternalDate { get; } = internalDate;

        public bool TakeOverPending { get; } = takeOverPending;

        public CancellationToken CancellationToken { get; } = cancellationToken;

        public TaskCompletionSource<DeliveryResult> Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
