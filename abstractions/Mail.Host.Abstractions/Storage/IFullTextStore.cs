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
