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
