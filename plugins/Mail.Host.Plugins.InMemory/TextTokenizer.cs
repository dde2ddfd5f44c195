using System.Globalization;
using System.Text;

namespace Mail.Host.Plugins.InMemory;

/// <summary>
/// Breaks text into folded words: a word is a run of letters and digits (with their combining marks), compared
/// without case or diacritics. Text and queries go through the same rules, so whatever folding is chosen here only
/// has to agree with itself.
/// </summary>
internal static class TextTokenizer
{
    /// <summary>Splits text into folded words, in order.</summary>
    /// <param name="text">The text; may hold unpaired surrogates, which separate words.</param>
    /// <returns>The words.</returns>
    public static List<string> Tokenize(string? text)
    {
        var words = new List<string>();
        if (string.IsNullOrEmpty(text))
        {
            return words;
        }

        var word = new StringBuilder();
        Span<char> units = stackalloc char[2];

        // Enumerating runes pairs surrogates and turns unpaired ones into U+FFFD, which is not a word character;
        // normalizing the raw text instead would throw on them.
        foreach (var rune in text.EnumerateRunes())
        {
            if (IsWordRune(rune))
            {
                word.Append(units[..rune.EncodeToUtf16(units)]);
            }
            else if (word.Length > 0)
            {
                AddFolded(words, word);
            }
        }

        if (word.Length > 0)
        {
            AddFolded(words, word);
        }

        return words;
    }

    private static string Fold(string word)
    {
        var decomposed = word.Normalize(NormalizationForm.FormD);
        var stripped = new StringBuilder(decomposed.Length);
        foreach (var rune in decomposed.EnumerateRunes())
        {
            if (Rune.GetUnicodeCategory(rune) != UnicodeCategory.NonSpacingMark)
            {
                stripped.Append(rune.ToString());
            }
        }

        // Composing again keeps scripts whose letters decompose into parts that are not marks (Hangul) as one
        // character per letter, as they were written.
        return stripped.ToString().Normalize(NormalizationForm.FormC).ToLowerInvariant();
    }

    /// <summary>
    /// Combining marks belong to the word they follow: text that arrives decomposed ("e" + U+0301) must not be cut
    /// into pieces before the marks are stripped.
    /// </summary>
    private static bool IsWordRune(Rune rune)
        => Rune.IsLetterOrDigit(rune) || Rune.GetUnicodeCategory(rune) is UnicodeCategory.NonSpacingMark
            or UnicodeCategory.SpacingCombiningMark or UnicodeCategory.EnclosingMark;

    private static void AddFolded(List<string> words, StringBuilder word)
    {
        var folded = Fold(word.ToString());
        word.Clear();
        if (folded.Length > 0)
        {
            words.Add(folded);
        }
    }
}
