using Mail.Host.Storage;
using Xunit;

namespace Mail.Host.Conformance;

/// <summary>
/// The behaviour every <see cref="IFullTextStore"/> must show. A backend's test class inherits this class and opens
/// a fresh, empty store instance in <see cref="OpenStoreAsync"/>; every test then runs against that instance.
/// </summary>
public abstract class FullTextStoreConformance : IAsyncLifetime
{
    /// <summary>The account most tests index into.</summary>
    protected const ulong Account = 1;

    /// <summary>A second account, for isolation checks.</summary>
    protected const ulong OtherAccount = 2;

    private const string Subject = FullTextFieldNames.Subject;
    private const string Body = FullTextFieldNames.Body;
    private const string From = FullTextFieldNames.From;

    private IStoreInstance? instance;

    /// <summary>The full-text role of the instance opened for the current test.</summary>
    protected IFullTextStore Store
        => instance?.FullText ?? throw new InvalidOperationException("The store is opened by InitializeAsync before each test.");

    /// <summary>
    /// Opens a new, empty store instance that serves the full-text role. Called once per test; the instance is
    /// disposed after the test. A server-backed store creates a new index or database here.
    /// </summary>
    /// <returns>The open instance.</returns>
    protected abstract ValueTask<IStoreInstance> OpenStoreAsync();

    /// <summary>Opens the store for the next test.</summary>
    /// <returns>A task that completes when the store is open.</returns>
    public virtual async Task InitializeAsync()
    {
        instance = await OpenStoreAsync().ConfigureAwait(false);
        Assert.True(instance.FullText is not null, "OpenStoreAsync must return an instance that serves the full-text role.");
    }

    /// <summary>Disposes the store opened for the test.</summary>
    /// <returns>A task that completes when the store is closed.</returns>
    public virtual async Task DisposeAsync()
    {
        if (instance is not null)
        {
            await instance.DisposeAsync().ConfigureAwait(false);
            instance = null;
        }
    }

    /// <summary>
    /// A store that looks inside words (<see cref="IFullTextStore.QueryWordsContainingAsync"/> not <see langword="null"/>)
    /// gives at least every document of the account with a word containing the fragment at its start, inside it or at
    /// its end, without case, in the named field or in any field, ascending, and none of another account. A store that
    /// cannot (the default) answers <see langword="null"/>, which passes.
    /// </summary>
    /// <returns>A task that completes with the test.</returns>
    [Fact]
    public async Task Words_containing_a_fragment_include_every_document_with_such_a_word_when_the_store_answers()
    {
        await IndexAsync(Account, 1, (Subject, "Hello there"), (Body, "plain text"));
        await IndexAsync(Account, 2, (Body, "a seashell on the shore"));
        await IndexAsync(Account, 3, (Body, "yellow paint"));
        await IndexAsync(Account, 4, (Body, "nothing to see"));
        await IndexAsync(OtherAccount, 5, (Body, "hello"));

        if (await Store.QueryWordsContainingAsync(Account, null, "ELL").ConfigureAwait(false) is not { } any)
        {
            return;
        }

        Assert.Equal([.. any.Order()], any);
        Assert.Subset(new HashSet<ulong>(any), new HashSet<ulong> { 1, 2, 3 });
        Assert.DoesNotContain(5UL, any);
        var body = await Store.QueryWordsContainingAsync(Account, Body, "ell").ConfigureAwait(false);
        Assert.NotNull(body);
        Assert.Subset(new HashSet<ulong>(body), new HashSet<ulong> { 2, 3 });
        var whole = await Store.QueryWordsContainingAsync(Account, Subject, "hello").ConfigureAwait(false);
        Assert.NotNull(whole);
        Assert.Contains(1UL, whole);
    }

    /// <summary>Every word of the query found in the named field matches, whatever their order.</summary>
    /// <returns>A task that completes with the test.</returns>
    [Fact]
    public async Task Words_in_a_named_field_match_in_any_order()
    {
        await IndexAsync(Account, 1, (Subject, "Quarterly budget review meeting"));
        await IndexAsync(Account, 2, (Subject, "Holiday party"));

        await ExpectAsync(Account, FullTextFilter.Words(Subject, "meeting budget"), 1);
        await ExpectAsync(Account, FullTextFilter.Words(Subject, "review"), 1);
    }

    /// <summary>
    /// A query limited to candidates gives the candidates the whole query matches, ascending, and nothing of another
    /// account, whether the candidates are few or many, and for words, phrases, prefixes and negations.
    /// </summary>
    /// <returns>A task that completes with the test.</returns>
    [Fact]
    public async Task A_query_limited_to_candidates_keeps_the_matching_candidates()
    {
        for (ulong id = 1; id <= 40; id++)
        {
            await IndexAsync(Account, id, (Subject, id % 2 == 0 ? $"budget review {id}" : $"holiday plans {id}"), (Body, id % 3 == 0 ? "quarterly budget figures" : "nothing to see"));
        }

        await IndexAsync(OtherAccount, 2, (Subject, "budget review"));
        var filters = new[]
        {
            FullTextFilter.Words(Subject, "budget"),
            FullTextFilter.Words(null, "budget"),
            FullTextFilter.Phrase(Body, "quarterly budget"),
            FullTextFilter.Prefix(Subject, "holi"),
            FullTextFilter.AllOf(FullTextFilter.Words(null, "budget"), FullTextFilter.NoneOf(FullTextFilter.Words(Body, "quarterly"))),
        };
        var candidateSets = new[] { new ulong[] { 2, 3, 6, 99 }, [.. Enumerable.Range(1, 40).Select(i => (ulong)i).Where(i => i % 5 != 0)], [] };
        foreach (var filter in filters)
        {
            var all = await Store.QueryAsync(Account, filter);
            foreach (var candidates in candidateSets)
            {
                var limited = await Store.QueryAsync(Account, filter, candidates);
                Assert.Equal(all.Where(id => Array.IndexOf(candidates, id) >= 0).Order(), limited);
            }
        }
    }

    /// <summary>A document matches only when every word of the query occurs in it.</summary>
    /// <returns>A task that completes with the test.</returns>
    [Fact]
    public async Task Every_word_must_occur_for_a_document_to_match()
    {
        await IndexAsync(Account, 1, (Subject, "Quarterly budget review meeting"));

        await ExpectAsync(Account, FullTextFilter.Words(Subject, "budget holiday"));
        await ExpectAsync(Account, FullTextFilter.Words(null, "budget holiday"));
    }

    /// <summary>Words match whole words, not parts of longer words.</summary>
    /// <returns>A task that completes with the test.</returns>
    [Fact]
    public async Task Words_match_whole_words_not_parts_of_words()
    {
        await IndexAsync(Account, 1, (Subject, "category overview"));

        await ExpectAsync(Account, FullTextFilter.Words(Subject, "cat"));
        await ExpectAsync(Account, FullTextFilter.Words(Subject, "view"));
        await ExpectAsync(Account, FullTextFilter.Words(Subject, "category"), 1);
    }

    /// <summary>With no field, words are found in whichever field holds them, and each document comes once.</summary>
    /// <returns>A task that completes with the test.</returns>
    [Fact]
    public async Task Words_with_no_field_match_in_any_field()
    {
        await IndexAsync(Account, 1, (Subject, "invoice attached"), (Body, "please find the invoice"));
        await IndexAsync(Account, 2, (Body, "the invoice is overdue"));
        await IndexAsync(Account, 3, (From, "invoice department"));
        await IndexAsync(Account, 4, (Subject, "lunch"));

        await ExpectAsync(Account, FullTextFilter.Words(null, "invoice"), 1, 2, 3);
        await ExpectAsync(Account, FullTextFilter.Words(null, "invoice overdue"), 2);
    }

    /// <summary>A word that occurs only in another field does not match a query on a named field.</summary>
    /// <returns>A task that completes with the test.</returns>
    [Fact]
    public async Task A_word_in_another_field_does_not_match_a_field_specific_query()
    {
        await IndexAsync(Account, 1, (Subject, "weekly report"), (Body, "numbers inside"));
        await IndexAsync(Account, 2, (Body, "weekly numbers"));

        await ExpectAsync(Account, FullTextFilter.Words(Subject, "numbers"));
        await ExpectAsync(Account, FullTextFilter.Words(Subject, "weekly"), 1);
        await ExpectAsync(Account, FullTextFilter.Words(Body, "weekly"), 2);
        await ExpectAsync(Account, FullTextFilter.Words(FullTextFieldNames.Attachment, "weekly"));
    }

    /// <summary>A field name may repeat in a document; every value is searchable under that name.</summary>
    /// <returns>A task that completes with the test.</returns>
    [Fact]
    public async Task A_repeated_field_name_makes_every_value_searchable()
    {
        await IndexAsync(Account, 1, (FullTextFieldNames.To, "Alice Martin"), (FullTextFieldNames.To, "Bob Keller"));

        await ExpectAsync(Account, FullTextFilter.Words(FullTextFieldNames.To, "alice"), 1);
        await ExpectAsync(Account, FullTextFilter.Words(FullTextFieldNames.To, "keller"), 1);
        await ExpectAsync(Account, FullTextFilter.Phrase(FullTextFieldNames.To, "bob keller"), 1);
    }

    /// <summary>Stores treat field names as opaque: a name the engine does not use works like any other.</summary>
    /// <returns>A task that completes with the test.</returns>
    [Fact]
    public async Task Field_names_outside_the_engine_list_work_like_any_other()
    {
        await IndexAsync(Account, 1, ("x-custom", "orchid"), (Subject, "tulip"));

        await ExpectAsync(Account, FullTextFilter.Words("x-custom", "orchid"), 1);
        await ExpectAsync(Account, FullTextFilter.Words("x-custom", "tulip"));
        await ExpectAsync(Account, FullTextFilter.Words(null, "orchid"), 1);
    }

    /// <summary>A query with other case and without diacritics finds text written with them.</summary>
    /// <returns>A task that completes with the test.</returns>
    [Fact]
    public async Task A_query_finds_text_regardless_of_case_and_diacritics()
    {
        await IndexAsync(Account, 1, (Subject, "Café Zürich"));

        await ExpectAsync(Account, FullTextFilter.Words(Subject, "cafe zurich"), 1);
        await ExpectAsync(Account, FullTextFilter.Words(Subject, "CAFÉ"), 1);
        await ExpectAsync(Account, FullTextFilter.Words(Subject, "ZURICH"), 1);
        await ExpectAsync(Account, FullTextFilter.Words(null, "café zürich"), 1);
    }

    /// <summary>A query with diacritics finds text written without them, in any case.</summary>
    /// <returns>A task that completes with the test.</returns>
    [Fact]
    public async Task Text_without_diacritics_is_found_by_a_query_with_them()
    {
        await IndexAsync(Account, 1, (Body, "CAFE ZURICH naive resume"));

        await ExpectAsync(Account, FullTextFilter.Words(Body, "Café Zürich"), 1);
        await ExpectAsync(Account, FullTextFilter.Words(Body, "naïve résumé"), 1);
    }

    /// <summary>Greek and Cyrillic words match without case or accents.</summary>
    /// <returns>A task that completes with the test.</returns>
    [Fact]
    public async Task Greek_and_Cyrillic_words_match_without_case_or_accents()
    {
        await IndexAsync(Account, 1, (Subject, "Καλημέρα κόσμε"));
        await IndexAsync(Account, 2, (Subject, "Привет мир"));

        await ExpectAsync(Account, FullTextFilter.Words(Subject, "καλημερα"), 1);
        await ExpectAsync(Account, FullTextFilter.Words(Subject, "ΚΌΣΜΕ"), 1);
        await ExpectAsync(Account, FullTextFilter.Words(Subject, "привет"), 2);
        await ExpectAsync(Account, FullTextFilter.Words(Subject, "МИР"), 2);
        await ExpectAsync(Account, FullTextFilter.Words(Subject, "мир καλημέρα"));
    }

    /// <summary>Numbers are words: they match whole, not in part.</summary>
    /// <returns>A task that completes with the test.</returns>
    [Fact]
    public async Task Numbers_are_words_too()
    {
        await IndexAsync(Account, 1, (Subject, "Invoice 12345 for 2024"));

        await ExpectAsync(Account, FullTextFilter.Words(Subject, "12345"), 1);
        await ExpectAsync(Account, FullTextFilter.Words(Subject, "2024 invoice"), 1);
        await ExpectAsync(Account, FullTextFilter.Words(Subject, "1234"));
    }

    /// <summary>Spaces and punctuation separate words, in the text and in the query alike.</summary>
    /// <returns>A task that completes with the test.</returns>
    [Fact]
    public async Task Punctuation_separates_words()
    {
        await IndexAsync(Account, 1, (Subject, "Re: budget/forecast (draft) -- please review!"));

        await ExpectAsync(Account, FullTextFilter.Words(Subject, "forecast"), 1);
        await ExpectAsync(Account, FullTextFilter.Words(Subject, "draft, review?"), 1);
        await ExpectAsync(Account, FullTextFilter.Phrase(Subject, "budget forecast draft"), 1);
    }

    /// <summary>A phrase matches its words one after the other, in order.</summary>
    /// <returns>A task that completes with the test.</returns>
    [Fact]
    public async Task A_phrase_matches_consecutive_words_in_order()
    {
        await IndexAsync(Account, 1, (Body, "The quick brown fox jumps over the lazy dog"));

        await ExpectAsync(Account, FullTextFilter.Phrase(Body, "quick brown fox"), 1);
        await ExpectAsync(Account, FullTextFilter.Phrase(Body, "LAZY DOG"), 1);
        await ExpectAsync(Account, FullTextFilter.Phrase(Body, "fox"), 1);
    }

    /// <summary>A phrase does not match its words out of order or with other words between them.</summary>
    /// <returns>A task that completes with the test.</returns>
    [Fact]
    public async Task A_phrase_does_not_match_words_out_of_order_or_apart()
    {
        await IndexAsync(Account, 1, (Body, "The quick brown fox jumps over the lazy dog"));

        await ExpectAsync(Account, FullTextFilter.Phrase(Body, "brown quick"));
        await ExpectAsync(Account, FullTextFilter.Phrase(Body, "quick fox"));
        await ExpectAsync(Account, FullTextFilter.Phrase(Body, "dog lazy"));
        await ExpectAsync(Account, FullTextFilter.Words(Body, "dog quick"), 1);
    }

    /// <summary>A phrase with no field is found in whichever field holds it, and only in a field of the one asked for.</summary>
    /// <returns>A task that completes with the test.</returns>
    [Fact]
    public async Task A_phrase_is_found_in_the_field_asked_for_or_in_any_field()
    {
        await IndexAsync(Account, 1, (Subject, "project kickoff"), (Body, "agenda for the project kickoff call"));
        await IndexAsync(Account, 2, (Body, "kickoff project"));

        await ExpectAsync(Account, FullTextFilter.Phrase(null, "project kickoff"), 1);
        await ExpectAsync(Account, FullTextFilter.Phrase(Body, "kickoff call"), 1);
        await ExpectAsync(Account, FullTextFilter.Phrase(Subject, "kickoff call"));
    }

    /// <summary>A prefix matches words that start with it, whatever the case and diacritics.</summary>
    /// <returns>A task that completes with the test.</returns>
    [Fact]
    public async Task A_prefix_matches_the_start_of_a_word()
    {
        await IndexAsync(Account, 1, (Subject, "Budget for Zürich office 12345"));
        await IndexAsync(Account, 2, (Subject, "Building plans"));

        await ExpectAsync(Account, FullTextFilter.Prefix(Subject, "budg"), 1);
        await ExpectAsync(Account, FullTextFilter.Prefix(Subject, "BU"), 1, 2);
        await ExpectAsync(Account, FullTextFilter.Prefix(Subject, "zur"), 1);
        await ExpectAsync(Account, FullTextFilter.Prefix(Subject, "ZÜRI"), 1);
        await ExpectAsync(Account, FullTextFilter.Prefix(Subject, "123"), 1);
        await ExpectAsync(Account, FullTextFilter.Prefix(Subject, "budget"), 1);
    }

    /// <summary>A prefix does not match the middle or end of a word, nor a longer text than the word.</summary>
    /// <returns>A task that completes with the test.</returns>
    [Fact]
    public async Task A_prefix_does_not_match_inside_a_word()
    {
        await IndexAsync(Account, 1, (Subject, "Budget meeting"));

        await ExpectAsync(Account, FullTextFilter.Prefix(Subject, "udget"));
        await ExpectAsync(Account, FullTextFilter.Prefix(Subject, "ting"));
        await ExpectAsync(Account, FullTextFilter.Prefix(Subject, "budgets"));
    }

    /// <summary>A prefix on a named field ignores words in other fields; with no field it looks everywhere.</summary>
    /// <returns>A task that completes with the test.</returns>
    [Fact]
    public async Task A_prefix_respects_the_field()
    {
        await IndexAsync(Account, 1, (Subject, "hello"), (Body, "translation"));
        await IndexAsync(Account, 2, (Subject, "transport"));

        await ExpectAsync(Account, FullTextFilter.Prefix(Subject, "trans"), 2);
        await ExpectAsync(Account, FullTextFilter.Prefix(Body, "trans"), 1);
        await ExpectAsync(Account, FullTextFilter.Prefix(null, "trans"), 1, 2);
    }

    /// <summary>And keeps the documents that match every operand.</summary>
    /// <returns>A task that completes with the test.</returns>
    [Fact]
    public async Task And_requires_every_operand()
    {
        await IndexFruitAsync();

        await ExpectAsync(Account, FullTextFilter.AllOf(FullTextFilter.Words(Body, "banana"), FullTextFilter.Words(Body, "cherry")), 2);
        await ExpectAsync(Account, FullTextFilter.AllOf(FullTextFilter.Words(Body, "apple"), FullTextFilter.Words(Body, "date")));
        await ExpectAsync(Account, FullTextFilter.AllOf(FullTextFilter.Words(Body, "banana")), 1, 2);
    }

    /// <summary>Or keeps the documents that match any operand.</summary>
    /// <returns>A task that completes with the test.</returns>
    [Fact]
    public async Task Or_accepts_any_operand()
    {
        await IndexFruitAsync();

        await ExpectAsync(Account, FullTextFilter.AnyOf(FullTextFilter.Words(Body, "apple"), FullTextFilter.Words(Body, "date")), 1, 3);
        await ExpectAsync(Account, FullTextFilter.AnyOf(FullTextFilter.Words(Body, "banana"), FullTextFilter.Words(Body, "cherry")), 1, 2, 3);
        await ExpectAsync(Account, FullTextFilter.AnyOf(FullTextFilter.Words(Body, "kiwi"), FullTextFilter.Words(Body, "mango")));
    }

    /// <summary>Not keeps the account's own documents that do not match, never another account's.</summary>
    /// <returns>A task that completes with the test.</returns>
    [Fact]
    public async Task Not_returns_the_account_documents_that_do_not_match()
    {
        await IndexFruitAsync();

        await ExpectAsync(Account, FullTextFilter.NoneOf(FullTextFilter.Words(Body, "banana")), 3);
        await ExpectAsync(Account, FullTextFilter.NoneOf(FullTextFilter.Words(Body, "kiwi")), 1, 2, 3);
        await ExpectAsync(Account, FullTextFilter.NoneOf(FullTextFilter.Words(null, "cherry")), 1);
        await ExpectAsync(OtherAccount, FullTextFilter.NoneOf(FullTextFilter.Words(Body, "banana")), 9);
    }

    /// <summary>And, Or and Not nest to any depth.</summary>
    /// <returns>A task that completes with the test.</returns>
    [Fact]
    public async Task Filters_nest()
    {
        await IndexFruitAsync();

        var cherryButNotDate = FullTextFilter.AllOf(FullTextFilter.Words(Body, "cherry"), FullTextFilter.NoneOf(FullTextFilter.Words(Body, "date")));
        await ExpectAsync(Account, cherryButNotDate, 2);
        await ExpectAsync(Account, FullTextFilter.AnyOf(cherryButNotDate, FullTextFilter.Prefix(Body, "app")), 1, 2);
        await ExpectAsync(Account, FullTextFilter.NoneOf(FullTextFilter.AnyOf(cherryButNotDate, FullTextFilter.Phrase(Body, "cherry date"))), 1);
    }

    /// <summary>An And with no operands matches every document of the account and none of another.</summary>
    /// <returns>A task that completes with the test.</returns>
    [Fact]
    public async Task An_empty_And_matches_every_document_of_the_account()
    {
        await IndexFruitAsync();

        await ExpectAsync(Account, FullTextFilter.AllOf(), 1, 2, 3);
        await ExpectAsync(OtherAccount, FullTextFilter.AllOf(), 9);
        await ExpectAsync(3, FullTextFilter.AllOf());
    }

    /// <summary>An Or with no operands matches nothing.</summary>
    /// <returns>A task that completes with the test.</returns>
    [Fact]
    public async Task An_empty_Or_matches_nothing()
    {
        await IndexFruitAsync();

        await ExpectAsync(Account, FullTextFilter.AnyOf());
        await ExpectAsync(Account, FullTextFilter.NoneOf(FullTextFilter.AnyOf()), 1, 2, 3);
    }

    /// <summary>A document indexed with no words is still one of the account's documents.</summary>
    /// <returns>A task that completes with the test.</returns>
    [Fact]
    public async Task A_document_without_words_is_still_one_of_the_account_documents()
    {
        await IndexAsync(Account, 1, (Subject, "hello"));
        await IndexAsync(Account, 2, (Subject, string.Empty), (Body, " -- "));
        await IndexAsync(Account, 3);

        await ExpectAsync(Account, FullTextFilter.AllOf(), 1, 2, 3);
        await ExpectAsync(Account, FullTextFilter.NoneOf(FullTextFilter.Words(Subject, "hello")), 2, 3);
    }

    /// <summary>Two accounts may use the same document id; queries never cross accounts.</summary>
    /// <returns>A task that completes with the test.</returns>
    [Fact]
    public async Task Accounts_are_isolated_even_with_the_same_document_id()
    {
        await IndexAsync(Account, 7, (Subject, "alpha report"));
        await IndexAsync(OtherAccount, 7, (Subject, "beta report"));

        await ExpectAsync(Account, FullTextFilter.Words(Subject, "alpha"), 7);
        await ExpectAsync(Account, FullTextFilter.Words(Subject, "beta"));
        await ExpectAsync(OtherAccount, FullTextFilter.Words(Subject, "beta"), 7);
        await ExpectAsync(OtherAccount, FullTextFilter.Prefix(Subject, "alp"));

        await Store.RemoveAsync(Account, 7);

        await ExpectAsync(Account, FullTextFilter.Words(Subject, "report"));
        await ExpectAsync(OtherAccount, FullTextFilter.Words(Subject, "report"), 7);
    }

    /// <summary>Results come in ascending document id order, whatever the indexing order.</summary>
    /// <returns>A task that completes with the test.</returns>
    [Fact]
    public async Task Results_come_in_ascending_document_id_order()
    {
        foreach (var id in new ulong[] { 30, 5, 1000, 17, 2, 999 })
        {
            await IndexAsync(Account, id, (Subject, "common word"));
        }

        await ExpectAsync(Account, FullTextFilter.Words(Subject, "common"), 2, 5, 17, 30, 999, 1000);
        await ExpectAsync(Account, FullTextFilter.AllOf(), 2, 5, 17, 30, 999, 1000);
    }

    /// <summary>Account and document ids use the whole unsigned 64-bit range and sort as unsigned numbers.</summary>
    /// <returns>A task that completes with the test.</returns>
    [Fact]
    public async Task Ids_use_the_whole_unsigned_range()
    {
        const ulong bigAccount = ulong.MaxValue;
        var ids = new ulong[] { ulong.MaxValue, 0, (ulong)long.MaxValue + 1, long.MaxValue, 1 };
        foreach (var id in ids)
        {
            await IndexAsync(bigAccount, id, (Subject, "edge"));
        }

        await ExpectAsync(bigAccount, FullTextFilter.Words(Subject, "edge"), 0, 1, long.MaxValue, (ulong)long.MaxValue + 1, ulong.MaxValue);
        await ExpectAsync(long.MaxValue, FullTextFilter.AllOf());
    }

    /// <summary>Indexing a document again replaces everything indexed before under its id.</summary>
    /// <returns>A task that completes with the test.</returns>
    [Fact]
    public async Task Indexing_a_document_again_replaces_its_old_text()
    {
        await IndexAsync(Account, 1, (Subject, "original wording"), (Body, "first body"));
        await IndexAsync(Account, 1, (Subject, "revised wording"));

        await ExpectAsync(Account, FullTextFilter.Words(null, "original"));
        await ExpectAsync(Account, FullTextFilter.Words(null, "body"));
        await ExpectAsync(Account, FullTextFilter.Words(Subject, "revised wording"), 1);
        await ExpectAsync(Account, FullTextFilter.AllOf(), 1);
    }

    /// <summary>Removing a document makes it match nothing, not even Not or an empty And, and leaves the others.</summary>
    /// <returns>A task that completes with the test.</returns>
    [Fact]
    public async Task Removing_a_document_removes_only_that_document()
    {
        await IndexFruitAsync();

        await Store.RemoveAsync(Account, 2);

        await ExpectAsync(Account, FullTextFilter.Words(Body, "banana"), 1);
        await ExpectAsync(Account, FullTextFilter.AllOf(), 1, 3);
        await ExpectAsync(Account, FullTextFilter.NoneOf(FullTextFilter.Words(Body, "apple")), 3);
        await ExpectAsync(OtherAccount, FullTextFilter.AllOf(), 9);
    }

    /// <summary>Removing a document or an account that was never indexed is harmless.</summary>
    /// <returns>A task that completes with the test.</returns>
    [Fact]
    public async Task Removing_what_was_never_indexed_is_harmless()
    {
        await IndexFruitAsync();

        await Store.RemoveAsync(Account, 42);
        await Store.RemoveAsync(77, 1);
        await Store.RemoveAccountAsync(77);

        await ExpectAsync(Account, FullTextFilter.AllOf(), 1, 2, 3);
        await ExpectAsync(OtherAccount, FullTextFilter.AllOf(), 9);
    }

    /// <summary>Removing an account removes every one of its documents and none of another account's.</summary>
    /// <returns>A task that completes with the test.</returns>
    [Fact]
    public async Task Removing_an_account_removes_all_its_documents_only()
    {
        await IndexFruitAsync();

        await Store.RemoveAccountAsync(Account);

        await ExpectAsync(Account, FullTextFilter.AllOf());
        await ExpectAsync(Account, FullTextFilter.Words(Body, "banana"));
        await ExpectAsync(Account, FullTextFilter.NoneOf(FullTextFilter.Words(Body, "kiwi")));
        await ExpectAsync(OtherAccount, FullTextFilter.Words(Body, "cherry"), 9);

        await IndexAsync(Account, 5, (Body, "fresh start"));
        await ExpectAsync(Account, FullTextFilter.AllOf(), 5);
    }

    /// <summary>A query that matches nothing, or asks an account with nothing indexed, returns an empty list.</summary>
    /// <returns>A task that completes with the test.</returns>
    [Fact]
    public async Task A_query_that_matches_nothing_returns_an_empty_list()
    {
        await ExpectAsync(Account, FullTextFilter.Words(null, "anything"));

        await IndexFruitAsync();

        await ExpectAsync(Account, FullTextFilter.Words(null, "pineapple"));
        await ExpectAsync(Account, FullTextFilter.Phrase(null, "apple cherry"));
        await ExpectAsync(Account, FullTextFilter.Prefix(null, "kiw"));
    }

    /// <summary>Words with no field may be spread over several fields.</summary>
    /// <returns>A task that completes when the test has run.</returns>
    [Fact]
    public async Task Words_with_no_field_may_be_spread_over_several_fields()
    {
        await IndexAsync(Account, 1, (Subject, "invoice"), (Body, "overdue"));

        await ExpectAsync(Account, FullTextFilter.Words(null, "invoice overdue"), 1);
        await ExpectAsync(Account, FullTextFilter.Words(Subject, "invoice overdue"));
    }

    /// <summary>A phrase does not join two values of a repeated field.</summary>
    /// <returns>A task that completes when the test has run.</returns>
    [Fact]
    public async Task A_phrase_does_not_join_two_values_of_a_repeated_field()
    {
        await IndexAsync(Account, 1, (FullTextFieldNames.To, "Alice Martin"), (FullTextFieldNames.To, "Bob Keller"));

        await ExpectAsync(Account, FullTextFilter.Phrase(FullTextFieldNames.To, "martin bob"));
        await ExpectAsync(Account, FullTextFilter.Phrase(FullTextFieldNames.To, "alice martin"), 1);
    }

    /// <summary>A phrase does not run from one field into another.</summary>
    /// <returns>A task that completes when the test has run.</returns>
    [Fact]
    public async Task A_phrase_does_not_run_from_one_field_into_another()
    {
        await IndexAsync(Account, 1, (Subject, "alpha"), (Body, "beta gamma"));

        await ExpectAsync(Account, FullTextFilter.Phrase(null, "alpha beta"));
        await ExpectAsync(Account, FullTextFilter.Phrase(null, "beta gamma"), 1);
    }

    /// <summary>A prefix of several words matches them in a row with the last as a prefix.</summary>
    /// <returns>A task that completes when the test has run.</returns>
    [Fact]
    public async Task A_prefix_of_several_words_matches_them_in_a_row_with_the_last_as_a_prefix()
    {
        await IndexAsync(Account, 1, (Body, "the quick brown fox"));

        await ExpectAsync(Account, FullTextFilter.Prefix(Body, "quick bro"), 1);
        await ExpectAsync(Account, FullTextFilter.Prefix(Body, "brown qui"));
        await ExpectAsync(Account, FullTextFilter.Prefix(Body, "quick fo"));
    }

    /// <summary>A query text without words matches nothing.</summary>
    /// <returns>A task that completes when the test has run.</returns>
    [Fact]
    public async Task A_query_text_without_words_matches_nothing()
    {
        await IndexAsync(Account, 1, (Body, "anything at all"));

        await ExpectAsync(Account, FullTextFilter.Words(null, " -- "));
        await ExpectAsync(Account, FullTextFilter.Phrase(Body, string.Empty));
        await ExpectAsync(Account, FullTextFilter.Prefix(Body, "?"));
        await ExpectAsync(Account, FullTextFilter.NoneOf(FullTextFilter.Words(null, "!")), 1);
    }

    /// <summary>Text written decomposed matches text written composed.</summary>
    /// <returns>A task that completes when the test has run.</returns>
    [Fact]
    public async Task Text_written_decomposed_matches_text_written_composed()
    {
        await IndexAsync(Account, 1, (Body, "Cafe\u0301 Zu\u0308rich"));
        await IndexAsync(Account, 2, (Body, "Caf\u00e9"));

        await ExpectAsync(Account, FullTextFilter.Phrase(Body, "caf\u00e9 z\u00fcrich"), 1);
        await ExpectAsync(Account, FullTextFilter.Words(Body, "Cafe\u0301"), 1, 2);
    }

    /// <summary>Unpaired surrogates and emoji separate words.</summary>
    /// <returns>A task that completes when the test has run.</returns>
    [Fact]
    public async Task Unpaired_surrogates_and_emoji_separate_words()
    {
        await IndexAsync(Account, 1, (Body, "alpha\uD800beta gamma\U0001F600delta"));

        await ExpectAsync(Account, FullTextFilter.Phrase(Body, "alpha beta gamma delta"), 1);
        await ExpectAsync(Account, FullTextFilter.Words(Body, "beta\uDC00"), 1);
    }

    /// <summary>Letters outside the basic plane form words and fold case.</summary>
    /// <returns>A task that completes when the test has run.</returns>
    [Fact]
    public async Task Letters_outside_the_basic_plane_form_words_and_fold_case()
    {
        // Deseret capital and small letters are surrogate pairs.
        await IndexAsync(Account, 1, (Body, "\U00010400\U00010401 word"));

        await ExpectAsync(Account, FullTextFilter.Words(Body, "\U00010428\U00010429"), 1);
        await ExpectAsync(Account, FullTextFilter.Prefix(Body, "\U00010428"), 1);
    }

    /// <summary>Concurrent indexing and queries lose nothing.</summary>
    /// <returns>A task that completes when the test has run.</returns>
    [Fact]
    public async Task Concurrent_indexing_and_queries_lose_nothing()
    {
        const int writers = 8;
        const int perWriter = 200;
        var indexing = Enumerable.Range(0, writers).Select(w => Task.Run(async () =>
        {
            for (var i = 0; i < perWriter; i++)
            {
                var id = (ulong)((w * perWriter) + i + 1);
                await Store.IndexAsync(new FullTextDocument(Account, id, [new(Body, $"shared word{id}")]));
                if (i % 20 == 0)
                {
                    Assert.NotEmpty(await Store.QueryAsync(Account, FullTextFilter.Prefix(Body, "shar")));
                }
            }
        }));

        await Task.WhenAll(indexing);

        var all = await Store.QueryAsync(Account, FullTextFilter.Words(Body, "shared"));
        Assert.Equal(Enumerable.Range(1, writers * perWriter).Select(i => (ulong)i), all);
        await ExpectAsync(Account, FullTextFilter.Words(Body, "word1600"), 1600);
    }

    /// <summary>A cancelled call throws before doing anything.</summary>
    /// <returns>A task that completes when the test has run.</returns>
    [Fact]
    public async Task A_cancelled_call_throws_before_doing_anything()
    {
        using var cancellation = new CancellationTokenSource();
        await cancellation.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () =>
            await Store.IndexAsync(new FullTextDocument(Account, 1, [new(Body, "never")]), cancellation.Token));

        await ExpectAsync(Account, FullTextFilter.AllOf());
    }

    /// <summary>Indexes a document made of the given fields.</summary>
    /// <param name="accountId">The account.</param>
    /// <param name="documentId">The document id.</param>
    /// <param name="fields">The fields as name and text pairs.</param>
    /// <returns>A task that completes when the document is searchable.</returns>
    protected async Task IndexAsync(ulong accountId, ulong documentId, params (string Name, string Text)[] fields)
        => await Store.IndexAsync(new FullTextDocument(accountId, documentId, [.. fields.Select(f => new FullTextField(f.Name, f.Text))]));

    /// <summary>Runs a query and checks that it returns exactly the given ids, in that order.</summary>
    /// <param name="accountId">The account searched.</param>
    /// <param name="filter">The filter.</param>
    /// <param name="expected">The ids expected, ascending.</param>
    /// <returns>A task that completes when the check is done.</returns>
    protected async Task ExpectAsync(ulong accountId, FullTextFilter filter, params ulong[] expected)
    {
        var actual = await Store.QueryAsync(accountId, filter);
        Assert.True(expected.SequenceEqual(actual), $"Query {filter} on account {accountId}: expected [{string.Join(", ", expected)}], got [{string.Join(", ", actual)}].");
    }

    /// <summary>
    /// Account 1 gets documents 1 "apple banana", 2 "banana cherry" and 3 "cherry date" in the body; account 2 gets
    /// document 9 "cherry" so that Not and empty And can show they stay within one account.
    /// </summary>
    private async Task IndexFruitAsync()
    {
        await IndexAsync(Account, 1, (Body, "apple banana"));
        await IndexAsync(Account, 2, (Body, "banana cherry"));
        await IndexAsync(Account, 3, (Body, "cherry date"));
        await IndexAsync(OtherAccount, 9, (Body, "cherry"));
    }
}
