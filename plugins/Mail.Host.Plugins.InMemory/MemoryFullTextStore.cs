using Mail.Host.Storage;
using DocumentPostings = System.Collections.Generic.Dictionary<string, System.Collections.Generic.Dictionary<string, int[]>>;

namespace Mail.Host.Plugins.InMemory;

/// <summary>
/// A full-text index held in process memory and lost on exit: per account, an inverted index from each folded word
/// to the documents, fields and word positions where it occurs. It is meant for tests and development; the mail
/// engine builds its own index over the data store for production use.
/// </summary>
/// <remarks>
/// <para>
/// Words are runs of letters and digits, compared in lower case without diacritics. Where the contract leaves room,
/// this store decides as follows. With no field, each word of a <see cref="TextMatchKind.Words"/> query may occur in
/// a different field. A phrase never runs from one field into another, nor from one value of a repeated field
/// into the next. A <see cref="TextMatchKind.Prefix"/> text of several words matches them one after the other with
/// the last one as a prefix. A query text with no words in it matches nothing.
/// </para>
/// <para>Every operation takes one lock, so the store is safe to use from many threads.</para>
/// </remarks>
public sealed class MemoryFullTextStore : IFullTextStore
{
    private readonly Lock gate = new();
    private readonly Dictionary<ulong, AccountIndex> accounts = [];

    /// <inheritdoc />
    public ValueTask IndexAsync(FullTextDocument document, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(document);
        cancellationToken.ThrowIfCancellationRequested();

        // Tokenizing outside the lock keeps concurrent indexing from queueing behind text processing.
        var postings = BuildPostings(document.Fields ?? []);
        lock (gate)
        {
            if (!accounts.TryGetValue(document.AccountId, out var account))
            {
                account = new AccountIndex();
                accounts.Add(document.AccountId, account);
            }

            account.Put(document.DocumentId, postings);
        }

        return ValueTask.CompletedTask;
    }

    /// <inheritdoc />
    public ValueTask<IReadOnlyList<ulong>> QueryAsync(ulong accountId, FullTextFilter filter, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(filter);
        cancellationToken.ThrowIfCancellationRequested();

        ulong[] ids;
        lock (gate)
        {
            ids = accounts.TryGetValue(accountId, out var account) ? [.. account.Evaluate(filter)] : [];
        }

        Array.Sort(ids);
        return ValueTask.FromResult<IReadOnlyList<ulong>>(ids);
    }

    /// <inheritdoc />
    /// <remarks>Every word of the account is looked at (its folded form, compared by ordinal containment).</remarks>
    public ValueTask<IReadOnlyList<ulong>?> QueryWordsContainingAsync(ulong accountId, string? field, string fragment, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(fragment);
        cancellationToken.ThrowIfCancellationRequested();
        var query = TextTokenizer.Tokenize(fragment);
        if (query.Count != 1)
        {
            return ValueTask.FromResult<IReadOnlyList<ulong>?>(null);
        }

        ulong[] ids;
        lock (gate)
        {
            ids = accounts.TryGetValue(accountId, out var account) ? [.. account.Containing(query[0], field)] : [];
        }

        Array.Sort(ids);
        return ValueTask.FromResult<IReadOnlyList<ulong>?>(ids);
    }

    /// <inheritdoc />
    public ValueTask RemoveAsync(ulong accountId, ulong documentId, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        lock (gate)
        {
            if (accounts.TryGetValue(accountId, out var account))
            {
                account.Remove(documentId);
                if (account.IsEmpty)
                {
                    accounts.Remove(accountId);
                }
            }
        }

        return ValueTask.CompletedTask;
    }

    /// <inheritdoc />
    public ValueTask RemoveAccountAsync(ulong accountId, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        lock (gate)
        {
            accounts.Remove(accountId);
        }

        return ValueTask.CompletedTask;
    }

    /// <summary>Maps each word of a document to the fields it occurs in and its ascending positions there.</summary>
    private static DocumentPostings BuildPostings(IReadOnlyList<FullTextField> fields)
    {
        var building = new Dictionary<string, Dictionary<string, List<int>>>(StringComparer.Ordinal);
        var nextPosition = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var field in fields)
        {
            var position = nextPosition.GetValueOrDefault(field.Name);
            foreach (var word in TextTokenizer.Tokenize(field.Text))
            {
                if (!building.TryGetValue(word, out var byField))
                {
                    byField = new(StringComparer.Ordinal);
                    building.Add(word, byField);
                }

                if (!byField.TryGetValue(field.Name, out var positions))
                {
                    positions = [];
                    byField.Add(field.Name, positions);
                }

                positions.Add(position++);
            }

            // Skipping one position between values of a repeated field keeps a phrase from joining them.
            nextPosition[field.Name] = position + 1;
        }

        var postings = new DocumentPostings(building.Count, StringComparer.Ordinal);
        foreach (var (word, byField) in building)
        {
            postings.Add(word, byField.ToDictionary(f => f.Key, f => f.Value.ToArray(), StringComparer.Ordinal));
        }

        return postings;
    }

    /// <summary>One account's documents and the inverted index over them; callers hold the store's lock.</summary>
    private sealed class AccountIndex
    {
        // Every document, with or without words, so that Not and an empty And see it and re-indexing finds its words.
        private readonly Dictionary<ulong, DocumentPostings> documents = [];
        private readonly Dictionary<string, Dictionary<ulong, Dictionary<string, int[]>>> words = new(StringComparer.Ordinal);

        public bool IsEmpty => documents.Count == 0;

        public void Put(ulong documentId, DocumentPostings postings)
        {
            Remove(documentId);
            documents.Add(documentId, postings);
            foreach (var (word, byField) in postings)
            {
                if (!words.TryGetValue(word, out var byDocument))
                {
                    byDocument = [];
                    words.Add(word, byDocument);
                }

                byDocument.Add(documentId, byField);
            }
        }

        public void Remove(ulong documentId)
        {
            if (!documents.Remove(documentId, out var postings))
            {
                return;
            }

            foreach (var word in postings.Keys)
            {
                var byDocument = words[word];
                byDocument.Remove(documentId);
                if (byDocument.Count == 0)
                {
                    words.Remove(word);
                }
            }
        }

        /// <summary>The documents with a word containing <paramref name="fragment"/> (folded) in the field, or in any field.</summary>
        public HashSet<ulong> Containing(string fragment, string? field)
        {
            var result = new HashSet<ulong>();
            foreach (var (word, postings) in words)
            {
                if (!word.Contains(fragment, StringComparison.Ordinal))
                {
                    continue;
                }

                foreach (var (documentId, byField) in postings)
                {
                    if (field is null || byField.ContainsKey(field))
                    {
                        result.Add(documentId);
                    }
                }
            }

            return result;
        }

        public HashSet<ulong> Evaluate(FullTextFilter filter) => filter switch
        {
            FullTextFilter.Match match => Match(match),
            FullTextFilter.And and => Intersect(and.Operands),
            FullTextFilter.Or or => Union(or.Operands),
            FullTextFilter.Not not => Complement(Evaluate(not.Operand)),
            null => throw new ArgumentNullException(nameof(filter)),
            _ => throw new ArgumentException($"Unknown filter type {filter.GetType().Name}.", nameof(filter)),
        };

        private HashSet<ulong> Intersect(IReadOnlyList<FullTextFilter> operands)
        {
            if (operands.Count == 0)
            {
                return [.. documents.Keys];
            }

            var result = Evaluate(operands[0]);
            for (var i = 1; i < operands.Count && result.Count > 0; i++)
            {
                result.IntersectWith(Evaluate(operands[i]));
            }

            return result;
        }

        private HashSet<ulong> Union(IReadOnlyList<FullTextFilter> operands)
        {
            var result = new HashSet<ulong>();
            foreach (var operand in operands)
            {
                result.UnionWith(Evaluate(operand));
            }

            return result;
        }

        private HashSet<ulong> Complement(HashSet<ulong> matched)
        {
            var result = new HashSet<ulong>(documents.Keys);
            result.ExceptWith(matched);
            return result;
        }

        private HashSet<ulong> Match(FullTextFilter.Match match)
        {
            var queryWords = TextTokenizer.Tokenize(match.Text);
            if (queryWords.Count == 0)
            {
                return [];
            }

            switch (match.Kind)
            {
                case TextMatchKind.Words:
                    var result = DocumentsWithAny([queryWords[0]], match.Field);
                    foreach (var word in queryWords.Skip(1))
                    {
                        result.IntersectWith(DocumentsWithAny([word], match.Field));
                    }

                    return result;

                case TextMatchKind.Phrase:
                    return DocumentsWithSequence([.. queryWords.Select(w => (IReadOnlyList<string>)[w])], match.Field);

                case TextMatchKind.Prefix:
                    // Scanning every word is fine at development sizes; a sorted index would be the next step.
                    var prefix = queryWords[^1];
                    IReadOnlyList<string> completions = [.. words.Keys.Where(w => w.StartsWith(prefix, StringComparison.Ordinal))];
                    return DocumentsWithSequence([.. queryWords.SkipLast(1).Select(w => (IReadOnlyList<string>)[w]), completions], match.Field);

                default:
                    throw new ArgumentOutOfRangeException(nameof(match), match.Kind, "Unknown text match kind.");
            }
        }

        /// <summary>The documents that hold any of the words, in the field or in any field.</summary>
        private HashSet<ulong> DocumentsWithAny(IReadOnlyList<string> alternatives, string? field)
        {
            var result = new HashSet<ulong>();
            foreach (var word in alternatives)
            {
                if (words.TryGetValue(word, out var byDocument))
                {
                    foreach (var (documentId, byField) in byDocument)
                    {
                        if (field is null || byField.ContainsKey(field))
                        {
                            result.Add(documentId);
                        }
                    }
                }
            }

            return result;
        }

        /// <summary>
        /// The documents where, within one field, a word of each slot follows a word of the slot before: a phrase
        /// when every slot holds one word.
        /// </summary>
        private HashSet<ulong> DocumentsWithSequence(IReadOnlyList<IReadOnlyList<string>> slots, string? field)
        {
            var candidates = DocumentsWithAny(slots[0], field);
            for (var i = 1; i < slots.Count && candidates.Count > 0; i++)
            {
                candidates.IntersectWith(DocumentsWithAny(slots[i], field));
            }

            if (slots.Count > 1)
            {
                candidates.RemoveWhere(id => !HasSequence(documents[id], slots, field));
            }

            return candidates;
        }

        private static bool HasSequence(DocumentPostings postings, IReadOnlyList<IReadOnlyList<string>> slots, string? field)
        {
            foreach (var first in slots[0])
            {
                if (!postings.TryGetValue(first, out var byField))
                {
                    continue;
                }

                foreach (var (name, starts) in byField)
                {
                    if (field is not null && name != field)
                    {
                        continue;
                    }

                    foreach (var start in starts)
                    {
                        if (FollowsFrom(postings, slots, name, start))
                        {
                            return true;
                        }
                    }
                }
            }

            return false;
        }

        private static bool FollowsFrom(DocumentPostings postings, IReadOnlyList<IReadOnlyList<string>> slots, string field, int start)
        {
            for (var i = 1; i < slots.Count; i++)
            {
                var found = false;
                foreach (var word in slots[i])
                {
                    if (postings.TryGetValue(word, out var byField)
                        && byField.TryGetValue(field, out var positions)
                        && Array.BinarySearch(positions, start + i) >= 0)
                    {
                        found = true;
                        break;
                    }
                }

                if (!found)
                {
                    return false;
                }
            }

            return true;
        }
    }
}
