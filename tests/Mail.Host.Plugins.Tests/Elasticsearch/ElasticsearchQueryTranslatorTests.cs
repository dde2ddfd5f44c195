using Xunit;
using System.Text.Json.Nodes;
using Elastic.Clients.Elasticsearch;
using Elastic.Transport;
using Mail.Host.Plugins.Elasticsearch;
using Mail.Host.Storage;

namespace Mail.Host.Plugins.Tests.Elasticsearch;

/// <summary>
/// The engine's full-text filter tree as Elasticsearch query JSON, serialized by the official client exactly as it
/// would be sent. Checked against the query DSL reference; not run against a live Elasticsearch server.
/// </summary>
public sealed class ElasticsearchQueryTranslatorTests
{
    private static readonly ElasticsearchClient Client = new(new ElasticsearchClientSettings(new InMemoryRequestInvoker()));

    [Fact]
    public void Every_query_is_restricted_to_the_account_by_a_filter_on_its_id()
    {
        var query = Json(ElasticsearchQueryTranslator.ForAccount(42, FullTextFilter.Words("subject", "hello")));
        var term = Items(query["bool"]!["filter"]!)[0]!["term"]!["account"]!;
        Assert.Equal(42, (term["value"] ?? term).GetValue<long>());
        Assert.Single(Items(query["bool"]!["must"]!));
    }

    [Fact]
    public void Words_in_a_field_are_a_match_query_needing_every_word_and_matching_nothing_without_words()
    {
        var match = Json(ElasticsearchQueryTranslator.Translate(FullTextFilter.Words("subject", "Quarterly Report")))["match"]!["fields.subject"]!;
        Assert.Equal("Quarterly Report", match["query"]!.GetValue<string>());
        Assert.Equal("and", match["operator"]!.GetValue<string>());
        Assert.Equal("none", match["zero_terms_query"]!.GetValue<string>());
    }

    [Fact]
    public void Words_in_any_field_search_the_copy_of_every_field_so_each_word_may_come_from_another_field()
    {
        var match = Json(ElasticsearchQueryTranslator.Translate(FullTextFilter.Words(null, "alice budget")))["match"]!;
        Assert.Equal("alice budget", match["all"]!["query"]!.GetValue<string>());
        Assert.Equal("and", match["all"]!["operator"]!.GetValue<string>());
    }

    [Fact]
    public void A_phrase_is_a_match_phrase_query_on_the_field()
    {
        var phrase = Json(ElasticsearchQueryTranslator.Translate(FullTextFilter.Phrase("body", "see you tomorrow")))["match_phrase"]!["fields.body"]!;
        Assert.Equal("see you tomorrow", phrase["query"]!.GetValue<string>());
    }

    [Fact]
    public void A_one_word_prefix_is_a_prefix_query_on_the_folded_word()
    {
        var prefix = Json(ElasticsearchQueryTranslator.Translate(FullTextFilter.Prefix("from", "Zoë")))["prefix"]!["fields.from"]!;
        Assert.Equal("zoe", (prefix["value"] ?? prefix).GetValue<string>());
    }

    [Fact]
    public void A_prefix_of_several_words_is_a_span_of_exact_words_in_a_row_ending_in_a_prefix()
    {
        var near = Json(ElasticsearchQueryTranslator.Translate(FullTextFilter.Prefix(null, "Crème Brû")))["span_near"]!;
        Assert.Equal(0, near["slop"]!.GetValue<int>());
        Assert.True(near["in_order"]!.GetValue<bool>());
        var clauses = Items(near["clauses"]!);
        Assert.Equal(2, clauses.Count);
        var first = clauses[0]!["span_term"]!["all"]!;
        Assert.Equal("creme", (first["value"] ?? first).GetValue<string>());
        var last = clauses[1]!["span_multi"]!["match"]!["prefix"]!["all"]!;
        Assert.Equal("bru", (last["value"] ?? last).GetValue<string>());
    }

    [Fact]
    public void A_prefix_without_words_matches_nothing()
        => Assert.NotNull(Json(ElasticsearchQueryTranslator.Translate(FullTextFilter.Prefix("subject", " - ")))["match_none"]);

    [Fact]
    public void And_or_and_not_become_bool_queries_with_the_empty_cases_of_the_contract()
    {
        var tree = FullTextFilter.AllOf(
            FullTextFilter.Words("subject", "a"),
            FullTextFilter.AnyOf(FullTextFilter.Words("to", "b"), FullTextFilter.Words("cc", "c")),
            FullTextFilter.NoneOf(FullTextFilter.Phrase("body", "d e")));
        var and = Items(Json(ElasticsearchQueryTranslator.Translate(tree))["bool"]!["filter"]!);
        Assert.Equal(3, and.Count);
        Assert.NotNull(and[0]!["match"]!["fields.subject"]);
        var or = and[1]!["bool"]!;
        Assert.Equal(2, Items(or["should"]!).Count);
        Assert.Equal(1, or["minimum_should_match"]!.GetValue<int>());
        Assert.NotNull(Items(and[2]!["bool"]!["must_not"]!)[0]!["match_phrase"]!["fields.body"]);

        Assert.NotNull(Json(ElasticsearchQueryTranslator.Translate(FullTextFilter.AllOf()))["match_all"]);
        Assert.NotNull(Json(ElasticsearchQueryTranslator.Translate(FullTextFilter.AnyOf()))["match_none"]);
    }

    [Fact]
    public void Field_names_with_dots_do_not_become_object_paths()
        => Assert.Equal("fields.x_y", ElasticsearchQueryTranslator.FieldPath("x.y"));

    [Theory]
    [InlineData("Héllo, Wörld!", "hello world")]
    [InlineData("naïve café-au-lait 2026", "naive cafe au lait 2026")]
    [InlineData("  ", "")]
    public void Prefix_words_are_folded_as_the_index_analyzer_folds_them(string text, string expected)
        => Assert.Equal(expected, string.Join(' ', ElasticsearchQueryTranslator.FoldedWords(text)));

    /// <summary>The clauses of a bool query or span: the query DSL takes one clause as the object itself, several as an array.</summary>
    internal static IReadOnlyList<JsonNode?> Items(JsonNode node) => node is JsonArray array ? [.. array] : [node];

    private static JsonNode Json(Elastic.Clients.Elasticsearch.QueryDsl.Query query)
    {
        using var buffer = new MemoryStream();
        Client.RequestResponseSerializer.Serialize(query, buffer);
        return JsonNode.Parse(buffer.ToArray())!;
    }
}
