using System.Text;
using Mail.Host.Mail;
using Mail.Host.Storage;

namespace Mail.Host.Engine.Mail;

/// <summary>
/// One search of one account: evaluates a <see cref="MailFilter"/> over the candidates (a mailbox's listing, or
/// every email of the account), then sorts what is left. Conditions are checked cheapest first: the listing's own
/// fields, then email records, then the full-text index (one query per text condition, whatever the number of
/// candidates), then stored metadata, and last the header blocks read from the blobs; each only for the candidates
/// still in the running. Every record read is cached for the search.
/// </summary>
internal sealed partial class MailSearch
{
    /// <summary>The longest header block read for a header condition; a header past it is not found.</summary>
    private const int MaxHeaderBytes = 256 * 1024;

    private readonly MailEngine engine;
    private readonly ulong accountId;
    private readonly bool inMailbox;
    private readonly CancellationToken cancellationToken;
    private readonly Dictionary<BlobHash, MessageMetadata> metadata = [];
    private readonly Dictionary<MailFilter.Text, HashSet<ulong>> textMatches = [];
    private readonly Dictionary<ulong, List<EmailRecord>> threads = [];
    private readonly Dictionary<ulong, EmailRecord?> emails = [];
    private readonly Dictionary<MailFilter.EmailIds, HashSet<ulong>> idSets = new(ReferenceEqualityComparer.Instance);

    private MailSearch(MailEngine engine, ulong accountId, bool inMailbox, CancellationToken cancellationToken)
    {
        this.engine = engine;
        this.accountId = accountId;
        this.inMailbox = inMailbox;
        this.cancellationToken = cancellationToken;
    }

    private IDataStore Data => engine.Data;

    /// <summary>Searches the messages of one mailbox; returns UIDs.</summary>
    public static async ValueTask<IReadOnlyList<uint>> SearchMailboxAsync(MailEngine engine, ulong accountId, ulong mailboxId, MailFilter? filter, IReadOnlyList<MailSort>? sort, CancellationToken cancellationToken)
    {
        var search = new MailSearch(engine, accountId, inMailbox: true, cancellationToken);
        search.Validate(filter, sort);
        var candidates = await search.ListMailboxAsync(mailboxId).ConfigureAwait(false);
        var matched = filter is null ? candidates : await search.FilterAsync(filter, candidates).ConfigureAwait(false);
        await search.SortAsync(matched, sort).ConfigureAwait(false);
        return matched.Select(c => c.Uid).ToArray();
    }

    /// <summary>Searches every email of the account; returns email ids.</summary>
    public static async ValueTask<IReadOnlyList<ulong>> QueryEmailsAsync(MailEngine engine, ulong accountId, MailFilter? filter, IReadOnlyList<MailSort>? sort, bool collapseThreads, CancellationToken cancellationToken)
    {
        var search = new MailSearch(engine, accountId, inMailbox: false, cancellationToken);
        search.Validate(filter, sort);

        // A query within one mailbox (the usual JMAP mailbox view) starts from that mailbox's listing, not the account.
        var candidates = ScopeOf(filter) is { } mailboxId
            ? await search.ListMailboxAsync(mailboxId).ConfigureAwait(false)
            : await search.ListEmailsAsync().ConfigureAwait(false);
        var matched = filter is null ? candidates : await search.FilterAsync(filter, candidates).ConfigureAwait(false);
        await search.SortAsync(matched, sort).ConfigureAwait(false);
        if (collapseThreads)
        {
            var seen = new HashSet<ulong>();
            var kept = new List<Candidate>(matched.Count);
            foreach (var candidate in matched)
            {
                if (await search.EmailOfAsync(candidate).ConfigureAwait(false) is { } email && seen.Add(email.ThreadId))
                {
                    kept.Add(candidate);
                }
            }

            matched = kept;
        }

        return matched.Select(c => c.EmailId).ToArray();
    }

    /// <summary>
    /// One page of a search of every email of the account. With the account's <see cref="EmailView"/>, a sort by
    /// received date and a filter on what the records hold (mailboxes, keywords, dates, sizes, ids) and text, the page
    /// is read in received-date order and the search stops once it is full: text conditions are put to the full-text
    /// index for the few emails in hand at a time. A total, an anchor or a position from the end reads every match,
    /// still from the view. Any other query runs over the view's records as a full search and is cut to the page.
    /// </summary>
    public static async ValueTask<EmailQueryResult> QueryPageAsync(MailEngine engine, ulong accountId, AccountHead head, EmailQuery query, CancellationToken cancellationToken)
    {
        var search = new MailSearch(engine, accountId, inMailbox: false, cancellationToken);
        search.Validate(query.Filter, query.Sort);
        if (engine.Views is null)
        {
            var ids = await QueryEmailsAsync(engine, accountId, query.Filter, query.Sort, query.CollapseThreads, cancellationToken).ConfigureAwait(false);
            return query.PageOf(ids);
        }

        var snapshot = await engine.Views.GetAsync(accountId, head, cancellationToken).ConfigureAwait(false);
        if (query.Sort is { Count: 1 } sort && sort[0].Key == MailSortKey.ReceivedAt && (query.Filter is null || IsRecordFilter(query.Filter)))
        {
            return await search.WalkAsync(snapshot, query, sort[0].Descending).ConfigureAwait(false);
        }

        var scope = ScopeOf(query.Filter);
        var candidates = new List<Candidate>(snapshot.Sorted.Length);
        foreach (var email in snapshot.Sorted)
        {
            if (scope is null || email.IndexOf(scope.Value) >= 0)
            {
                candidates.Add(new Candidate(email.Id, 0, 0, email.InternalDateMs, email.Size, email.Keywords, null) { Email = email });
            }
        }

        var matched = query.Filter is null ? candidates : await search.FilterAsync(query.Filter, candidates).ConfigureAwait(false);
        await search.SortAsync(matched, query.Sort).ConfigureAwait(false);
        var result = new List<ulong>(matched.Count);
        var threads = query.CollapseThreads ? new HashSet<ulong>() : null;
        foreach (var candidate in matched)
        {
            if (threads is null || threads.Add(candidate.Email!.ThreadId))
            {
                result.Add(candidate.EmailId);
            }
        }

        return query.PageOf(result);
    }

    /// <summary>Whether a filter only asks what an email record and the full-text index answer.</summary>
    private static bool IsRecordFilter(MailFilter filter) => filter switch
    {
        MailFilter.And and => and.Operands.All(IsRecordFilter),
        MailFilter.Or or => or.Operands.All(IsRecordFilter),
        MailFilter.Not not => IsRecordFilter(not.Operand),
        MailFilter.InMailbox or MailFilter.InMailboxOtherThan or MailFilter.EmailIds or MailFilter.Size or MailFilter.Received
            or MailFilter.HasKeyword or MailFilter.Text => true,
        _ => false,
    };

    /// <summary>The text conditions of a filter, each once.</summary>
    private static void CollectText(MailFilter filter, HashSet<MailFilter.Text> texts)
    {
        switch (filter)
        {
            case MailFilter.And and:
                foreach (var operand in and.Operands)
                {
                    CollectText(operand, texts);
                }

                break;
            case MailFilter.Or or:
                foreach (var operand in or.Operands)
                {
                    CollectText(operand, texts);
                }

                break;
            case MailFilter.Not not:
                CollectText(not.Operand, texts);
                break;
            case MailFilter.Text text:
                texts.Add(text);
                break;
        }
    }

    /// <summary>
    /// Whether a record passes what can be told without the full-text index: the operands of a top-level And that
    /// have no text condition. The rest of the filter is checked once the text conditions are answered.
    /// </summary>
    private bool PassesWithoutText(MailFilter filter, EmailRecord email, Dictionary<MailFilter.Text, HashSet<ulong>> texts)
    {
        if (filter is MailFilter.And and)
        {
            foreach (var operand in and.Operands)
            {
                if (!HasText(operand) && !RecordMatches(operand, email, texts))
                {
                    return false;
                }
            }

            return true;
        }

        return HasText(filter) || RecordMatches(filter, email, texts);
    }

    private static bool HasText(MailFilter filter) => filter switch
    {
        MailFilter.Text => true,
        MailFilter.And and => and.Operands.Any(HasText),
        MailFilter.Or or => or.Operands.Any(HasText),
        MailFilter.Not not => HasText(not.Operand),
        _ => false,
    };

    /// <summary>Evaluates a record filter (see <see cref="IsRecordFilter"/>) on one email, with the text conditions answered.</summary>
    private bool RecordMatches(MailFilter filter, EmailRecord email, Dictionary<MailFilter.Text, HashSet<ulong>> texts)
    {
        switch (filter)
        {
            case MailFilter.And and:
                foreach (var operand in and.Operands)
                {
                    if (!RecordMatches(operand, email, texts))
                    {
                        return false;
                    }
                }

                return true;
            case MailFilter.Or or:
                foreach (var operand in or.Operands)
                {
                    if (RecordMatches(operand, email, texts))
                    {
                        return true;
                    }
                }

                return false;
            case MailFilter.Not not:
                return !RecordMatches(not.Operand, email, texts);
            case MailFilter.InMailbox inMailbox:
                return email.IndexOf(inMailbox.MailboxId) >= 0;
            case MailFilter.InMailboxOtherThan other:
                return email.Mailboxes.Any(m => !other.MailboxIds.Contains(m.MailboxId));
            case MailFilter.EmailIds ids:
                if (!idSets.TryGetValue(ids, out var set))
                {
                    set = ids.Ids.ToHashSet();
                    idSets[ids] = set;
                }

                return set.Contains(email.Id);
            case MailFilter.Size size:
                return (size.Minimum is null || email.Size >= size.Minimum) && (size.Below is null || email.Size < size.Below);
            case MailFilter.Received received:
                return InRange(email.InternalDateMs, received.Since, received.Before);
            case MailFilter.HasKeyword keyword:
                return HasKeyword(email.Keywords, keyword.Keyword);
            case MailFilter.Text text:
                return texts.TryGetValue(text, out var matches) && matches.Contains(email.Id);
            default:
                throw new ArgumentException($"{filter.GetType().Name} is not answered from email records.", nameof(filter));
        }
    }

    /// <summary>Reads the view in received-date order, keeping the matches, until the page is known.</summary>
    private async ValueTask<EmailQueryResult> WalkAsync(EmailView.Snapshot snapshot, EmailQuery query, bool descending)
    {
        var filter = query.Filter;
        var texts = new HashSet<MailFilter.Text>();
        if (filter is not null)
        {
            CollectText(filter, texts);
        }

        var threads = query.CollapseThreads ? new HashSet<ulong>() : null;
        var answered = new Dictionary<MailFilter.Text, HashSet<ulong>>();
        var everything = query.CalculateTotal || query.Anchor is not null || query.Position < 0 || query.Limit is null || texts.Count == 0;
        if (everything)
        {
            // Every match is needed (or none costs more than a look at the record): text conditions are answered once
            // for the whole account.
            foreach (var text in texts)
            {
                answered[text] = await TextMatchesAsync(text).ConfigureAwait(false);
            }

            var wanted = query.Anchor is null && query.Position >= 0 && query.Limit is { } cap && !query.CalculateTotal ? query.Position + cap : long.MaxValue;
            var all = new List<ulong>();
            foreach (var email in snapshot.InOrder(descending))
            {
                if ((filter is null || RecordMatches(filter, email, answered)) && (threads is null || threads.Add(email.ThreadId)))
                {
                    all.Add(email.Id);
                    if (all.Count >= wanted)
                    {
                        break;
                    }
                }
            }

            var page = query.PageOf(all);
            return query.CalculateTotal ? page : page with { Total = null };
        }

        // A page without a total: the emails are taken in order a batch at a time, the text conditions answered by the
        // full-text index for that batch only, until the page is full.
        var indexer = engine.Indexer!;
        await indexer.WaitForAccountAsync(accountId, cancellationToken).ConfigureAwait(false);
        var needed = query.Position + query.Limit!.Value;
        var found = new List<ulong>();
        var batchSize = 64;
        var batch = new List<EmailRecord>(batchSize);
        using var order = snapshot.InOrder(descending).GetEnumerator();
        var more = true;
        while (more && found.Count < needed)
        {
            batch.Clear();
            while (batch.Count < batchSize && (more = order.MoveNext()))
            {
                if (PassesWithoutText(filter!, order.Current, answered))
                {
                    batch.Add(order.Current);
                }
            }

            if (batch.Count == 0)
            {
                break;
            }

            var ids = batch.Select(e => e.Id).Order().ToArray();
            foreach (var text in texts)
            {
                var matches = await indexer.Store.QueryAsync(accountId, MatchOf(text), ids, cancellationToken).ConfigureAwait(false);
                answered[text] = matches.ToHashSet();
            }

            foreach (var email in batch)
            {
                if (RecordMatches(filter!, email, answered) && (threads is null || threads.Add(email.ThreadId)))
                {
                    found.Add(email.Id);
                    if (found.Count >= needed)
                    {
                        break;
                    }
                }
            }

            batchSize = Math.Min(batchSize * 4, 16384);
        }

        return query.PageOf(found);
    }

    /// <summary>The emails of a thread, oldest first.</summary>
    public static async ValueTask<IReadOnlyList<ulong>> GetThreadAsync(MailEngine engine, ulong accountId, ulong threadId, CancellationToken cancellationToken)
    {
        var search = new MailSearch(engine, accountId, inMailbox: false, cancellationToken);
        var members = await search.ThreadMembersAsync(threadId).ConfigureAwait(false);
        return members.OrderBy(e => e.InternalDateMs).ThenBy(e => e.Id).Select(e => e.Id).ToArray();
    }

    /// <summary>The mailbox every match must be in, when the filter says so at its top level.</summary>
    private static ulong? ScopeOf(MailFilter? filter) => filter switch
    {
        MailFilter.InMailbox inMailbox => inMailbox.MailboxId,
        MailFilter.And and => and.Operands.Select(ScopeOf).FirstOrDefault(m => m is not null),
        _ => null,
    };

    /// <summary>The relative cost of a condition, for ordering the operands of an And.</summary>
    private static int CostOf(MailFilter filter) => filter switch
    {
        MailFilter.Uids or MailFilter.ModSeqAtLeast or MailFilter.EmailIds or MailFilter.Size or MailFilter.Received or MailFilter.HasKeyword => 0,
        MailFilter.InMailbox or MailFilter.InMailboxOtherThan => 1,
        MailFilter.Text => 2,
        MailFilter.AllInThreadHaveKeyword or MailFilter.SomeInThreadHaveKeyword or MailFilter.NoneInThreadHaveKeyword => 3,
        MailFilter.Sent or MailFilter.SentDay or MailFilter.HasAttachment => 4,
        MailFilter.Header or MailFilter.Substring => 5,
        MailFilter.And and => and.Operands.Count == 0 ? 0 : and.Operands.Max(CostOf),
        MailFilter.Or or => or.Operands.Count == 0 ? 0 : or.Operands.Max(CostOf),
        MailFilter.Not not => CostOf(not.Operand),
        _ => 6,
    };

    private static bool HasKeyword(string[] keywords, string keyword)
        => Array.BinarySearch(keywords, keyword.ToLowerInvariant(), StringComparer.Ordinal) >= 0;

    private static bool InRange(long value, DateTimeOffset? since, DateTimeOffset? before)
        => (since is null || value >= since.Value.ToUnixTimeMilliseconds()) && (before is null || value < before.Value.ToUnixTimeMilliseconds());

    /// <summary>Refuses what this search cannot answer before anything is read.</summary>
    private void Validate(MailFilter? filter, IReadOnlyList<MailSort>? sort)
    {
        if (sort is not null)
        {
            foreach (var criterion in sort)
            {
                ArgumentNullException.ThrowIfNull(criterion, nameof(sort));
                if (criterion.Key == MailSortKey.HasKeyword && string.IsNullOrEmpty(criterion.Keyword))
                {
                    throw new ArgumentException("A hasKeyword sort needs a keyword.", nameof(sort));
                }
            }
        }

        if (filter is null)
        {
            return;
        }

        var stack = new Stack<MailFilter>();
        stack.Push(filter);
        while (stack.Count > 0)
        {
            switch (stack.Pop())
            {
                case null:
                    throw new ArgumentNullException(nameof(filter), "A filter operand is null.");
                case MailFilter.And and:
                    ArgumentNullException.ThrowIfNull(and.Operands, nameof(filter));
                    foreach (var operand in and.Operands)
                    {
                        stack.Push(operand);
                    }

                    break;
                case MailFilter.Or or:
                    ArgumentNullException.ThrowIfNull(or.Operands, nameof(filter));
                    foreach (var operand in or.Operands)
                    {
                        stack.Push(operand);
                    }

                    break;
                case MailFilter.Not not:
                    stack.Push(not.Operand);
                    break;
                case MailFilter.Text text:
                    ArgumentNullException.ThrowIfNull(text.Value, nameof(filter));
                    if (engine.Indexer is null)
                    {
                        throw new MailException(MailErrorCode.UnsupportedFilter, "Text search needs a full-text index, and this server has none.");
                    }

                    break;
                case MailFilter.Uids or MailFilter.ModSeqAtLeast when !inMailbox:
                    throw new MailException(MailErrorCode.UnsupportedFilter, "UID and mod-sequence conditions apply only to a search within one mailbox.");
                case MailFilter.Uids uids:
                    ArgumentNullException.ThrowIfNull(uids.Ranges, nameof(filter));
                    break;
                case MailFilter.EmailIds ids:
                    ArgumentNullException.ThrowIfNull(ids.Ids, nameof(filter));
                    break;
                case MailFilter.InMailboxOtherThan other:
                    ArgumentNullException.ThrowIfNull(other.MailboxIds, nameof(filter));
                    break;
                case MailFilter.HasKeyword { Keyword: null } or MailFilter.AllInThreadHaveKeyword { Keyword: null }
                    or MailFilter.SomeInThreadHaveKeyword { Keyword: null } or MailFilter.NoneInThreadHaveKeyword { Keyword: null }:
                    throw new ArgumentNullException(nameof(filter), "A keyword condition has no keyword.");
                case MailFilter.Substring substring:
                    ArgumentNullException.ThrowIfNull(substring.Value, nameof(filter));
                    if (!Enum.IsDefined(substring.Field))
                    {
                        throw new ArgumentOutOfRangeException(nameof(filter), substring.Field, "Unknown text field.");
                    }

                    break;
                case MailFilter.Header { Name: null or "" }:
                    throw new ArgumentException("A header condition needs a header name.", nameof(filter));
            }
        }
    }

    private async ValueTask<List<Candidate>> ListMailboxAsync(ulong mailboxId)
    {
        var result = new List<Candidate>();
        await foreach (var entry in Data.ScanAsync(MailKeys.Uid, KeyRange.Prefix(MailKeys.AccountItem(accountId, mailboxId)), cancellationToken).ConfigureAwait(false))
        {
            var uid = UidEntry.Decode(MailKeys.UidOf(entry.Key), entry.Value);
            result.Add(new Candidate(uid.EmailId, uid.Uid, uid.ModSeq, uid.InternalDateMs, uid.Size, uid.Keywords, mailboxId));
        }

        return result;
    }

    private async ValueTask<List<Candidate>> ListEmailsAsync()
    {
        var result = new List<Candidate>();
        await foreach (var entry in Data.ScanAsync(MailKeys.Email, KeyRange.Prefix(MailKeys.Account(accountId)), cancellationToken).ConfigureAwait(false))
        {
            var email = EmailRecord.Decode(MailKeys.SecondOf(entry.Key), entry.Value);
            emails[email.Id] = email;
            result.Add(new Candidate(email.Id, 0, 0, email.InternalDateMs, email.Size, email.Keywords, null) { Email = email });
        }

        return result;
    }

    /// <summary>The candidates that match, in their given order.</summary>
    private async ValueTask<List<Candidate>> FilterAsync(MailFilter filter, List<Candidate> candidates)
    {
        cancellationToken.ThrowIfCancellationRequested();
        if (candidates.Count == 0)
        {
            return candidates;
        }

        switch (filter)
        {
            case MailFilter.And and:
                var current = candidates;
                foreach (var operand in and.Operands.OrderBy(CostOf))
                {
                    current = await FilterAsync(operand, current).ConfigureAwait(false);
                    if (current.Count == 0)
                    {
                        break;
                    }
                }

                return current;

            case MailFilter.Or or:
                // Each operand only looks at what the previous ones left unmatched.
                var matched = new HashSet<Candidate>(ReferenceEqualityComparer.Instance);
                var rest = candidates;
                foreach (var operand in or.Operands.OrderBy(CostOf))
                {
                    matched.UnionWith(await FilterAsync(operand, rest).ConfigureAwait(false));
                    rest = rest.Where(c => !matched.Contains(c)).ToList();
                    if (rest.Count == 0)
                    {
                        break;
                    }
                }

                return candidates.Where(matched.Contains).ToList();

            case MailFilter.Not not:
                var excluded = new HashSet<Candidate>(await FilterAsync(not.Operand, candidates).ConfigureAwait(false), ReferenceEqualityComparer.Instance);
                return candidates.Where(c => !excluded.Contains(c)).ToList();

            case MailFilter.Text text:
                var ids = await TextMatchesAsync(text).ConfigureAwait(false);
                return candidates.Where(c => ids.Contains(c.EmailId)).ToList();

            case MailFilter.Substring substring:
                return await SubstringFilterAsync(substring, candidates).ConfigureAwait(false);

            case MailFilter.Uids uids:
                return candidates.Where(c => uids.Ranges.Any(r => r.Contains(c.Uid))).ToList();

            case MailFilter.ModSeqAtLeast modSeq:
                return candidates.Where(c => c.ModSeq >= modSeq.ModSeq).ToList();

            case MailFilter.EmailIds emailIds:
                var wanted = emailIds.Ids.ToHashSet();
                return candidates.Where(c => wanted.Contains(c.EmailId)).ToList();

            case MailFilter.Size size:
                return candidates.Where(c => (size.Minimum is null || c.Size >= size.Minimum) && (size.Below is null || c.Size < size.Below)).ToList();

            case MailFilter.Received received:
                return candidates.Where(c => InRange(c.InternalDateMs, received.Since, received.Before)).ToList();

            case MailFilter.HasKeyword keyword:
                return candidates.Where(c => HasKeyword(c.Keywords, keyword.Keyword)).ToList();

            default:
                var result = new List<Candidate>();
                foreach (var candidate in candidates)
                {
                    if (await MatchesAsync(filter, candidate).ConfigureAwait(false))
                    {
                        result.Add(candidate);
                    }
                }

                return result;
        }
    }

    /// <summary>The conditions that need a record, metadata or a header block of each candidate.</summary>
    private async ValueTask<bool> MatchesAsync(MailFilter filter, Candidate candidate)
    {
        switch (filter)
        {
            case MailFilter.InMailbox inMailbox:
                if (candidate.ListedIn is { } listed && listed == inMailbox.MailboxId)
                {
                    return true;
                }

                return await EmailOfAsync(candidate).ConfigureAwait(false) is { } holder && holder.IndexOf(inMailbox.MailboxId) >= 0;

            case MailFilter.InMailboxOtherThan other:
                return await EmailOfAsync(candidate).ConfigureAwait(false) is { } email
                    && email.Mailboxes.Any(m => !other.MailboxIds.Contains(m.MailboxId));

            case MailFilter.AllInThreadHaveKeyword all:
                return (await ThreadOfAsync(candidate).ConfigureAwait(false)).All(e => HasKeyword(e.Keywords, all.Keyword));

            case MailFilter.SomeInThreadHaveKeyword some:
                return (await ThreadOfAsync(candidate).ConfigureAwait(false)).Any(e => HasKeyword(e.Keywords, some.Keyword));

            case MailFilter.NoneInThreadHaveKeyword none:
                return !(await ThreadOfAsync(candidate).ConfigureAwait(false)).Any(e => HasKeyword(e.Keywords, none.Keyword));

            case MailFilter.HasAttachment attachment:
                return (await MetadataOfAsync(candidate).ConfigureAwait(false))?.HasAttachment == attachment.Value;

            case MailFilter.Sent sent:
                return (await MetadataOfAsync(candidate).ConfigureAwait(false))?.Envelope.Date is { } date
                    && InRange(date.ToUnixTimeMilliseconds(), sent.Since, sent.Before);

            case MailFilter.SentDay sentDay:
                if ((await MetadataOfAsync(candidate).ConfigureAwait(false))?.Envelope.Date is not { } sentAt)
                {
                    return false;
                }

                // The day as the header wrote it, in the sender's zone: RFC 9051 disregards time and timezone.
                var day = DateOnly.FromDateTime(sentAt.DateTime);
                return (sentDay.First is null || day >= sentDay.First) && (sentDay.Last is null || day <= sentDay.Last);

            case MailFilter.Header header:
                return await HeaderMatchesAsync(candidate, header).ConfigureAwait(false);

            default:
                throw new ArgumentException($"Unknown filter condition {filter.GetType().Name}.", nameof(filter));
        }
    }

    /// <summary>A text condition as the full-text index takes it.</summary>
    private static FullTextFilter.Match MatchOf(MailFilter.Text text)
    {
        var field = text.Field == MailTextField.Any
            ? null
            : FieldName(text.Field) ?? throw new ArgumentOutOfRangeException(nameof(text), text.Field, "Unknown text field.");
        return new FullTextFilter.Match(field, text.Value, text.Kind);
    }

    private async ValueTask<HashSet<ulong>> TextMatchesAsync(MailFilter.Text text)
    {
        if (textMatches.TryGetValue(text, out var cached))
        {
            return cached;
        }

        var indexer = engine.Indexer!;

        // Deliveries are indexed after they are acknowledged; what this process delivered to the account so far is
        // indexed before the index is asked, so a search never misses a message that was reported delivered.
        await indexer.WaitForAccountAsync(accountId, cancellationToken).ConfigureAwait(false);
        var store = indexer.Store;
        var ids = await store.QueryAsync(accountId, MatchOf(text), cancellationToken).ConfigureAwait(false);
        var set = ids.ToHashSet();
        textMatches[text] = set;
        return set;
    }

    private async ValueTask<bool> HeaderMatchesAsync(Candidate candidate, MailFilter.Header header)
    {
        foreach (var (name, value) in await HeaderFieldsAsync(candidate).ConfigureAwait(false))
        {
            if (string.Equals(name, header.Name, StringComparison.OrdinalIgnoreCase)
                && (string.IsNullOrEmpty(header.Value) || value.Contains(header.Value, StringComparison.OrdinalIgnoreCase)))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>The message's header fields with their decoded values, read from the header block alone.</summary>
    private async ValueTask<List<(string Name, string Value)>> HeaderFieldsAsync(Candidate candidate)
    {
        var email = await EmailOfAsync(candidate).ConfigureAwait(false);
        var described = await MetadataOfAsync(candidate).ConfigureAwait(false);
        if (email is null || described is null)
        {
            return [];
        }

        // The header block ends where the root part's body starts; only that range of the blob is read.
        var length = (int)Math.Min(described.Body.BodyOffset, MaxHeaderBytes);
        if (length <= 0)
        {
            return [];
        }

        var block = await engine.Blobs.ReadRangeAsync(email.Blob, 0, length, cancellationToken).ConfigureAwait(false);
        return block is null ? [] : MessageParser.ParseHeaders(block);
    }

    private async ValueTask<EmailRecord?> EmailOfAsync(Candidate candidate)
    {
        if (candidate.Email is not null)
        {
            return candidate.Email;
        }

        if (!emails.TryGetValue(candidate.EmailId, out var email))
        {
            var value = await Data.GetAsync(MailKeys.Email, MailKeys.AccountItem(accountId, candidate.EmailId), cancellationToken).ConfigureAwait(false);
            email = value is null ? null : EmailRecord.Decode(candidate.EmailId, value);
            emails[candidate.EmailId] = email;
        }

        candidate.Email = email;
        return email;
    }

    private async ValueTask<MessageMetadata?> MetadataOfAsync(Candidate candidate)
    {
        if (candidate.Metadata is not null)
        {
            return candidate.Metadata;
        }

        if (await EmailOfAsync(candidate).ConfigureAwait(false) is not { } email)
        {
            return null;
        }

        if (!metadata.TryGetValue(email.Blob, out var described))
        {
            described = await engine.GetMetadataAsync(email.Blob, email.Size, cancellationToken).ConfigureAwait(false);
            metadata[email.Blob] = described;
        }

        candidate.Metadata = described;
        return described;
    }

    /// <summary>The emails of the candidate's thread, the candidate included.</summary>
    private async ValueTask<List<EmailRecord>> ThreadOfAsync(Candidate candidate)
    {
        if (await EmailOfAsync(candidate).ConfigureAwait(false) is not { } email)
        {
            return [];
        }

        var members = await ThreadMembersAsync(email.ThreadId).ConfigureAwait(false);
        return members.Count > 0 ? members : [email];
    }

    private async ValueTask<List<EmailRecord>> ThreadMembersAsync(ulong threadId)
    {
        if (threads.TryGetValue(threadId, out var cached))
        {
            return cached;
        }

        var ids = new List<ulong>();
        await foreach (var entry in Data.ScanAsync(MailKeys.Thread, KeyRange.Prefix(MailKeys.AccountItem(accountId, threadId)), cancellationToken).ConfigureAwait(false))
        {
            ids.Add(MailKeys.EmailOfThreadKey(entry.Key));
        }

        var members = new List<EmailRecord>(ids.Count);
        foreach (var id in ids)
        {
            if (!emails.TryGetValue(id, out var member))
            {
                var value = await Data.GetAsync(MailKeys.Email, MailKeys.AccountItem(accountId, id), cancellationToken).ConfigureAwait(false);
                member = value is null ? null : EmailRecord.Decode(id, value);
                emails[id] = member;
            }

            if (member is not null)
            {
                members.Add(member);
            }
        }

        threads[threadId] = members;
        return members;
    }

    /// <summary>Sorts the candidates in place: by each criterion in turn, then by UID (mailbox) or email id (account).</summary>
    private async ValueTask SortAsync(List<Candidate> candidates, IReadOnlyList<MailSort>? sort)
    {
        var criteria = sort ?? [];
        var keys = new List<object[]>();
        for (var i = 0; i < candidates.Count; i++)
        {
            candidates[i].Order = i;
        }

        foreach (var criterion in criteria)
        {
            var values = new object[candidates.Count];
            for (var i = 0; i < candidates.Count; i++)
            {
                values[i] = await SortValueAsync(candidates[i], criterion).ConfigureAwait(false);
            }

            keys.Add(values);
        }

        var byUid = inMailbox;
        candidates.Sort((a, b) =>
        {
            for (var k = 0; k < criteria.Count; k++)
            {
                var x = keys[k][a.Order];
                var y = keys[k][b.Order];
                var comparison = x is string sx ? string.CompareOrdinal(sx, (string)y) : ((long)x).CompareTo((long)y);
                if (comparison != 0)
                {
                    return criteria[k].Descending ? -comparison : comparison;
                }
            }

            return byUid ? a.Uid.CompareTo(b.Uid) : a.EmailId.CompareTo(b.EmailId);
        });
    }

    private async ValueTask<object> SortValueAsync(Candidate candidate, MailSort criterion)
    {
        switch (criterion.Key)
        {
            case MailSortKey.ReceivedAt:
                return candidate.InternalDateMs;
            case MailSortKey.Size:
                return candidate.Size;
            case MailSortKey.HasKeyword:
                return HasKeyword(candidate.Keywords, criterion.Keyword!) ? 1L : 0L;
        }

        var envelope = (await MetadataOfAsync(candidate).ConfigureAwait(false))?.Envelope ?? new MessageEnvelope();
        return criterion.Key switch
        {
            MailSortKey.SentAt => envelope.Date?.ToUnixTimeMilliseconds() ?? candidate.InternalDateMs,
            MailSortKey.Subject => MailSortText.BaseSubject(envelope.Subject),
            MailSortKey.From => GroupFirst(envelope, "from") ?? Mailbox(envelope.From),
            MailSortKey.To => GroupFirst(envelope, "to") ?? Mailbox(envelope.To),
            MailSortKey.Cc => GroupFirst(envelope, "cc") ?? Mailbox(envelope.Cc),
            MailSortKey.DisplayFrom => GroupFirst(envelope, "from") ?? Display(envelope.From),
            MailSortKey.DisplayTo => GroupFirst(envelope, "to") ?? Display(envelope.To),
            _ => throw new ArgumentOutOfRangeException(nameof(criterion), criterion.Key, "Unknown sort key."),
        };
    }

    /// <summary>
    /// The name of the group the field starts with (<c>To: team: a@x, b@y;</c>), in upper case, which IMAP takes as the
    /// first address (its ENVELOPE shows the group's start as an address whose mailbox is the group name); null
    /// when the field starts with a plain address.
    /// </summary>
    private static string? GroupFirst(MessageEnvelope envelope, string field)
    {
        foreach (var group in envelope.Groups)
        {
            if (group.Field == field)
            {
                return group.Start == 0 ? MailSortText.AsciiUpper(group.Name) : null;
            }
        }

        return null;
    }

    /// <summary>RFC 5256 §2.3's addr-mailbox of the first address: the local part, without case.</summary>
    private static string Mailbox(IReadOnlyList<EmailAddress> addresses)
    {
        if (addresses.Count == 0)
        {
            return string.Empty;
        }

        var address = addresses[0].Address;
        var at = address.LastIndexOf('@');
        return MailSortText.AsciiUpper(at < 0 ? address : address[..at]);
    }

    /// <summary>RFC 5957's display name of the first address, or its address when it has none, without case.</summary>
    private static string Display(IReadOnlyList<EmailAddress> addresses)
    {
        if (addresses.Count == 0)
        {
            return string.Empty;
        }

        var first = addresses[0];
        return MailSortText.AsciiUpper(string.IsNullOrWhiteSpace(first.Name) ? first.Address : first.Name.Trim());
    }

    /// <summary>One message or email being searched, with what its listing gave and what has been read for it.</summary>
    private sealed class Candidate(ulong emailId, uint uid, ulong modSeq, long internalDateMs, long size, string[] keywords, ulong? listedIn)
    {
        public ulong EmailId { get; } = emailId;

        /// <summary>The UID in the listed mailbox; 0 when listed from the account's emails.</summary>
        public uint Uid { get; } = uid;

        public ulong ModSeq { get; } = modSeq;

        public long InternalDateMs { get; } = internalDateMs;

        public long Size { get; } = size;

        public string[] Keywords { get; } = keywords;

        /// <summary>The mailbox whose listing the candidate came from, if any.</summary>
        public ulong? ListedIn { get; } = listedIn;

        public EmailRecord? Email { get; set; }

        public MessageMetadata? Metadata { get; set; }

        /// <summary>The candidate's place before sorting: its row in the precomputed sort keys.</summary>
        public int Order { get; set; }
    }
}
