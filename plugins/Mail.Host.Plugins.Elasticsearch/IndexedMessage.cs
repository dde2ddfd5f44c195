using System.Text.Json.Serialization;

namespace Mail.Host.Plugins.Elasticsearch;

/// <summary>A message as indexed: its ids and its text fields, each field a list of values.</summary>
internal sealed class IndexedMessage
{
    [JsonPropertyName(ElasticsearchQueryTranslator.AccountField)]
    public long Account { get; init; }

    [JsonPropertyName(ElasticsearchQueryTranslator.DocumentField)]
    public long Document { get; init; }

    [JsonPropertyName(ElasticsearchQueryTranslator.FieldsObject)]
    public required Dictionary<string, List<string>> Fields { get; init; }

    /// <summary>The index document id: account and document, so an account's documents never collide with another's.</summary>
    public static string Id(ulong accountId, ulong documentId) => $"{accountId}-{documentId}";
}
