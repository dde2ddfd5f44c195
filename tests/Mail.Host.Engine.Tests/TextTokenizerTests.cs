using Mail.Host.Engine.Storage;
using Xunit;

namespace Mail.Host.Engine.Tests;

/// <summary>How text is broken into folded terms, for documents and queries alike.</summary>
public sealed class TextTokenizerTests
{
    [Fact]
    public void Words_are_runs_of_letters_and_digits_numbered_in_order()
    {
        var tokens = TextTokenizer.Tokenize("Re: budget/forecast (draft) -- 2024, v2!");

        Assert.Equal([("re", 0), ("budget", 1), ("forecast", 2), ("draft", 3), ("2024", 4), ("v2", 5)], tokens);
    }

    [Fact]
    public void Case_and_diacritics_are_folded()
    {
        Assert.Equal(["cafe", "zurich", "naive", "resume"], Terms("Café ZÜRICH naïve RÉSUMÉ"));
        Assert.Equal(["cafe"], Terms("Cafe\u0301"));
        Assert.Equal(Terms("crème brûlée"), Terms("CREME BRULEE"));
    }

    [Fact]
    public void Other_scripts_fold_case_and_accents()
    {
        Assert.Equal(["καλημερα", "κοσμε"], Terms("Καλημέρα ΚΌΣΜΕ"));
        Assert.Equal(["привет", "мир"], Terms("Привет МИР"));
        Assert.Equal(["東京都", "日本"], Terms("東京都、日本"));
        Assert.Equal(["한국어"], Terms("한국어"));
        Assert.Equal(["مرحبا"], Terms("مرحبا!"));
    }

    [Fact]
    public void Greek_final_sigma_and_sharp_s_fold_like_their_capitals()
    {
        Assert.Equal(Terms("ΟΔΟΣ"), Terms("οδός"));
        Assert.Equal(["οδοσ"], Terms("οδός"));
        Assert.Equal(Terms("STRASSE"), Terms("Straße"));
    }

    [Fact]
    public void Digits_are_words_and_stay_with_the_letters_they_touch()
    {
        Assert.Equal(["12345", "for", "2024"], Terms("12345 for 2024"));
        Assert.Equal(["abc123", "4x4"], Terms("ABC123 4x4"));
        Assert.Equal(["3", "14"], Terms("3.14"));
        Assert.Equal(["٣٤"], Terms("٣٤"));
    }

    [Fact]
    public void Letters_outside_the_basic_plane_stay_whole_and_fold_case()
    {
        // Deseret capital letters fold to the small ones, each a surrogate pair.
        Assert.Equal(["\U00010428\U00010429", "word"], Terms("\U00010400\U00010401 word"));
        Assert.Equal(["𝒜𝒷𝒸"], Terms("𝒜𝒷𝒸"));
    }

    [Fact]
    public void Emoji_and_unpaired_surrogates_separate_words_without_failing()
    {
        Assert.Equal(["alpha", "beta", "gamma", "delta"], Terms("alpha\uD800beta gamma\U0001F600delta"));
        Assert.Equal(["family"], Terms("\U0001F468\u200D\U0001F469\u200D\U0001F467 family \uDC00"));
        Assert.Empty(Terms("\U0001F600\U0001F601 \uD83D"));
    }

    [Fact]
    public void Long_words_are_cut_to_the_term_cap_without_splitting_a_character()
    {
        var letters = Terms(new string('a', 1000));
        Assert.Equal(new string('a', TextTokenizer.MaxTermLength), Assert.Single(letters));

        // An odd start puts a surrogate pair across the cap: the pair is dropped whole.
        var pairs = Assert.Single(Terms("b" + string.Concat(Enumerable.Repeat("\U00010428", 100))));
        Assert.Equal(TextTokenizer.MaxTermLength - 1, pairs.Length);
        Assert.False(char.IsHighSurrogate(pairs[^1]));

        Assert.Equal(Terms(new string('a', 64) + "b"), Terms(new string('a', 64) + "c"));
        Assert.NotEqual(Terms(new string('a', 63) + "b"), Terms(new string('a', 63) + "c"));
    }

    [Fact]
    public void A_long_word_keeps_its_place_for_the_words_after_it()
    {
        var tokens = TextTokenizer.Tokenize($"start {new string('x', 10_000)} end");

        Assert.Equal(["start", new string('x', TextTokenizer.MaxTermLength), "end"], tokens.Select(t => t.Term));
        Assert.Equal([0, 1, 2], tokens.Select(t => t.Position));
    }

    [Fact]
    public void Marks_alone_make_no_word_and_take_no_position()
    {
        var tokens = TextTokenizer.Tokenize("one \u0301\u0308 two");

        Assert.Equal([("one", 0), ("two", 1)], tokens);
    }

    [Fact]
    public void Nothing_comes_of_empty_or_missing_text()
    {
        Assert.Empty(TextTokenizer.Tokenize(null));
        Assert.Empty(TextTokenizer.Tokenize(string.Empty));
        Assert.Empty(TextTokenizer.Tokenize(" -- ?! "));
    }

    [Fact]
    public void Distinct_terms_drop_repeats_and_keep_first_order()
    {
        Assert.Equal(["the", "cat", "hat"], TextTokenizer.DistinctTerms("The cat, THE hat, the cat"));
    }

    [Fact]
    public void No_term_holds_a_zero_byte_or_exceeds_the_utf8_cap()
    {
        var text = string.Concat(Enumerable.Range(0, 0x3000).Select(c => (char)c)) + " \0abc\0 " + new string('\uFFEE', 300);
        foreach (var (term, _) in TextTokenizer.Tokenize(text))
        {
            Assert.DoesNotContain('\0', term);
            Assert.InRange(System.Text.Encoding.UTF8.GetByteCount(term), 1, TextTokenizer.MaxTermUtf8Length);
        }
    }

    private static List<string> Terms(string text) => [.. TextTokenizer.Tokenize(text).Select(t => t.Term)];
}
