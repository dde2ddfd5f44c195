using System.Globalization;
using System.Text;
using Elastic.Clients.Elasticsearch.QueryDsl;
using Mail.Host.Storage;

namespace Mail.Host.Plugins.Elasticsearch;

/// <summary>
/// Turns the engine's full-text filter tree into an Elasticsearch query over the index this plugin maps (see
/// <see cref="ElasticsearchIndexTemplate"/>): one document per message with the account and document ids as
/// <c>long</c> fields, every text field under <c>fields.NAME</c>, and every value also copied into <c>all</c>.
/// </summary>
internal static class ElasticsearchQueryTranslator
{
    /// <summary>The field holding the owning account id.</summary>
    public const string AccountField = "account";

    /// <summary>The field holding the document id within the account.</summary>
    public const string DocumentField = "doc";

    /// <summary>The field every text value is copied into, searched when a match names no field.</summary>
    public const string AllField = "all";

    /// <summary>The object the named text fields live under.</summary>
    public const string FieldsObject = "fields";

    /// <summary>The query for one account's documents matching <paramref name="filter"/>.</summary>
    public static Query ForAccount(ulong accountId, FullTextFilter filter)
        => new BoolQuery
        {
            Filter = [new TermQuery(AccountField, FieldValue(accountId))],
            Must = [Translate(filter)],
        };

    /// <summary>The query for a filter, without the account restriction.</summary>
    public static Query Translate(FullTextFilter filter) => filter switch
    {
        FullTextFilter.And { Operands.Count: 0 } => new MatchAllQuery(),
        FullTextFilter.And and => new BoolQuery { Filter = [.. and.Operands.Select(Translate)] },
        FullTextFilter.Or { Operands.Count: 0 } => new MatchNoneQuery(),
        FullTextFilter.Or or => new BoolQuery { Should = [.. or.Operands.Select(Translate)], MinimumShouldMatch = 1 },

        // A bool query with only must_not matches every document but those; the account filter around it keeps
        // the complement within the account, as the contract says.
        FullTextFilter.Not not => new BoolQuery { MustNot = [Translate(not.Operand)] },
        FullTextFilter.Match match => Translate(match),
        _ => throw new ArgumentException($"Unknown full-text filter {filter.GetType().Name}.", nameof(filter)),
    };

    /// <summary>The index field a match names: <c>fields.NAME</c>, or <c>all</c> when it names none.</summary>
    public static string FieldPath(string? field) => field is null ? AllField : FieldsObject + "." + FieldName(field);

    /// <summary>
    /// A field name as stored: a dot would make Elasticsearch read the name as a path into objects, so dots become
    /// underscores (the engine's names have none).
    /// </summary>
    public static string FieldName(string field) => field.Replace('.', '_');

    /// <summary>
    /// Splits text into words folded the way the index's analyzer folds them (Unicode decomposition with combining
    /// marks removed, lower case; letters and digits make words, everything else separates them). Used only for
    /// prefixes, which Elasticsearch does not analyze; words and phrases are analyzed by the server itself.
    /// </summary>
    public static IReadOnlyList<string> FoldedWords(string text)
    {
        var words = new List<string>();
        var word = new StringBuilder();
        foreach (var c in text.Normalize(NormalizationForm.FormD))
        {
            var category = CharUnicodeInfo.GetUnicodeCategory(c);
            if (category is UnicodeCategory.NonSpacingMark or UnicodeCategory.SpacingCombiningMark or UnicodeCategory.EnclosingMark)
            {
                continue;
            }

            if (char.IsLetterOrDigit(c))
            {
                word.Append(char.ToLowerInvariant(c));
            }
            else if (word.Length > 0)
            {
                words.Add(word.ToString());
                word.Clear();
            }
        }

        if (word.Length > 0)
        {
            words.Add(word.ToString());
        }

        return words;
    }

    private static Query Translate(FullTextFilter.Match match)
    {
        var field = FieldPath(match.Field);
        switch (match.Kind)
        {
            case TextMatchKind.Words:
                // With no field named, "all" holds every field's words, so each word may come from a different
                // field; zero_terms_query none makes a text without words match nothing.
                return new MatchQuery(field, match.Text) { Operator = Operator.And, ZeroTermsQuery = ZeroTermsQuery.None };
            case TextMatchKind.Phrase:
                // Values are indexed with a position gap between them, so a phrase never runs from one value (or,
                // in "all", one field) into the next.
                return new MatchPhraseQuery(field, match.Text) { ZeroTermsQuery = ZeroTermsQuery.None };
            case TextMatchKind.Prefix:
                var words = FoldedWords(match.Text);
                if (words.Count == 0)
                {
                    return new MatchNoneQuery();
                }

                if (words.Count == 1)
                {
                    return new PrefixQuery(field, words[0]);
                }

                // Several words: the leading ones exactly and in a row, the last as a prefix right after them.
                var clauses = new List<SpanQuery>();
                foreach (var word in words.Take(words.Count - 1))
                {
                    clauses.Add(new SpanQuery { SpanTerm = new SpanTermQuery(field, word) });
                }

                clauses.Add(new SpanQuery { SpanMulti = new SpanMultiTermQuery(new PrefixQuery(field, words[^1])) });
                return new SpanNearQuery(clauses) { Slop = 0, InOrder = true };
            default:
                throw new ArgumentException($"Unknown text match kind {match.Kind}.", nameof(match));
        }
    }

    /// <summary>An id as the <c>long</c> the index stores (ids above <see cref="long.MaxValue"/> wrap, and wrap back on reading).</summary>
    public static Elastic.Clients.Elasticsearch.FieldValue FieldValue(ulong id) => unchecked((long)id);
}
