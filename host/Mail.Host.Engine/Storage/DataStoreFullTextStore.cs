using System.Runtime.CompilerServices;
using System.Text;
using Mail.Host.Storage;

namespace Mail.Host.Engine.Storage;

/// <summary>
/// A full-text index kept in any <see cref="IDataStore"/> as an inverted index in key-value form, so every data
/// backend can also serve the full-text role. The key layout is described on <see cref="FullTextKeys"/>, the values
/// on <see cref="FullTextCodec"/>, the word rules on <see cref="TextTokenizer"/>.
/// </summary>
/// <remarks>
/// <para>
/// Semantics follow the in-memory store where the contract leaves room: with no field, each word of a
/// <see cref="TextMatchKind.Words"/> query may occur in a different field; a phrase never runs from one field into
/// another, nor from one value of a repeated field into the next (each value starts one position after the previous
/// value's last word plus a gap); a <see cref="TextMatchKind.Prefix"/> text of several words matches them one after
/// the other with the last as a prefix; a query text without words matches nothing.
/// </para>
/// <para>
/// Limits, chosen so that every key and value fits the smallest store the contract allows and every commit stays
/// small enough for backends with transaction limits: a value is at most 64 KiB (or the store's limit if lower); a
/// commit carries at most 1,000 operations and about 1 MiB; a document's distinct terms are kept up to 256 KiB of term
/// list (tens of thousands of words; words first seen after that are not indexed, though they still take their
/// positions); a term's positions in a document are kept up to what fits its 64 KiB posting (tens of thousands of
/// occurrences; later ones are dropped, so the word still matches and only a phrase at the far end can be missed).
/// </para>
/// <para>
/// Writing a document: a message that fits one commit (almost every one) is replaced atomically. A larger one is
/// written in steps: first the term list becomes the union of the old and new terms and the document's marker is set
/// to "in progress"; then the postings are written and the old ones deleted, in bounded commits; last, the term list
/// becomes exactly the new terms and the marker "complete". At every step the stored term list covers every posting
/// the document has, so a crash or cancellation part way leaves a document that indexing it again, or removing it,
/// cleans up entirely. Each step asserts the marker it set, so when two writers race on one document, the one whose
/// first commit lands later takes over and the other stops at its next commit, before writing anything more; the
/// outcome is one version or the other, never a mix. Indexing into an account while <see cref="RemoveAccountAsync"/> runs for it has no defined
/// outcome: index the document again once the removal has returned.
/// </para>
/// <para>
/// The store keeps no state of its own: any number of instances over the same data store, in one process or
/// several, see the same index.
/// </para>
/// </remarks>
public sealed class DataStoreFullTextStore : IFullTextStore
{
    /// <summary>The most operations in one commit.</summary>
    private const int MaxBatchOperations = 1000;

    /// <summary>The most key and value bytes in one commit, well under what transactional backends accept.</summary>
    private const int MaxBatchBytes = 1024 * 1024;

    /// <summary>The largest term list of one document, in encoded bytes.</summary>
    private const int MaxTermListBytes = 256 * 1024;

    /// <summary>The largest value written, when the store accepts more; big values slow every backend's reads.</summary>
    private const int MaxValueBytes = 64 * 1024;

    /// <summary>The smallest value limit the index can work with: a term-list entry and a useful posting must fit.</summary>
    private const int MinimumValueLimit = 4 * 1024;

    /// <summary>Up to this many candidate documents, a term is looked up per document rather than scanned.</summary>
    private const int PointReadLimit = 16;

    /// <summary>
    /// Tries at writing one document. A write only fails its first commit when another write of the same document
    /// committed in between, and each concurrent writer commits at most twice, so this bounds the writers on one
    /// document that can be outrun (eight) rather than the work a lone writer does.
    /// </summary>
    private const int MaxAttempts = 16;

    /// <summary>The postings read at a time while the vocabulary is walked for a fragment of a word, at first and after a jump.</summary>
    private const int VocabularyPage = 32;

    /// <summary>The most postings read at a time while the vocabulary is walked: what a common word can cost before it is jumped over.</summary>
    private const int MaxVocabularyPage = 1024;

    /// <summary>The keys read and deleted per commit when an account is removed.</summary>
    private const int RemovalPageSize = 1000;

    private readonly IDataStore store;
    private readonly int valueLimit;

    /// <summary>Creates the index over a data store; nothing is read or written until the first call.</summary>
    /// <param name="store">The data store that holds the index in its <c>fts_</c> subspaces.</param>
    public DataStoreFullTextStore(IDataStore store)
    {
        ArgumentNullException.ThrowIfNull(store);
        if (store.MaxKeySize < FullTextKeys.MaxTermKeyLength)
        {
            throw new ArgumentException($"The data store accepts keys of {store.MaxKeySize} bytes; the full-text index needs {FullTextKeys.MaxTermKeyLength}.", nameof(store));
        }

        if (store.MaxValueSize < MinimumValueLimit)
        {
            throw new ArgumentException($"The data store accepts values of {store.MaxValueSize} bytes; the full-text index needs {MinimumValueLimit}.", nameof(store));
        }

        this.store = store;
        valueLimit = Math.Min(store.MaxValueSize, MaxValueBytes);
    }

    /// <inheritdoc />
    public async ValueTask IndexAsync(FullTextDocument document, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(document);
        cancellationToken.ThrowIfCancellationRequested();
        var terms = BuildPostings(document.Fields ?? [], valueLimit);
        await ReplaceAsync(document.AccountId, document.DocumentId, terms, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async ValueTask<IReadOnlyList<ulong>> QueryAsync(ulong accountId, FullTextFilter filter, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(filter);
        cancellationToken.ThrowIfCancellationRequested();
        var query = new Query(accountId, cancellationToken);
        return await EvaluateAsync(query, filter, null).ConfigureAwait(false);
    }

    /// <inheritdoc />
    /// <remarks>Each term is read only for the candidates: one key each when they are few, else the span they cover.</remarks>
    public async ValueTask<IReadOnlyList<ulong>> QueryAsync(ulong accountId, FullTextFilter filter, IReadOnlyList<ulong> candidates, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(filter);
        ArgumentNullException.ThrowIfNull(candidates);
        cancellationToken.ThrowIfCancellationRequested();
        if (candidates.Count == 0)
        {
            return [];
        }

        var scope = SortedIds.Normalize([.. candidates]);
        var query = new Query(accountId, cancellationToken);
        return await EvaluateAsync(query, filter, scope).ConfigureAwait(false);
    }

    /// <inheritdoc />
    /// <remarks>
    /// The account's vocabulary is walked in key order: the postings are read a page at a time (32, doubling up to
    /// 1,024 while pages hold several words), and a page that holds nothing but one term that does not contain the
    /// fragment makes the walk jump past that term's remaining postings and start small again, so the cost grows with
    /// the number of distinct words of the account and the postings of the matching ones, not with the postings of
    /// common words. Words are compared as their folded UTF-8 bytes; a word longer
    /// than <see cref="TextTokenizer.MaxTermLength"/> characters is held by its beginning only, so a fragment past
    /// that point is not found.
    /// </remarks>
    public async ValueTask<IReadOnlyList<ulong>?> QueryWordsContainingAsync(ulong accountId, string? field, string fragment, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(fragment);
        cancellationToken.ThrowIfCancellationRequested();
        var words = TextTokenizer.DistinctTerms(fragment);
        if (words.Count != 1)
        {
            return null;
        }

        var needle = Encoding.UTF8.GetBytes(words[0]);
        var fieldId = field is null ? (ulong?)null : FullTextCodec.FieldId(field);
        var account = FullTextKeys.Account(accountId);
        var end = KeyRange.PrefixEnd(account);
        var start = account;
        var result = new List<ulong>();
        byte[]? term = null;
        var termMatches = false;
        var page = VocabularyPage;
        while (true)
        {
            var read = 0;
            var onlyOneTerm = true;
            byte[]? lastKey = null;
            await foreach (var entry in store.ScanAsync(FullTextKeys.Terms, new KeyRange(start, end, limit: page), cancellationToken).ConfigureAwait(false))
            {
                read++;
                lastKey = entry.Key;
                var entryTerm = entry.Key.AsSpan(8, entry.Key.Length - 8 - 9);
                if (term is null || !entryTerm.SequenceEqual(term))
                {
                    onlyOneTerm &= read == 1;
                    term = entryTerm.ToArray();
                    termMatches = entryTerm.IndexOf(needle) >= 0;
                }

                if (termMatches && (fieldId is null || FullTextCodec.HasField(entry.Value, fieldId.Value)))
                {
                    result.Add(FullTextKeys.PostingDocument(entry.Key));
                }
            }

            if (read < page || lastKey is null)
            {
                break;
            }

            if (onlyOneTerm && !termMatches)
            {
                // A common word: the rest of its postings are skipped (account, term, then 0x01 sorts after them all),
                // and the next pages start small again.
                start = new byte[8 + term!.Length + 1];
                account.CopyTo(start, 0);
                term.CopyTo(start, 8);
                start[^1] = 0x01;
                page = VocabularyPage;
            }
            else
            {
                start = new byte[lastKey.Length + 1];
                lastKey.CopyTo(start, 0);

                // Among rare words every posting is a word to look at: larger pages cost fewer scans.
                page = Math.Min(page * 2, MaxVocabularyPage);
            }
        }

        return SortedIds.Normalize(result);
    }

    /// <inheritdoc />
    public async ValueTask RemoveAsync(ulong accountId, ulong documentId, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        await ReplaceAsync(accountId, documentId, null, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    /// <remarks>
    /// The markers go first, so the documents leave queries at once and any write of them still running fails its next
    /// assertion; then the postings, then the term lists, so that a removal cut short still leaves each remaining
    /// posting covered by a term list and can simply be run again.
    /// </remarks>
    public async ValueTask RemoveAccountAsync(ulong accountId, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var prefix = FullTextKeys.Account(accountId);
        foreach (var subspace in FullTextKeys.All)
        {
            var range = KeyRange.Prefix(prefix, limit: RemovalPageSize);
            while (true)
            {
                var batch = new WriteBatch();
                byte[]? last = null;
                await foreach (var entry in store.ScanAsync(subspace, range, cancellationToken).ConfigureAwait(false))
                {
                    batch.Delete(subspace, entry.Key);
                    last = entry.Key;
                }

                if (last is null)
                {
                    break;
                }

                await store.CommitAsync(batch, cancellationToken).ConfigureAwait(false);
                if (batch.Count < RemovalPageSize)
                {
                    break;
                }

                // Starting after the last key rather than at the prefix again spares log-structured stores from
                // walking over the deletions just made.
                range = FullTextKeys.After(last, prefix, RemovalPageSize);
            }
        }
    }

    /// <summary>Maps each term of a document to its encoded posting, in order of first appearance.</summary>
    private static List<IndexedTerm> BuildPostings(IReadOnlyList<FullTextField> fields, int valueLimit)
    {
        var byTerm = new Dictionary<string, TermBuilder>(StringComparer.Ordinal);
        var order = new List<TermBuilder>();
        var nextPosition = new Dictionary<ulong, int>();
        var listBytes = 0;
        foreach (var field in fields)
        {
            var fieldId = FullTextCodec.FieldId(field.Name);
            var start = nextPosition.GetValueOrDefault(fieldId);
            var tokens = TextTokenizer.Tokenize(field.Text);
            foreach (var (term, position) in tokens)
            {
                if (!byTerm.TryGetValue(term, out var builder))
                {
                    var utf8 = Encoding.UTF8.GetBytes(term);
                    var entryLength = FullTextCodec.TermListEntryLength(utf8.Length);

                    // The list only grows, so a term turned away here is turned away at every later occurrence too.
                    if (listBytes + entryLength > MaxTermListBytes)
                    {
                        continue;
                    }

                    listBytes += entryLength;
                    builder = new TermBuilder(term, utf8);
                    byTerm.Add(term, builder);
                    order.Add(builder);
                }

                builder.Add(fieldId, start + position);
            }

            // Skipping one position between values of a repeated field keeps a phrase from joining them.
            nextPosition[fieldId] = start + tokens.Count + 1;
        }

        return [.. order.Select(b => new IndexedTerm(b.Term, b.Utf8, FullTextCodec.EncodePosting(b.Fields, valueLimit)))];
    }

    /// <summary>
    /// Replaces what is indexed for a document with <paramref name="terms"/>, or removes it when they are
    /// <see langword="null"/>.
    /// </summary>
    private async ValueTask ReplaceAsync(ulong accountId, ulong documentId, List<IndexedTerm>? terms, CancellationToken cancellationToken)
    {
        var markerKey = FullTextKeys.Document(accountId, documentId);
        for (var attempt = 0; attempt < MaxAttempts; attempt++)
        {
            // The marker is read before the term list, and every commit that changes the list also changes the
            // marker: asserting the marker read here proves the list read after it is still the stored one.
            var marker = await store.GetAsync(FullTextKeys.Documents, markerKey, cancellationToken).ConfigureAwait(false);

            // A document never indexed (every new email) has neither marker nor term list: one point read shows it,
            // where listing the term list opens an iterator.
            var (oldTerms, storedChunks) = marker is null
                && await store.GetAsync(FullTextKeys.DocumentTerms, FullTextKeys.TermListChunk(accountId, documentId, 0), cancellationToken).ConfigureAwait(false) is null
                ? ([], 0)
                : await ReadTermListAsync(accountId, documentId, cancellationToken).ConfigureAwait(false);
            if (terms is null && marker is null && storedChunks == 0)
            {
                return;
            }

            var kept = new HashSet<string>(terms?.Select(t => t.Term) ?? [], StringComparer.Ordinal);
            var stale = oldTerms.Where(t => !kept.Contains(t)).Select(Encoding.UTF8.GetBytes).ToList();
            var finalList = terms is null ? [] : FullTextCodec.EncodeTermList(terms.Select(t => t.Utf8), valueLimit);
            var finalMarker = terms is null ? null : FullTextCodec.NewMarker(FullTextCodec.Complete);
            var writes = BuildPostingWrites(accountId, documentId, terms ?? [], stale);

            if (FitsOneCommit(writes, finalList, storedChunks))
            {
                var batch = new WriteBatch();
                AssertMarker(batch, markerKey, marker);
                foreach (var write in writes)
                {
                    write.AddTo(batch);
                }

                WriteTermList(batch, accountId, documentId, finalList, storedChunks);
                SetMarker(batch, markerKey, finalMarker);
                if (await store.CommitAsync(batch, cancellationToken).ConfigureAwait(false) == CommitResult.Committed)
                {
                    return;
                }

                continue;
            }

            var working = FullTextCodec.NewMarker(FullTextCodec.InProgress);
            var opening = new WriteBatch();
            AssertMarker(opening, markerKey, marker);
            var oldSet = new HashSet<string>(oldTerms, StringComparer.Ordinal);
            var added = terms?.Where(t => !oldSet.Contains(t.Term)).Select(t => t.Utf8).ToList() ?? [];
            if (added.Count > 0)
            {
                var union = FullTextCodec.EncodeTermList(oldTerms.Select(Encoding.UTF8.GetBytes).Concat(added), valueLimit);
                WriteTermList(opening, accountId, documentId, union, storedChunks);
                storedChunks = union.Count;
            }

            opening.Set(FullTextKeys.Documents, markerKey, working);
            if (await store.CommitAsync(opening, cancellationToken).ConfigureAwait(false) != CommitResult.Committed)
            {
                continue;
            }

            // From here on a failed assertion means a later write of this document took over, having read a term list
            // that covers everything written so far; it will finish the job, so this one stops.
            var pending = Fenced(markerKey, working);
            var pendingBytes = 0;
            foreach (var write in writes)
            {
                if (pending.Count > 1 && (pending.Count >= MaxBatchOperations || pendingBytes + write.Bytes > MaxBatchBytes))
                {
                    if (await store.CommitAsync(pending, cancellationToken).ConfigureAwait(false) != CommitResult.Committed)
                    {
                        return;
                    }

                    pending = Fenced(markerKey, working);
                    pendingBytes = 0;
                }

                write.AddTo(pending);
                pendingBytes += write.Bytes;
            }

            if (pending.Count > 1 && await store.CommitAsync(pending, cancellationToken).ConfigureAwait(false) != CommitResult.Committed)
            {
                return;
            }

            var closing = Fenced(markerKey, working);
            WriteTermList(closing, accountId, documentId, finalList, storedChunks);
            SetMarker(closing, markerKey, finalMarker);
            await store.CommitAsync(closing, cancellationToken).ConfigureAwait(false);
            return;
        }

        throw new InvalidOperationException(
            $"The full-text entry of document {documentId} of account {accountId} was changed by other writers {MaxAttempts} times while this write was being prepared.");
    }

    private static List<PostingWrite> BuildPostingWrites(ulong accountId, ulong documentId, List<IndexedTerm> terms, List<byte[]> stale)
    {
        var writes = new List<PostingWrite>(terms.Count + stale.Count);
        foreach (var term in terms)
        {
            writes.Add(new(FullTextKeys.Posting(accountId, term.Utf8, documentId), term.Posting));
        }

        foreach (var term in stale)
        {
            writes.Add(new(FullTextKeys.Posting(accountId, term, documentId), null));
        }

        return writes;
    }

    private static bool FitsOneCommit(List<PostingWrite> writes, List<byte[]> termList, int storedChunks)
    {
        // The assertion, the marker, and one operation per chunk slot written or cleared.
        var operations = 2 + writes.Count + Math.Max(termList.Count, storedChunks);
        if (operations > MaxBatchOperations)
        {
            return false;
        }

        long bytes = FullTextCodec.MarkerLength * 2;
        foreach (var write in writes)
        {
            bytes += write.Bytes;
        }

        foreach (var chunk in termList)
        {
            bytes += chunk.Length + 18;
        }

        return bytes <= MaxBatchBytes;
    }

    private async ValueTask<(List<string> Terms, int ChunkSlots)> ReadTermListAsync(ulong accountId, ulong documentId, CancellationToken cancellationToken)
    {
        var terms = new List<string>();
        var slots = 0;
        var range = KeyRange.Prefix(FullTextKeys.Document(accountId, documentId));
        await foreach (var entry in store.ScanAsync(FullTextKeys.DocumentTerms, range, cancellationToken).ConfigureAwait(false))
        {
            FullTextCodec.DecodeTermList(entry.Value, terms);

            // Counting slots from the highest chunk number rather than the chunks seen clears a stray chunk too.
            slots = Math.Max(slots, ((entry.Key[16] << 8) | entry.Key[17]) + 1);
        }

        return (terms, slots);
    }

    private static void WriteTermList(WriteBatch batch, ulong accountId, ulong documentId, List<byte[]> chunks, int storedChunks)
    {
        for (var i = 0; i < chunks.Count; i++)
        {
            batch.Set(FullTextKeys.DocumentTerms, FullTextKeys.TermListChunk(accountId, documentId, i), chunks[i]);
        }

        for (var i = chunks.Count; i < storedChunks; i++)
        {
            batch.Delete(FullTextKeys.DocumentTerms, FullTextKeys.TermListChunk(accountId, documentId, i));
        }
    }

    private static void AssertMarker(WriteBatch batch, byte[] markerKey, byte[]? marker)
    {
        if (marker is null)
        {
            batch.AssertAbsent(FullTextKeys.Documents, markerKey);
        }
        else
        {
            batch.AssertValue(FullTextKeys.Documents, markerKey, marker);
        }
    }

    private static void SetMarker(WriteBatch batch, byte[] markerKey, byte[]? marker)
    {
        if (marker is null)
        {
            batch.Delete(FullTextKeys.Documents, markerKey);
        }
        else
        {
            batch.Set(FullTextKeys.Documents, markerKey, marker);
        }
    }

    private static WriteBatch Fenced(byte[] markerKey, byte[] marker)
        => new WriteBatch().AssertValue(FullTextKeys.Documents, markerKey, marker);

    private async ValueTask<List<ulong>> EvaluateAsync(Query query, FullTextFilter filter, List<ulong>? candidates)
    {
        query.CancellationToken.ThrowIfCancellationRequested();
        switch (filter)
        {
            case FullTextFilter.Match match:
                return await MatchAsync(query, match, candidates).ConfigureAwait(false);

            case FullTextFilter.And and:
                if (and.Operands.Count == 0)
                {
                    return candidates ?? await AllDocumentsAsync(query).ConfigureAwait(false);
                }

                // Negations go last: by then the other operands have left a candidate set to subtract from, which
                // spares listing every document of the account.
                var current = candidates;
                foreach (var operand in and.Operands.OrderBy(o => o is FullTextFilter.Not ? 1 : 0))
                {
                    current = await EvaluateAsync(query, operand, current).ConfigureAwait(false);
                    if (current.Count == 0)
                    {
                        break;
                    }
                }

                return current!;

            case FullTextFilter.Or or:
                var union = new List<ulong>();
                foreach (var operand in or.Operands)
                {
                    union = SortedIds.Union(union, await EvaluateAsync(query, operand, candidates).ConfigureAwait(false));
                    if (candidates is not null && union.Count == candidates.Count)
                    {
                        break;
                    }
                }

                return union;

            case FullTextFilter.Not not:
                var scope = candidates ?? await AllDocumentsAsync(query).ConfigureAwait(false);
                return scope.Count == 0 ? scope : SortedIds.Except(scope, await EvaluateAsync(query, not.Operand, scope).ConfigureAwait(false));

            case null:
                throw new ArgumentNullException(nameof(filter));

            default:
                throw new ArgumentException($"Unknown filter type {filter.GetType().Name}.", nameof(filter));
        }
    }

    /// <summary>Evaluates a text match, keeping only documents among <paramref name="candidates"/> when given.</summary>
    private async ValueTask<List<ulong>> MatchAsync(Query query, FullTextFilter.Match match, List<ulong>? candidates)
    {
        var field = match.Field is null ? (ulong?)null : FullTextCodec.FieldId(match.Field);
        switch (match.Kind)
        {
            case TextMatchKind.Words:
                var current = candidates;
                var words = TextTokenizer.DistinctTerms(match.Text);
                if (words.Count == 0)
                {
                    return [];
                }

                foreach (var word in words)
                {
                    current = await DocumentsWithTermAsync(query, Encoding.UTF8.GetBytes(word), field, current).ConfigureAwait(false);
                    if (current.Count == 0)
                    {
                        break;
                    }
                }

                return current!;

            case TextMatchKind.Phrase:
            case TextMatchKind.Prefix:
                var terms = TextTokenizer.Tokenize(match.Text).Select(t => Encoding.UTF8.GetBytes(t.Term)).ToList();
                var lastIsPrefix = match.Kind == TextMatchKind.Prefix;
                return terms.Count switch
                {
                    0 => [],
                    1 when lastIsPrefix => await DocumentsWithPrefixAsync(query, terms[0], field, candidates).ConfigureAwait(false),
                    1 => await DocumentsWithTermAsync(query, terms[0], field, candidates).ConfigureAwait(false),
                    _ => await DocumentsWithSequenceAsync(query, terms, lastIsPrefix, field, candidates).ConfigureAwait(false),
                };

            default:
                throw new ArgumentOutOfRangeException(nameof(match), match.Kind, "Unknown text match kind.");
        }
    }

    private async ValueTask<List<ulong>> DocumentsWithTermAsync(Query query, byte[] term, ulong? field, List<ulong>? candidates)
    {
        var result = new List<ulong>();
        await foreach (var (documentId, posting) in ReadTermAsync(query, term, candidates).ConfigureAwait(false))
        {
            if (field is null || FullTextCodec.HasField(posting, field.Value))
            {
                result.Add(documentId);
            }
        }

        return result;
    }

    private async ValueTask<List<ulong>> DocumentsWithPrefixAsync(Query query, byte[] prefix, ulong? field, List<ulong>? candidates)
    {
        var result = new List<ulong>();
        var range = KeyRange.Prefix(FullTextKeys.TermPrefix(query.AccountId, prefix, exact: false));
        await foreach (var entry in store.ScanAsync(FullTextKeys.Terms, range, query.CancellationToken).ConfigureAwait(false))
        {
            var documentId = FullTextKeys.PostingDocument(entry.Key);
            if ((candidates is null || candidates.BinarySearch(documentId) >= 0)
                && (field is null || FullTextCodec.HasField(entry.Value, field.Value)))
            {
                result.Add(documentId);
            }
        }

        // One term's documents come in order, but the prefix spans many terms.
        return SortedIds.Normalize(result);
    }

    /// <summary>
    /// The documents where the terms occur one after the other within one field (and one value of it); when
    /// <paramref name="lastIsPrefix"/>, the last term only has to start the word in its place.
    /// </summary>
    /// <remarks>
    /// For each document still in the running, the positions where the sequence could start are kept per field; each
    /// further term keeps the starts it continues. Only the documents left by the previous term are read for the next
    /// one, by key when they are few.
    /// </remarks>
    private async ValueTask<List<ulong>> DocumentsWithSequenceAsync(Query query, List<byte[]> terms, bool lastIsPrefix, ulong? field, List<ulong>? candidates)
    {
        var order = new List<ulong>();
        var starts = new Dictionary<ulong, List<(ulong Field, int[] Starts)>>();
        await foreach (var (documentId, posting) in ReadTermAsync(query, terms[0], candidates).ConfigureAwait(false))
        {
            var fields = FullTextCodec.DecodePosting(posting, field);
            if (fields.Count > 0)
            {
                order.Add(documentId);
                starts.Add(documentId, fields);
            }
        }

        var exactTerms = lastIsPrefix ? terms.Count - 1 : terms.Count;
        for (var offset = 1; offset < exactTerms && order.Count > 0; offset++)
        {
            var nextOrder = new List<ulong>();
            var nextStarts = new Dictionary<ulong, List<(ulong Field, int[] Starts)>>();
            await foreach (var (documentId, posting) in ReadTermAsync(query, terms[offset], order).ConfigureAwait(false))
            {
                var continued = Continue(starts[documentId], FullTextCodec.DecodePosting(posting, field), offset);
                if (continued.Count > 0)
                {
                    nextOrder.Add(documentId);
                    nextStarts.Add(documentId, continued);
                }
            }

            order = nextOrder;
            starts = nextStarts;
        }

        if (!lastIsPrefix || order.Count == 0)
        {
            return order;
        }

        var last = terms.Count - 1;
        var matched = new List<ulong>();
        var range = KeyRange.Prefix(FullTextKeys.TermPrefix(query.AccountId, terms[last], exact: false));
        await foreach (var entry in store.ScanAsync(FullTextKeys.Terms, range, query.CancellationToken).ConfigureAwait(false))
        {
            var documentId = FullTextKeys.PostingDocument(entry.Key);
            if (starts.TryGetValue(documentId, out var running)
                && Continue(running, FullTextCodec.DecodePosting(entry.Value, field), last).Count > 0)
            {
                matched.Add(documentId);
            }
        }

        return SortedIds.Normalize(matched);
    }

    /// <summary>The starts, per field, after which the term's positions hold the word <paramref name="offset"/> places on.</summary>
    private static List<(ulong Field, int[] Starts)> Continue(List<(ulong Field, int[] Starts)> running, List<(ulong Field, int[] Positions)> term, int offset)
    {
        var continued = new List<(ulong Field, int[] Starts)>(running.Count);
        foreach (var (field, starts) in running)
        {
            foreach (var (termField, positions) in term)
            {
                if (termField == field)
                {
                    var kept = starts.Where(s => Array.BinarySearch(positions, s + offset) >= 0).ToArray();
                    if (kept.Length > 0)
                    {
                        continued.Add((field, kept));
                    }

                    break;
                }
            }
        }

        return continued;
    }

    /// <summary>
    /// The postings of one term, in document order: the whole term when there are no candidates; the candidates one
    /// key at a time when they are few; otherwise a scan bounded by the first and last candidate.
    /// </summary>
    private async IAsyncEnumerable<(ulong DocumentId, byte[] Posting)> ReadTermAsync(Query query, byte[] term, List<ulong>? candidates)
    {
        var cancellationToken = query.CancellationToken;
        var prefix = FullTextKeys.TermPrefix(query.AccountId, term, exact: true);
        if (candidates is null)
        {
            await foreach (var entry in store.ScanAsync(FullTextKeys.Terms, KeyRange.Prefix(prefix), cancellationToken).ConfigureAwait(false))
            {
                yield return (FullTextKeys.PostingDocument(entry.Key), entry.Value);
            }

            yield break;
        }

        if (candidates.Count <= PointReadLimit)
        {
            foreach (var documentId in candidates)
            {
                var posting = await store.GetAsync(FullTextKeys.Terms, FullTextKeys.Posting(query.AccountId, term, documentId), cancellationToken).ConfigureAwait(false);
                if (posting is not null)
                {
                    yield return (documentId, posting);
                }
            }

            yield break;
        }

        var first = candidates[0];
        var last = candidates[^1];
        var range = new KeyRange(
            FullTextKeys.Posting(query.AccountId, term, first),
            last == ulong.MaxValue ? KeyRange.PrefixEnd(prefix) : FullTextKeys.Posting(query.AccountId, term, last + 1));
        var next = 0;
        await foreach (var entry in store.ScanAsync(FullTextKeys.Terms, range, cancellationToken).ConfigureAwait(false))
        {
            var documentId = FullTextKeys.PostingDocument(entry.Key);
            while (next < candidates.Count && candidates[next] < documentId)
            {
                next++;
            }

            if (next == candidates.Count)
            {
                yield break;
            }

            if (candidates[next] == documentId)
            {
                yield return (documentId, entry.Value);
            }
        }
    }

    /// <summary>Every document of the account, read once per query and only when a negation or an empty And needs it.</summary>
    private async ValueTask<List<ulong>> AllDocumentsAsync(Query query)
    {
        if (query.AllDocuments is { } cached)
        {
            return cached;
        }

        var documents = new List<ulong>();
        var range = KeyRange.Prefix(FullTextKeys.Account(query.AccountId));
        await foreach (var entry in store.ScanAsync(FullTextKeys.Documents, range, query.CancellationToken).ConfigureAwait(false))
        {
            documents.Add(FullTextKeys.DocumentOf(entry.Key));
        }

        query.AllDocuments = documents;
        return documents;
    }

    /// <summary>One query's account, cancellation and the account's documents once they have been listed.</summary>
    private sealed class Query(ulong accountId, CancellationToken cancellationToken)
    {
        public ulong AccountId { get; } = accountId;

        public CancellationToken CancellationToken { get; } = cancellationToken;

        public List<ulong>? AllDocuments { get; set; }
    }

    /// <summary>A term of a document being indexed, with its encoded posting.</summary>
    private sealed record IndexedTerm(string Term, byte[] Utf8, byte[] Posting);

    /// <summary>One posting written (<paramref name="Value"/> set) or deleted.</summary>
    private readonly record struct PostingWrite(byte[] Key, byte[]? Value)
    {
        public int Bytes => Key.Length + (Value?.Length ?? 0);

        public void AddTo(WriteBatch batch)
        {
            if (Value is null)
            {
                batch.Delete(FullTextKeys.Terms, Key);
            }
            else
            {
                batch.Set(FullTextKeys.Terms, Key, Value);
            }
        }
    }

    /// <summary>The fields and positions of one term, gathered while a document is broken into words.</summary>
    private sealed class TermBuilder(string term, byte[] utf8)
    {
        public string Term { get; } = term;

        public byte[] Utf8 { get; } = utf8;

        public List<(ulong Field, List<int> Positions)> Fields { get; } = [];

        public void Add(ulong field, int position)
        {
            foreach (var (existing, positions) in Fields)
            {
                if (existing == field)
                {
                    positions.Add(position);
                    return;
                }
            }

            Fields.Add((field, [position]));
        }
    }
}
