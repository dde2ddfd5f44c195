using Mail.Host.Manifest;
using Xunit;

namespace Mail.Host.Tests;

public sealed class KeySuggesterTests
{
    private static readonly string[] TopLevel = ["Server", "Http", "Plugins", "Stores", "Roles", "Directories", "Authentication", "Listeners", "Logging"];

    [Theory]
    [InlineData("Plugin", "Plugins")]
    [InlineData("Servr", "Server")]
    [InlineData("Listners", "Listeners")]
    [InlineData("Directorys", "Directories")]
    [InlineData("Htp", "Http")]
    public void A_typo_suggests_the_nearest_key(string typed, string expected)
        => Assert.Equal(expected, KeySuggester.Nearest(typed, TopLevel));

    [Theory]
    [InlineData("Sevrer", "Server")]
    [InlineData("Stoers", "Stores")]
    [InlineData("Rloes", "Roles")]
    public void A_transposition_suggests_the_intended_key(string typed, string expected)
        => Assert.Equal(expected, KeySuggester.Nearest(typed, TopLevel));

    [Theory]
    [InlineData("server", "Server")]
    [InlineData("PLUGINS", "Plugins")]
    [InlineData("aUTHENTICATION", "Authentication")]
    public void Case_alone_is_no_distance_and_the_suggestion_keeps_the_schema_spelling(string typed, string expected)
        => Assert.Equal(expected, KeySuggester.Nearest(typed, TopLevel));

    [Theory]
    [InlineData("Zzzzzzzz")]
    [InlineData("Q")]
    [InlineData("Certificates")]
    public void Nothing_near_suggests_nothing(string typed)
        => Assert.Null(KeySuggester.Nearest(typed, TopLevel));

    [Fact]
    public void No_candidates_suggests_nothing()
        => Assert.Null(KeySuggester.Nearest("Server", []));

    [Theory]
    [InlineData("server", "server", 0)]
    [InlineData("sevrer", "server", 1)]
    [InlineData("plugin", "plugins", 1)]
    [InlineData("kitten", "sitting", 3)]
    [InlineData("", "abc", 3)]
    [InlineData("ab", "ba", 1)]
    public void Distance_counts_edits_with_an_adjacent_transposition_as_one(string a, string b, int expected)
        => Assert.Equal(expected, KeySuggester.Distance(a, b));
}
