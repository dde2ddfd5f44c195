using Mail.Host.Mail;
using Mail.Host.Storage;

namespace Mail.Host.Engine.Mail;

/// <summary>
/// Keeps the full-text index in step with the emails. An email is committed together with a pending marker
/// (<see cref="MailKeys.FullTextPending"/>), indexed after the commit, and the marker is then deleted with an
/// assertion that it is still the index marker. Destroying an email replaces the marker with
/// <see cref="RemoveMarker"/> in the same batch; its document is removed after the commit. A process that stops in
/// between leaves a marker that <see cref="CatchUpAsync"/> finishes, so no email stays unindexed and no destroyed
/// email stays searchable for longer than one catch-up pass.
/// </summary>
/// <remarks>
/// Deliveries do not wait for the index: <see cref="ScheduleAsync"/> queues their emails per account and a background
/// pass per account indexes them, several documents at a time, and deletes their markers in one commit. A text
/// search first calls <see cref="WaitForAccountAsync"/>, which returns once everything this process queued for the
/// account before the call is indexed, so a search still finds every message reported delivered. The queue of one
/// account is bounded: a delivery that would grow it past <see cref="MaxBacklog"/> waits for the pass to catch up.
/// </remarks>
internal sealed class MailIndexer(MailEngine engine, IFullTextStore store)
{
    /// <summary>The most emails of one account waiting to be indexed before deliveries wait for the index.</summary>
    public const int MaxBacklog = 2000;

    /// <summary>The most emails one background pass takes at a time.</summary>
    private const int MaxPass = 128;

    /// <summary>The most documents of one pass written to the index at the same time.</summary>
    private const int MaxParallelDocuments = 16;

    private readonly System.Collections.Concurrent.ConcurrentDictionary<ulong, Backlog> backlogs = new();

    /// <summary>The marker of an email still to be indexed.</summary>
    public static ReadOnlySpan<byte> IndexMarker => [1];

    /// <summary>The marker of a destroyed email still to be removed from the index.</summary>
    public static ReadOnlySpan<byte> RemoveMarker => [2];

    public IFullTextStore Store { get; } = store;

    private IDataStore Data => engine.Data;

    /// <summary>The document of one email: its addresses and group names, subject, body text and attachment names as fields.</summary>
    public static FullTextDocument Document(ulong accountId, ulong emailId, MessageMetadata metadata, string? bodyText)
    {
        var fields = new List<FullTextField>();
        var envelope = metadata.Envelope;
        AddAddresses(fields, FullTextFieldNames.From, envelope.From);
        AddAddresses(fields, FullTextFieldNames.To, envelope.To);
        AddAddresses(fields, FullTextFieldNames.Cc, envelope.Cc);
        AddAddresses(fields, FullTextFieldNames.Bcc, envelope.Bcc);

        // A group's name (To: team: a@x, b@y;) is part of its field's text, which IMAP's TO and friends search.
        foreach (var group in envelope.Groups)
        {
            if (!string.IsNullOrWhiteSpace(group.Name) && group.Field is FullTextFieldNames.From or FullTextFieldNames.To or FullTextFieldNames.Cc or FullTextFieldNames.Bcc)
            {
                fields.Add(new FullTextField(group.Field, group.Name));
            }
        }

        if (!string.IsNullOrEmpty(envelope.Subject))
        {
            fields.Add(new FullTextField(FullTextFieldNames.Subject, envelope.Subject));
        }

        if (!string.IsNullOrEmpty(bodyText))
        {
            fields.Add(new FullTextField(FullTextFieldNames.Body, bodyText));
        }

        var stack = new Stack<MessagePart>();
        stack.Push(metadata.Body);
        while (stack.Count > 0)
        {
            var part = stack.Pop();
            if (!string.IsNullOrEmpty(part.FileName))
            {
                fields.Add(new FullTextField(FullTextFieldNames.Attachment, part.FileName));
            }

            for (var i = part.Children.Count - 1; i >= 0; i--)
            {
                stack.Push(part.Children[i]);
            }
        }

        return new FullTextDocument(accountId, emailId, fields);
    }

    /// <summary>
    /// Indexes the emails a committed change created and removes those it destroyed. A failure leaves the marker,
    /// for the catch-up pass: the change itself is durable and is not reported as failed.
    /// </summary>
    public async ValueTask AfterCommitAsync(ulong accountId, AccountTransaction committed)
    {
        foreach (var emailId in committed.DestroyedEmails)
        {
            await TryAsync(() => RemoveAsync(accountId, emailId, CancellationToken.None)).ConfigureAwait(false);
        }

        foreach (var (email, source) in committed.CreatedEmails)
        {
            await TryAsync(() => IndexAsync(accountId, email, source, CancellationToken.None)).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Queues the emails a committed delivery created (and any it destroyed) for the account's background indexing
    /// pass, waiting first while the account's queue is full.
    /// </summary>
    public async ValueTask ScheduleAsync(ulong accountId, AccountTransaction committed)
    {
        var backlog = backlogs.GetOrAdd(accountId, static _ => new Backlog());
        long mine;
        var start = false;
        lock (backlog.Gate)
        {
            foreach (var emailId in committed.DestroyedEmails)
            {
                backlog.Waiting.Enqueue(new Work(emailId, null, null));
            }

            foreach (var (email, source) in committed.CreatedEmails)
            {
                backlog.Waiting.Enqueue(new Work(email.Id, email, source));
            }

            backlog.Scheduled += committed.DestroyedEmails.Count + committed.CreatedEmails.Count;
            mine = backlog.Scheduled;
            if (!backlog.Running)
            {
                backlog.Running = true;
                start = true;
            }
        }

        if (start)
        {
            _ = Task.Run(() => DrainAsync(accountId, backlog));
        }

        if (mine - Volatile.Read(ref backlog.Completed) > MaxBacklog)
        {
            await backlog.WaitAsync(mine - MaxBacklog, CancellationToken.None).ConfigureAwait(false);
        }
    }

    /// <summary>Returns once every email this process queued for the account before the call is indexed.</summary>
    public Task WaitForAccountAsync(ulong accountId, CancellationToken cancellationToken)
    {
        if (!backlogs.TryGetValue(accountId, out var backlog))
        {
            return Task.CompletedTask;
        }

        long target;
        lock (backlog.Gate)
        {
            target = backlog.Scheduled;
        }

        return backlog.WaitAsync(target, cancellationToken);
    }

    /// <summary>Finishes every pending marker of every account.</summary>
    /// <returns>The number of markers finished.</returns>
    public async ValueTask<int> CatchUpAsync(CancellationToken cancellationToken)
    {
        var pending = new List<(byte[] Key, bool Remove)>();
        await foreach (var entry in Data.ScanAsync(MailKeys.FullTextPending, KeyRange.All(), cancellationToken).ConfigureAwait(false))
        {
            pending.Add((entry.Key, entry.Value.AsSpan().SequenceEqual(RemoveMarker)));
        }

        var done = 0;
        foreach (var (key, remove) in pending)
        {
            var accountId = MailKeys.FirstOf(key);
            var emailId = MailKeys.SecondOf(key);
            if (remove)
            {
                await RemoveAsync(accountId, emailId, cancellationToken).ConfigureAwait(false);
                done++;
                continue;
            }

            var value = await Data.GetAsync(MailKeys.Email, key, cancellationToken).ConfigureAwait(false);
            if (value is null)
            {
                // Destroyed by a process that did not index text: nothing is left to index, only to clean.
                await Store.RemoveAsync(accountId, emailId, cancellationToken).ConfigureAwait(false);
                await DeleteMarkerAsync(key, IndexMarker, cancellationToken).ConfigureAwait(false);
            }
            else
            {
                await IndexAsync(accountId, EmailRecord.Decode(emailId, value), null, cancellationToken).ConfigureAwait(false);
            }

            done++;
        }

        return done;
    }

    private async Task DrainAsync(ulong accountId, Backlog backlog)
    {
        var pass = new List<Work>(MaxPass);
        while (true)
        {
            pass.Clear();
            lock (backlog.Gate)
            {
                while (pass.Count < MaxPass && backlog.Waiting.TryDequeue(out var work))
                {
                    pass.Add(work);
                }

                if (pass.Count == 0)
                {
                    backlog.Running = false;
                    return;
                }
            }

            await TryAsync(() => IndexPassAsync(accountId, pass)).ConfigureAwait(false);
            backlog.Complete(pass.Count);
        }
    }

    /// <summary>
    /// Writes the documents of one pass, several at a time, then deletes their markers in one commit; a marker that
    /// changed meanwhile (the email was destroyed) is settled on its own. What fails keeps its marker for the catch-up pass.
    /// </summary>
    private async ValueTask IndexPassAsync(ulong accountId, List<Work> pass)
    {
        var written = new bool[pass.Count];
        using (var gate = new SemaphoreSlim(MaxParallelDocuments))
        {
            var tasks = new Task[pass.Count];
            for (var i = 0; i < pass.Count; i++)
            {
                var at = i;
                tasks[i] = Task.Run(async () =>
                {
                    await gate.WaitAsync().ConfigureAwait(false);
                    try
                    {
                        var work = pass[at];
                        if (work.Email is null)
                        {
                            await RemoveAsync(accountId, work.EmailId, CancellationToken.None).ConfigureAwait(false);
                        }
                        else
                        {
                            await WriteDocumentAsync(accountId, work.Email, work.Source, CancellationToken.None).ConfigureAwait(false);
                            written[at] = true;
                        }
                    }
#pragma warning disable CA1031 // The marker stays; the catch-up pass (at start and by garbage collection) does the work again.
                    catch (Exception)
#pragma warning restore CA1031
                    {
                    }
                    finally
                    {
                        gate.Release();
                    }
                });
            }

            await Task.WhenAll(tasks).ConfigureAwait(false);
        }

        var batch = new WriteBatch();
        for (var i = 0; i < pass.Count; i++)
        {
            if (written[i])
            {
                var key = MailKeys.AccountItem(accountId, pass[i].EmailId);
                batch.AssertValue(MailKeys.FullTextPending, key, IndexMarker).Delete(MailKeys.FullTextPending, key);
            }
        }

        if (batch.Count == 0 || await CommitAsync(batch, CancellationToken.None).ConfigureAwait(false))
        {
            return;
        }

        for (var i = 0; i < pass.Count; i++)
        {
            if (written[i])
            {
                await TryAsync(() => SettleMarkerAsync(accountId, pass[i].EmailId, CancellationToken.None)).ConfigureAwait(false);
            }
        }
    }

    private async ValueTask IndexAsync(ulong accountId, EmailRecord email, StoredMessage? source, CancellationToken cancellationToken)
    {
        await WriteDocumentAsync(accountId, email, source, cancellationToken).ConfigureAwait(false);
        await SettleMarkerAsync(accountId, email.Id, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Deletes the index marker of an email just indexed; when the email was destroyed meanwhile, removes its document again.</summary>
    private async ValueTask SettleMarkerAsync(ulong accountId, ulong emailId, CancellationToken cancellationToken)
    {
        var key = MailKeys.AccountItem(accountId, emailId);
        if (!await DeleteMarkerAsync(key, IndexMarker, cancellationToken).ConfigureAwait(false)
            && await Data.GetAsync(MailKeys.Email, key, cancellationToken).ConfigureAwait(false) is null)
        {
            // Destroyed while being indexed; its removal may have run before the write above, so it is done again.
            await Store.RemoveAsync(accountId, emailId, cancellationToken).ConfigureAwait(false);
        }
    }

    private async ValueTask WriteDocumentAsync(ulong accountId, EmailRecord email, StoredMessage? source, CancellationToken cancellationToken)
    {
        MessageMetadata metadata;
        string? text;
        if (source?.BodyText is { } extracted)
        {
            metadata = source.Metadata;
            text = extracted;
        }
        else
        {
            // A copy made as a new email, or a pass after a crash: the text was not kept, so the message is read again.
            (metadata, text) = await engine.ParseForIndexAsync(email.Blob, email.Size, cancellationToken).ConfigureAwait(false);
        }

        await Store.IndexAsync(Document(accountId, email.Id, metadata, text), cancellationToken).ConfigureAwait(false);
    }

    private async ValueTask RemoveAsync(ulong accountId, ulong emailId, CancellationToken cancellationToken)
    {
        await Store.RemoveAsync(accountId, emailId, cancellationToken).ConfigureAwait(false);
        await DeleteMarkerAsync(MailKeys.AccountItem(accountId, emailId), RemoveMarker, cancellationToken).ConfigureAwait(false);
    }

    private ValueTask<bool> DeleteMarkerAsync(byte[] key, ReadOnlySpan<byte> expected, CancellationToken cancellationToken)
    {
        var batch = new WriteBatch()
            .AssertValue(MailKeys.FullTextPending, key, expected)
            .Delete(MailKeys.FullTextPending, key);
        return CommitAsync(batch, cancellationToken);
    }

    private async ValueTask<bool> CommitAsync(WriteBatch batch, CancellationToken cancellationToken)
        => await Data.CommitAsync(batch, cancellationToken).ConfigureAwait(false) == CommitResult.Committed;

    private static void AddAddresses(List<FullTextField> fields, string name, IReadOnlyList<EmailAddress> addresses)
    {
        foreach (var address in addresses)
        {
            var text = string.IsNullOrEmpty(address.Name) ? address.Address : $"{address.Name} {address.Address}";
            if (!string.IsNullOrWhiteSpace(text))
            {
                fields.Add(new FullTextField(name, text));
            }
        }
    }

    private static async ValueTask TryAsync(Func<ValueTask> action)
    {
        try
        {
            await action().ConfigureAwait(false);
        }
#pragma warning disable CA1031 // The email is committed; the marker left behind makes the catch-up pass do this again.
        catch (Exception)
#pragma warning restore CA1031
        {
        }
    }

    /// <summary>An email to index (<see cref="Email"/> set) or to remove from the index.</summary>
    private sealed record Work(ulong EmailId, EmailRecord? Email, StoredMessage? Source);

    /// <summary>One account's queue of emails to index, and who waits for how far it has got.</summary>
    private sealed class Backlog
    {
        public readonly Lock Gate = new();
        public readonly Queue<Work> Waiting = new();
        public readonly List<(long Target, TaskCompletionSource Done)> Waiters = [];
        public long Scheduled;
        public long Completed;
        public bool Running;

        /// <summary>Completes once the first <paramref name="target"/> emails ever queued are done.</summary>
        public Task WaitAsync(long target, CancellationToken cancellationToken)
        {
            TaskCompletionSource done;
            lock (Gate)
            {
                if (Completed >= target)
                {
                    return Task.CompletedTask;
                }

                done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                Waiters.Add((target, done));
            }

            return cancellationToken.CanBeCanceled ? done.Task.WaitAsync(cancellationToken) : done.Task;
        }

        /// <summary>Records that a pass finished <paramref name="count"/> emails and releases whoever waited for them.</summary>
        public void Complete(int count)
        {
            List<TaskCompletionSource>? released = null;
            lock (Gate)
            {
                Completed += count;
                for (var i = Waiters.Count - 1; i >= 0; i--)
                {
                    if (Waiters[i].Target <= Completed)
                    {
                        (released ??= []).Add(Waiters[i].Done);
                        Waiters.RemoveAt(i);
                    }
                }
            }

            released?.ForEach(d => d.TrySetResult());
        }
    }
}
