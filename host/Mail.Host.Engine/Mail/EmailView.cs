namespace Mail.Host.Engine.Mail;

/// <summary>
/// An in-memory copy of one account's email records ordered by received date, kept in step with the change log so
/// that a query can read a page of the newest emails without decoding every record. Readers take
/// <see cref="Current"/>, an immutable snapshot, without a lock; one refresher at a time (<see cref="Gate"/>) builds
/// the next snapshot. The view is only ever trusted up to <see cref="Snapshot.ModSeq"/>: a query first reads the
/// account head and brings the view up to it from the change log, so changes made by other host processes are seen.
/// </summary>
internal sealed class EmailView
{
    /// <summary>More changed emails than this (or an eighth of the account) are applied by reading every record again.</summary>
    private const int MaxIncrementalChanges = 1024;

    /// <summary>The received date of every email in the current snapshot, to find its place when it changes.</summary>
    private readonly Dictionary<ulong, long> dates = [];

    private Snapshot? current;

    /// <summary>Taken by the one caller that refreshes the view.</summary>
    public SemaphoreSlim Gate { get; } = new(1, 1);

    /// <summary>The latest snapshot, or <see langword="null"/> before the first build.</summary>
    public Snapshot? Current => Volatile.Read(ref current);

    /// <summary>When the view was last used (<see cref="Environment.TickCount64"/>), for eviction.</summary>
    public long LastUsed { get; set; }

    /// <summary>Orders records by received date, then by email id.</summary>
    public static int Compare(EmailRecord a, EmailRecord b)
    {
        var byDate = a.InternalDateMs.CompareTo(b.InternalDateMs);
        return byDate != 0 ? byDate : a.Id.CompareTo(b.Id);
    }

    /// <summary>Whether applying this many changed emails one by one is cheaper than reading the account again.</summary>
    public static bool IsIncremental(int changed, int count) => changed <= Math.Max(MaxIncrementalChanges, count / 8);

    /// <summary>Replaces the view with every record of the account as of <paramref name="modSeq"/>; only under <see cref="Gate"/>.</summary>
    public Snapshot Reset(List<EmailRecord> records, ulong modSeq, long createdAtMs)
    {
        records.Sort(Compare);
        dates.Clear();
        foreach (var record in records)
        {
            dates[record.Id] = record.InternalDateMs;
        }

        var next = new Snapshot(modSeq, createdAtMs, [.. records]);
        Volatile.Write(ref current, next);
        return next;
    }

    /// <summary>
    /// Applies the current records of changed emails (<see langword="null"/> for one that is gone) and moves the view to
    /// <paramref name="modSeq"/>; only under <see cref="Gate"/>, after a first <see cref="Reset"/>.
    /// </summary>
    public Snapshot Apply(IReadOnlyList<(ulong Id, EmailRecord? Record)> changes, ulong modSeq)
    {
        var before = current ?? throw new InvalidOperationException("The view was never built.");
        var sorted = new List<EmailRecord>(before.Sorted.Length + changes.Count);
        sorted.AddRange(before.Sorted);
        foreach (var (id, record) in changes)
        {
            if (dates.Remove(id, out var date))
            {
                var index = sorted.BinarySearch(Probe(date, id), Comparer);
                if (index >= 0)
                {
                    sorted.RemoveAt(index);
                }
            }

            if (record is not null)
            {
                var index = sorted.BinarySearch(record, Comparer);
                sorted.Insert(index >= 0 ? index : ~index, record);
                dates[id] = record.InternalDateMs;
            }
        }

        var next = new Snapshot(modSeq, before.CreatedAtMs, [.. sorted]);
        Volatile.Write(ref current, next);
        return next;
    }

    private static readonly Comparer<EmailRecord> Comparer = Comparer<EmailRecord>.Create(Compare);

    private static EmailRecord Probe(long date, ulong id)
        => new() { Id = id, ThreadId = 0, Blob = default, Size = 0, InternalDateMs = date, Keywords = [], Mailboxes = [] };

    /// <summary>The account's emails as of one mod-sequence, ascending by received date then id. Never changed.</summary>
    public sealed class Snapshot(ulong modSeq, long createdAtMs, EmailRecord[] sorted)
    {
        /// <summary>The change-log position the snapshot reflects (at least: a record may be newer).</summary>
        public ulong ModSeq { get; } = modSeq;

        /// <summary>When the account was created, so that an account made again under the same id is not taken for the old one.</summary>
        public long CreatedAtMs { get; } = createdAtMs;

        /// <summary>Whether the snapshot can answer for an account whose head is <paramref name="head"/>.</summary>
        public bool Covers(AccountHead head) => ModSeq >= head.ModSeq && CreatedAtMs == head.CreatedAtMs;

        /// <summary>Every email, ascending by received date then id; the records are shared and must not be changed.</summary>
        public EmailRecord[] Sorted { get; } = sorted;

        /// <summary>
        /// The emails in received-date order, ascending or descending; emails received at the same instant keep
        /// ascending id order either way, as a sort's tie-break does.
        /// </summary>
        public IEnumerable<EmailRecord> InOrder(bool descending)
        {
            var records = Sorted;
            if (!descending)
            {
                foreach (var record in records)
                {
                    yield return record;
                }

                yield break;
            }

            var i = records.Length - 1;
            while (i >= 0)
            {
                var first = i;
                while (first > 0 && records[first - 1].InternalDateMs == records[i].InternalDateMs)
                {
                    first--;
                }

                for (var j = first; j <= i; j++)
                {
                    yield return records[j];
                }

                i = first - 1;
            }
        }
    }
}
