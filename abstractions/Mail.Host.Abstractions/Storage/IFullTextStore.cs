namespace Mail.Host.Storage;

/// <summary>
/// A full-text index of documents (messages) per account. Text is broken into words by Unicode rules and
/// compared without case or diacritics, on indexing and on query alike.
/// </summary>
public interface IFullTextStore
{
    /// <summary>Indexes a document, replacing what was indexed before under the same account and id.</summary>
    /// <param name="document">The document and its fields.</param>
    /// <param name="cancellationToken">Cancels indexing.</param>
    /// <returns>A task that completes when the document is searchable.</returns>
    ValueTask IndexAsync(FullTextDocument document, CancellationToken cancellationToken = default);

    /// <summary>Finds the documents of one account that match a filter.</summary>
    /// <param name="accountId">The account searched; no other account's documents are ever returned.</param>
    /// <param name="filter">The filter tree.</param>
    /// <param name="cancellationToken">Cancels the query.</param>
    /// <returns>The matching document ids, ascending.</returns>
    ValueTask<IReadOnlyList<ulong>> QueryAsync(ulong accountId, FullTextFilter filter, CancellationToken cancellationToken = default);

    /// <summary>
    /// Finds which of some documents of one account match a filter: the same answer as
    /// <see cref="QueryAsync(ulong, FullTextFilter, CancellationToken)"/> kept to <paramref name="candidates"/>, for a
    /// search that only needs to know about a few documents (the newest page of a mailbox). A store can answer it by
    /// looking at those documents only; the default implementation runs the whole query and keeps the candidates.
    /// </summary>
    /// <param name="accountId">The account searched.</param>
    /// <param name="filter">The filter tree.</param>
    /// <param name="candidates">The documents asked about, ascending, without duplicates.</param>
    /// <param name="cancellationToken">Cancels the query.</param>
    /// <returns>The candidates that match, ascending.</returns>
    async ValueTask<IReadOnlyList<ulong>> QueryAsync(ulong accountId, FullTextFilter filter, IReadOnlyList<ulong> candidates, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(candidates);
        if (candidates.Count == 0)
        {
            return [];
        }

        var all = await QueryAsync(accountId, filter, cancellationToken).ConfigureAwait(false);
        var matches = new HashSet<ulong>(all);
        var result = new List<ulong>();
        foreach (var candidate in candidates)
        {
            if (matches.Contains(candidate))
            {
                result.Add(candidate);
            }
        }

        return result;
    }

    /// <summary>
    /// Finds the documents of one account that hold, in a field or in any field, a word containing
    /// <paramref name="fragment"/> anywhere in it (at its start, inside it or at its end), compared as words are
    /// compared (without case or diacritics): the documents a substring search for a piece of one word has to read.
    /// A store may return more documents than that, never fewer. The default implementation returns
    /// <see langword="null"/>: the store cannot look inside words, and the caller reads every document instead.
    /// </summary>
    /// <remarks>Added in contracts 1.3.0, with a default implementation, so stores built for older contracts load unchanged.</remarks>
    /// <param name="accountId">The account searched.</param>
    /// <param name="field">A field name, or <see langword="null"/> for any field.</param>
    /// <param name="fragment">The piece of a word; text that is not one word (none, or several) gives <see langword="null"/>.</param>
    /// <param name="cancellationToken">Cancels the query.</param>
    /// <returns>The documents, ascending; or <see langword="null"/> when the store cannot answer.</returns>
    ValueTask<IReadOnlyList<ulong>?> QueryWordsContainingAsync(ulong accountId, string? field, string fragment, CancellationToken cancellationToken = default)
        => ValueTask.FromResult<IReadOnlyList<ulong>?>(null);

    /// <summary>Removes one document from the index.</summary>
    /// <param name="accountId">The account.</param>
    /// <param name="documentId">The document.</param>
    /// <param name="cancellationToken">Cancels the removal.</param>
    /// <returns>A task that completes when the document no longer matches anything.</returns>
    ValueTask RemoveAsync(ulong accountId, ulong documentId, CancellationToken cancellationToken = default);

    /// <summary>Removes every document of an account.</summary>
    /// <param name="accountId">The account.</param>
    /// <param name="cancellationToken">Cancels the removal.</param>
    /// <returns>A task that completes when the account has no indexed documents.</returns>
    ValueTask RemoveAccountAsync(ulong accountId, CancellationToken cancellationToken = default);
}
