namespace Mail.Host.Storage;

/// <summary>How a <see cref="FullTextFilter.Match"/> compares its text with a field.</summary>
public enum TextMatchKind
{
    /// <summary>Every word of the text occurs in the field, in any order.</summary>
    Words,

    /// <summary>The words of the text occur in the field one after the other, in that order.</summary>
    Phrase,

    /// <summary>Some word of the field starts with the text (a single word).</summary>
    Prefix,
}
