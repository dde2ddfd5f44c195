namespace Mail.Host.Storage;

/// <summary>A document to index: one message of one account, as named text fields.</summary>
/// <param name="AccountId">The owning account.</param>
/// <param name="DocumentId">The document's id within the account.</param>
/// <param name="Fields">The text fields; a field name may repeat.</param>
public sealed record FullTextDocument(ulong AccountId, ulong DocumentId, IReadOnlyList<FullTextField> Fields);
