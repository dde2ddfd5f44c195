namespace Mail.Host.Storage;

/// <summary>
/// How a <see cref="FullTextFilter.Match"/> compares its text with a field. Text is compared after Unicode
/// normalization, case folding and diacritics folding; a query text with no words matches nothing.
/// </summary>
public enum TextMatchKind
{
    /// <summary>Every word of the text occurs in the field, in any order; with no field named, each word may occur in a different field.</summary>
    Words,

    /// <summary>
    /// The words of the text occur in the field one after the other, in that order, within one value of one field: a
    /// phrase never runs across two values of a repeated field or from one field into another.
    /// </summary>
    Phrase,

    /// <summary>Some word of the field starts with the text; a text of several words matches them in a row, the last as a prefix.</summary>
    Prefix,
}
