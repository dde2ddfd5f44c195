using System.Collections.Concurrent;
using Mail.Host.Storage;

namespace Mail.Host.Engine.Mail;

/// <summary>
/// The <see cref="EmailView"/> of each recently queried account, up to <see cref="MailEngineOptions.QueryViewEmails"/>
/// emails in all (the least recently used views go first). A view is brought up to the account head before each use
/// from the change log, which every host process writes, so a view is never older than the head its query read.
/// </summary>
internal sealed class EmailViews(MailEngine engine)
{
    private readonly ConcurrentDictionary<ulong, EmailView> views = new();

    private IDataStore Data => engine.Data;

    /// <summary>The account's emails as of <paramref name="head"/> or later.</summary>
    public async ValueTask<EmailView.Snapshot> GetAsync(ulong accountId, AccountHead head, CancellationToken cancellationToken)
    {
        var view = views.GetOrAdd(accountId, static _ => new EmailView());
        view.LastUsed = Environment.TickCount64;
        if (view.Current is { } ready && ready.Covers(head))
        {
            return ready;
        }

        await view.Gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var snapshot = view.Current;
            if (snapshot is not null && snapshot.Covers(head))
            {
                return snapshot;
            }

            if (snapshot is not null && snapshot.CreatedAtMs == head.CreatedAtMs && snapshot.ModSeq < head.ModSeq && head.PurgedThrough <= snapshot.ModSeq
                && await ChangedEmailsAsync(accountId, snapshot, head.ModSeq, cancellationToken).ConfigureAwait(false) is { } changed)
            {
                var records = new List<(ulong, EmailRecord?)>(changed.Count);
                foreach (var id in changed)
                {
                    var value = await Data.GetAsync(MailKeys.Email, MailKeys.AccountItem(accountId, id), cancellationToken).ConfigureAwait(false);
                    records.Add((id, value is null ? null : EmailRecord.Decode(id, value)));
                }

                return view.Apply(records, head.ModSeq);
            }

            // First use, or the log no longer reaches back to the view: read every record. Records read here may be newer
            // than the head; their changes come after it in the log and are applied again on the next refresh.
            var all = new List<EmailRecord>(snapshot?.Sorted.Length ?? 0);
            await foreach (var entry in Data.ScanAsync(MailKeys.Email, KeyRange.Prefix(MailKeys.Account(accountId)), cancellationToken).ConfigureAwait(false))
            {
                all.Add(EmailRecord.Decode(MailKeys.SecondOf(entry.Key), entry.Value));
            }

            var built = view.Reset(all, head.ModSeq, head.CreatedAtMs);
            Evict(accountId);
            return built;
        }
        finally
        {
            view.Gate.Release();
        }
    }

    /// <summary>Forgets every view (tests; a process that changed records behind the change log's back).</summary>
    public void Clear() => views.Clear();

    /// <summary>
    /// The emails changed between the snapshot and <paramref name="modSeq"/>, or <see langword="null"/> when the log has
    /// a gap there (purged) or names so many emails that reading the account again is cheaper.
    /// </summary>
    private async ValueTask<HashSet<ulong>?> ChangedEmailsAsync(ulong accountId, EmailView.Snapshot snapshot, ulong modSeq, CancellationToken cancellationToken)
    {
        var changed = new HashSet<ulong>();
        var reached = snapshot.ModSeq;
        var range = new KeyRange(MailKeys.AccountItem(accountId, snapshot.ModSeq + 1), MailKeys.AccountItem(accountId, modSeq + 1));
        await foreach (var entry in Data.ScanAsync(MailKeys.Change, range, cancellationToken).ConfigureAwait(false))
        {
            var entryModSeq = MailKeys.SecondOf(entry.Key);
            if (entryModSeq != reached + 1)
            {
                return null;
            }

            foreach (var (kind, id) in ChangeEntry.Decode(entry.Value).Items)
            {
                if (ChangeMerge.TargetOf(kind) == ChangeTarget.Email)
                {
                    changed.Add(id);
                }
            }

            if (!EmailView.IsIncremental(changed.Count, snapshot.Sorted.Length))
            {
                return null;
            }

            reached = entryModSeq;
        }

        return reached == modSeq ? changed : null;
    }

    /// <summary>Drops the least recently used views until the rest hold no more emails than allowed; keeps the one in use.</summary>
    private void Evict(ulong keep)
    {
        var limit = engine.Options.QueryViewEmails;
        long total = 0;
        foreach (var view in views.Values)
        {
            total += view.Current?.Sorted.Length ?? 0;
        }

        if (total <= limit)
        {
            return;
        }

        foreach (var (accountId, view) in views.OrderBy(v => v.Value.LastUsed).ToList())
        {
            if (total <= limit)
            {
                break;
            }

            if (accountId != keep && views.TryRemove(accountId, out _))
            {
                total -= view.Current?.Sorted.Length ?? 0;
            }
        }
    }
}
