using System.Globalization;

namespace Mail.Host.Plugins.Elasticsearch;

/// <summary>
/// The index template the store installs on start, so that the index (created by the store, or re-created by an
/// operator) always has this plugin's analyzers and mapping.
/// </summary>
internal static class ElasticsearchIndexTemplate
{
    /// <summary>The template's name for an index.</summary>
    public static string Name(string index) => index + "-template";

    /// <summary>
    /// The template body. Each engine field is mapped on its own with its analyzer: <c>mail_text</c> by default
    /// (Unicode word boundaries, lower case, diacritics folded, which is how the engine's own index compares text), or
    /// the analyzer the manifest names for that field (say a language analyzer for <c>body</c>, at the price of
    /// stemmed matching). Fields the engine adds later get <c>mail_text</c> through a dynamic template. Prefix
    /// queries use <c>index_prefixes</c> (1 to 10 characters), so a prefix is a term lookup rather than an expansion
    /// over the dictionary. Scoring is never used, so norms are off; the source is not stored: the index only
    /// answers which documents match, and the engine keeps the messages.
    /// </summary>
    public static string Body(string index, int shards, int replicas, IReadOnlyDictionary<string, string> analyzers)
    {
        string Field(string name) => $$"""
                    "{{name}}": { "type": "text", "analyzer": "{{(analyzers.TryGetValue(name, out var analyzer) ? analyzer : "mail_text")}}", "norms": false, "position_increment_gap": 100, "copy_to": "all", "index_prefixes": { "min_chars": 1, "max_chars": 10 } }
        """.Trim();
        var known = string.Join(",\n                    ", EngineFields.Select(Field));
        return $$"""
        {
          "index_patterns": [ "{{index}}" ],
          "priority": 500,
          "template": {
            "settings": {
              "number_of_shards": {{shards.ToString(CultureInfo.InvariantCulture)}},
              "number_of_replicas": {{replicas.ToString(CultureInfo.InvariantCulture)}},
              "analysis": {
                "analyzer": {
                  "mail_text": { "type": "custom", "tokenizer": "standard", "filter": [ "lowercase", "asciifolding" ] }
                }
              }
            },
            "mappings": {
              "_source": { "enabled": false },
              "_routing": { "required": true },
              "dynamic": "strict",
              "properties": {
                "account": { "type": "long" },
                "doc": { "type": "long" },
                "all": { "type": "text", "analyzer": "mail_text", "norms": false, "position_increment_gap": 100, "index_prefixes": { "min_chars": 1, "max_chars": 10 } },
                "fields": {
                  "type": "object",
                  "dynamic": true,
                  "properties": {
                    {{known}}
                  }
                }
              },
              "dynamic_templates": [
                {
                  "other_text_fields": {
                    "path_match": "fields.*",
                    "match_mapping_type": "string",
                    "mapping": { "type": "text", "analyzer": "mail_text", "norms": false, "position_increment_gap": 100, "copy_to": "all", "index_prefixes": { "min_chars": 1, "max_chars": 10 } }
                  }
                }
              ]
            }
          }
        }
        """;
    }

    /// <summary>The fields the engine indexes (see <see cref="Storage.FullTextFieldNames"/>).</summary>
    public static IReadOnlyList<string> EngineFields { get; } =
    [
        Storage.FullTextFieldNames.From, Storage.FullTextFieldNames.To, Storage.FullTextFieldNames.Cc, Storage.FullTextFieldNames.Bcc,
        Storage.FullTextFieldNames.Subject, Storage.FullTextFieldNames.Body, Storage.FullTextFieldNames.Attachment,
    ];
}
