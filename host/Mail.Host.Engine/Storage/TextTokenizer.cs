using System.Globalization;
using System.Text;

namespace Mail.Host.Engine.Storage;

/// <summary>
/// Breaks text into folded terms with their positions. A word is a maximal run of letters and digits, together with
/// the combining marks that follow them; everything else (spaces, punctuation, symbols, emoji, unpaired surrogates)
/// separates words. Documents and queries go through exactly the same rules, so a query finds whatever the folding
/// makes equal.
/// </summary>
/// <remarks>
/// <para>
/// Folding: canonical decomposition (<see cref="NormalizationForm.FormD"/>), every non-spacing mark dropped,
/// composition again (<see cref="NormalizationForm.FormC"/>), then lower case by the invariant culture. Two further
/// folds make upper and lower case spellings meet where lower-casing alone does not: Greek final sigma (ς) becomes σ,
/// since "ΟΔΟΣ" lower-cases to "οδοσ" while the word is written "οδος"; and German ß becomes "ss", since "STRASSE"
/// is how "Straße" is written in capitals.
/// </para>
/// <para>
/// Terms are capped at <see cref="MaxTermLength"/> UTF-16 code units, cut on a character boundary, so that every
/// index key stays short whatever the text holds. Two words that agree on their first
/// <see cref="MaxTermLength"/> folded characters are therefore the same term: a long word still finds itself, at the
/// price of rare false matches between very long words. Only the first <see cref="MaxWordLength"/> code units of a
/// run are folded, which bounds the work a run of millions of letters (a hex dump, a broken encoding) costs.
/// </para>
/// <para>
/// Scripts written without spaces (Chinese, Japanese, Thai) come out as one term per run, capped as above; a prefix
/// query is how such text is found until a dictionary-based word breaker is added.
/// </para>
/// </remarks>
internal static class TextTokenizer
{
    /// <summary>
    /// The longest term, in UTF-16 code units: at most 192 bytes of UTF-8, far under any store's key limit, and longer
    /// than any real word.
    /// </summary>
    public const int MaxTermLength = 64;

    /// <summary>
    /// The most code units of one run that are folded; the rest of the run belongs to the same word but is ignored.
    /// Four times the term cap leaves room for the marks and decompositions folding removes.
    /// </summary>
    public const int MaxWordLength = 4 * MaxTermLength;

    /// <summary>The longest term in UTF-8 bytes: a UTF-16 code unit never takes more than three.</summary>
    public const int MaxTermUtf8Length = 3 * MaxTermLength;

    /// <summary>Splits text into folded terms, in order, each with its position: 0 for the first term, then 1, 2...</summary>
    /// <param name="text">The text; may be <see langword="null"/> and may hold unpaired surrogates.</param>
    /// <returns>The terms and their positions.</returns>
    public static List<(string Term, int Position)> Tokenize(string? text)
    {
        var terms = new List<(string Term, int Position)>();
        if (string.IsNullOrEmpty(text))
        {
            return terms;
        }

        var word = new StringBuilder();
        var inWord = false;
        var ascii = true;
        Span<char> units = stackalloc char[2];

        // Enumerating runes pairs surrogates and turns unpaired ones into U+FFFD, which is not a word character;
        // normalizing the raw text instead would throw on them.
        foreach (var rune in text.EnumerateRunes())
        {
            if (IsWordRune(rune))
            {
                inWord = true;
                if (word.Length + rune.Utf16SequenceLength <= MaxWordLength)
                {
                    word.Append(units[..rune.EncodeToUtf16(units)]);
                    ascii &= rune.IsAscii;
                }
            }
            else if (inWord)
            {
                Emit(terms, word, ascii);
                inWord = false;
                ascii = true;
            }
        }

        if (inWord)
        {
            Emit(terms, word, ascii);
        }

        return terms;
    }

    /// <summary>The distinct folded terms of a query text, in order of first appearance.</summary>
    /// <param name="text">The query text.</param>
    /// <returns>The terms, without repeats.</returns>
    public static List<string> DistinctTerms(string? text)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var terms = new List<string>();
        foreach (var (term, _) in Tokenize(text))
        {
            if (seen.Add(term))
            {
                terms.Add(term);
            }
        }

        return terms;
    }

    private static void Emit(List<(string Term, int Position)> terms, StringBuilder word, bool ascii)
    {
        var raw = word.ToString();
        word.Clear();

        // Plain ASCII has no marks and no decompositions, which makes most mail skip normalization altogether.
        var folded = ascii ? Cap(raw.ToLowerInvariant()) : FoldUnicode(raw);

        // A run made only of marks folds to nothing; it takes no position, so phrases around it stay together.
        if (folded.Length > 0)
        {
            terms.Add((folded, terms.Count));
        }
    }

    private static string FoldUnicode(string raw)
    {
        var decomposed = raw.Normalize(NormalizationForm.FormD);
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
        var lower = stripped.ToString().Normalize(NormalizationForm.FormC).ToLowerInvariant();
        if (lower.Contains('ς', StringComparison.Ordinal) || lower.Contains('ß', StringComparison.Ordinal))
        {
            lower = lower.Replace('ς', 'σ').Replace("ß", "ss", StringComparison.Ordinal);
        }

        return Cap(lower);
    }

    /// <summary>Cuts a term to <see cref="MaxTermLength"/> code units without splitting a surrogate pair.</summary>
    private static string Cap(string term)
    {
        if (term.Length <= MaxTermLength)
        {
            return term;
        }

        var length = char.IsHighSurrogate(term[MaxTermLength - 1]) ? MaxTermLength - 1 : MaxTermLength;
        return term[..length];
    }

    /// <summary>
    /// Combining marks belong to the word they follow: text that arrives decomposed ("e" + U+0301) must not be cut
    /// into pieces before the marks are stripped.
    /// </summary>
    private static bool IsWordRune(Rune rune)
        => Rune.IsLetterOrDigit(rune) || Rune.GetUnicodeCategory(rune) is UnicodeCategory.NonSpacingMark
            or UnicodeCategory.SpacingCombiningMark or UnicodeCategory.EnclosingMark;
}
