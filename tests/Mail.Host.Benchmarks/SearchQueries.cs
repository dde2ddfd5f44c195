using Mail.Host.Storage;

namespace Mail.Host.Benchmarks;

/// <summary>
/// The measured queries, over any field as a search box sends them. The terms were picked from the generated mail
/// (<c>--describe</c> prints how many of the messages each one matches) to cover the cases an inverted index
/// handles differently: a common posting list, the intersection of two, positions for a phrase, a scan of many terms
/// for a prefix, and a posting list of a handful of entries.
/// </summary>
internal static class SearchQueries
{
    /// <summary>A word of the vocabulary's long tail, in about a sixth of the messages.</summary>
    public static readonly FullTextFilter SingleWord = FullTextFilter.Words(null, "warehouse");

    /// <summary>Two words each in about a third of the messages, both required.</summary>
    public static readonly FullTextFilter TwoWordAnd = FullTextFilter.AllOf(FullTextFilter.Words(null, "security"), FullTextFilter.Words(null, "deadline"));

    /// <summary>A set phrase of common words, so the positions of large posting lists are compared.</summary>
    public static readonly FullTextFilter Phrase = FullTextFilter.Phrase(null, "quarterly budget review");

    /// <summary>A prefix four vocabulary words share (approval, approved, approach, approximately).</summary>
    public static readonly FullTextFilter Prefix = FullTextFilter.Prefix(null, "appro");

    /// <summary>A word in about one message in a thousand.</summary>
    public static readonly FullTextFilter RareTerm = FullTextFilter.Words(null, "kingfisher");

    /// <summary>The queries by benchmark name, with how they read in a search box, for the dataset description.</summary>
    public static IReadOnlyList<(string Name, string Text, FullTextFilter Filter)> All { get; } =
    [
        (nameof(SingleWord), "warehouse", SingleWord),
        (nameof(TwoWordAnd), "security deadline", TwoWordAnd),
        (nameof(Phrase), "\"quarterly budget review\"", Phrase),
        (nameof(Prefix), "appro*", Prefix),
        (nameof(RareTerm), "kingfisher", RareTerm),
    ];
}
