using Mail.Host.Conformance;
using Mail.Host.Engine.Storage;
using Mail.Host.Plugins.InMemory;
using Mail.Host.Storage;
using Xunit;

namespace Mail.Host.Engine.Tests;

/// <summary>
/// The full-text conformance kit run against the index over a fresh in-memory data store, the choices the index
/// makes where the contract leaves room, and what it leaves in the data store.
/// </summary>
public sealed class DataStoreFullTextStoreTests : FullTextStoreConformance
{
    private const string Subject = FullTextFieldNames.Subject;
    private const string Body = FullTextFieldNames.Body;

    private MemoryDataStore data = new();

    [Fact]
    public async Task Words_containing_a_fragment_are_found_across_the_vocabulary_and_past_common_words()
    {
        // "common" and "plain" hold more postings than the walk reads at a time, so it jumps past them.
        for (ulong id = 1; id <= 100; id++)
        {
            var body = id switch { 10 => "common hello", 50 => "common shell", 90 => "common yellow", _ => $"common filler{id}" };
            await IndexAsync(Account, id, (Body, body), (Subject, id == 70 ? "bell" : "plain"));
        }

        await IndexAsync(OtherAccount, 11, (Body, "hello"));

        Assert.Equal([10UL, 50, 70, 90], await Store.QueryWordsContainingAsync(Account, null, "ell"));
        Assert.Equal([10UL, 50, 90], await Store.QueryWordsContainingAsync(Account, Body, "ELL"));
        Assert.Equal([70UL], await Store.QueryWordsContainingAsync(Account, Subject, "ell"));
        Assert.Equal([10UL], await Store.QueryWordsContainingAsync(Account, Body, "hello"));
        Assert.Equal(Enumerable.Range(1, 100).Select(i => (ulong)i), await Store.QueryWordsContainingAsync(Account, Body, "ommo"));
        Assert.Equal([99UL], await Store.QueryWordsContainingAsync(Account, Body, "ler99"));
        Assert.Empty((await Store.QueryWordsContainingAsync(Account, null, "zzz"))!);
        Assert.Empty((await Store.QueryWordsContainingAsync(Account, Body, "bell"))!);

        // Only a piece of one word can be looked for.
        Assert.Null(await Store.QueryWordsContainingAsync(Account, Body, "common hello"));
        Assert.Null(await Store.QueryWordsContainingAsync(Account, Body, "--"));
    }

    [Fact]
    public async Task Indexing_again_leaves_no_posting_of_the_old_text()
    {
        await IndexAsync(Account, 1, (Subject, "original wording"), (Body, "first body text"));
        await IndexAsync(Account, 2, (Body, "original neighbour"));
        Assert.Equal(["body", "first", "original", "text", "wording"], await FullTextIndexInspector.PostedTermsAsync(data, Account, 1));

        await IndexAsync(Account, 1, (Subject, "revised wording"));

        Assert.Equal(["revised", "wording"], await FullTextIndexInspector.PostedTermsAsync(data, Account, 1));
        Assert.Equal(["revised", "wording"], await FullTextIndexInspector.ListedTermsAsync(data, Account, 1));
        Assert.Equal(["neighbour", "original"], await FullTextIndexInspector.PostedTermsAsync(data, Account, 2));
        await ExpectAsync(Account, FullTextFilter.Words(null, "original"), 2);
    }

    [Fact]
    public async Task Indexing_a_large_document_again_with_little_text_leaves_no_stale_keys()
    {
        var large = string.Join(' ', Enumerable.Range(0, 5000).Select(i => $"big{i}"));
        await IndexAsync(Account, 1, (Body, large));
        Assert.Equal(5000, (await FullTextIndexInspector.PostedTermsAsync(data, Account, 1)).Count);

        await IndexAsync(Account, 1, (Body, "small reply"));

        Assert.Equal(["reply", "small"], await FullTextIndexInspector.PostedTermsAsync(data, Account, 1));
        Assert.Equal(["reply", "small"], await FullTextIndexInspector.ListedTermsAsync(data, Account, 1));
        Assert.Equal(1, await FullTextIndexInspector.CountKeysAsync(data, FullTextIndexInspector.DocumentTerms, Account));
        await ExpectAsync(Account, FullTextFilter.Prefix(Body, "big"));

        await IndexAsync(Account, 1, (Body, large));
        await ExpectAsync(Account, FullTextFilter.Words(Body, "big4999 big0"), 1);
        await ExpectAsync(Account, FullTextFilter.Words(Body, "small"));
        Assert.Equal(5000, (await FullTextIndexInspector.PostedTermsAsync(data, Account, 1)).Count);
    }

    [Fact]
    public async Task Removing_an_account_leaves_none_of_its_keys_in_any_subspace()
    {
        var large = string.Join(' ', Enumerable.Range(0, 2500).Select(i => $"word{i}"));
        for (ulong id = 1; id <= 3; id++)
        {
            await IndexAsync(Account, id, (Body, large), (Subject, $"subject {id}"));
        }

        await IndexAsync(OtherAccount, 1, (Body, large));
        foreach (var subspace in FullTextIndexInspector.Subspaces)
        {
            Assert.True(await FullTextIndexInspector.CountKeysAsync(data, subspace, Account) > 0, subspace);
        }

        await Store.RemoveAccountAsync(Account);

        foreach (var subspace in FullTextIndexInspector.Subspaces)
        {
            Assert.Equal(0, await FullTextIndexInspector.CountKeysAsync(data, subspace, Account));
            Assert.True(await FullTextIndexInspector.CountKeysAsync(data, subspace, OtherAccount) > 0, subspace);
        }

        await ExpectAsync(OtherAccount, FullTextFilter.Words(Body, "word2499"), 1);
    }

    [Fact]
    public async Task Removing_a_document_leaves_none_of_its_keys()
    {
        var large = string.Join(' ', Enumerable.Range(0, 3000).Select(i => $"word{i}"));
        await IndexAsync(Account, 1, (Body, large));
        await IndexAsync(Account, 2, (Body, "word1 kept"));

        await Store.RemoveAsync(Account, 1);

        Assert.Empty(await FullTextIndexInspector.PostedTermsAsync(data, Account, 1));
        Assert.Empty(await FullTextIndexInspector.ListedTermsAsync(data, Account, 1));
        Assert.Null(await FullTextIndexInspector.MarkerAsync(data, Account, 1));
        Assert.Equal(["kept", "word1"], await FullTextIndexInspector.PostedTermsAsync(data, Account, 2));
    }

    [Fact]
    public async Task The_index_is_found_again_by_a_new_instance_over_the_same_data_store()
    {
        await IndexAsync(Account, 1, (Subject, "Quarterly budget"), (Body, "numbers attached"));
        await IndexAsync(Account, 2, (Subject, "Holiday party"));
        await IndexAsync(OtherAccount, 3, (Subject, "budget elsewhere"));

        var reopened = new DataStoreFullTextStore(data);

        Assert.Equal([1UL], await reopened.QueryAsync(Account, FullTextFilter.Words(null, "budget numbers")));
        Assert.Equal([1UL, 2UL], await reopened.QueryAsync(Account, FullTextFilter.AllOf()));
        Assert.Equal([2UL], await reopened.QueryAsync(Account, FullTextFilter.NoneOf(FullTextFilter.Prefix(Subject, "quart"))));
        Assert.Equal([1UL], await reopened.QueryAsync(Account, FullTextFilter.Phrase(Subject, "quarterly budget")));

        await reopened.IndexAsync(new FullTextDocument(Account, 1, [new(Subject, "Replaced")]));
        await ExpectAsync(Account, FullTextFilter.Words(null, "budget"));
        await ExpectAsync(Account, FullTextFilter.Words(Subject, "replaced"), 1);
    }

    [Fact]
    public async Task A_phrase_may_repeat_a_word()
    {
        await IndexAsync(Account, 1, (Body, "it is very very good"));
        await IndexAsync(Account, 2, (Body, "very good, very"));

        await ExpectAsync(Account, FullTextFilter.Phrase(Body, "very very good"), 1);
        await ExpectAsync(Account, FullTextFilter.Phrase(Body, "very good"), 1, 2);
    }

    [Fact]
    public async Task Greek_final_sigma_and_german_sharp_s_match_their_capital_spellings()
    {
        await IndexAsync(Account, 1, (Subject, "ΟΔΟΣ STRASSE"));
        await IndexAsync(Account, 2, (Subject, "οδός Straße"));

        await ExpectAsync(Account, FullTextFilter.Words(Subject, "οδος"), 1, 2);
        await ExpectAsync(Account, FullTextFilter.Words(Subject, "ΟΔΟΣ"), 1, 2);
        await ExpectAsync(Account, FullTextFilter.Words(Subject, "straße"), 1, 2);
        await ExpectAsync(Account, FullTextFilter.Words(Subject, "strasse"), 1, 2);
    }

    [Fact]
    public async Task Field_names_are_compared_exactly_and_may_be_long()
    {
        var longName = new string('x', 10_000);
        await IndexAsync(Account, 1, ("x-custom", "orchid"), ("X-Custom", "tulip"), (longName, "lily"));

        await ExpectAsync(Account, FullTextFilter.Words("x-custom", "orchid"), 1);
        await ExpectAsync(Account, FullTextFilter.Words("x-custom", "tulip"));
        await ExpectAsync(Account, FullTextFilter.Words("X-Custom", "tulip"), 1);
        await ExpectAsync(Account, FullTextFilter.Words(longName, "lily"), 1);
        await ExpectAsync(Account, FullTextFilter.Words(longName + "y", "lily"));
        await ExpectAsync(Account, FullTextFilter.Words("Subject", "orchid"));
    }

    [Fact]
    public async Task A_very_long_word_is_found_by_itself_and_by_its_prefix()
    {
        var word = new string('a', 500) + "z";
        await IndexAsync(Account, 1, (Body, $"start {word} end"));

        await ExpectAsync(Account, FullTextFilter.Words(Body, word), 1);
        await ExpectAsync(Account, FullTextFilter.Phrase(Body, $"start {word} end"), 1);
        await ExpectAsync(Account, FullTextFilter.Prefix(Body, new string('a', 40)), 1);
    }

    [Fact]
    public async Task Writers_racing_on_one_document_leave_exactly_one_version()
    {
        const int writers = 4;

        // Thousands of words per version force the multi-commit path, where the writers can interleave.
        string Version(int v) => string.Join(' ', Enumerable.Range(0, 3000).Select(i => $"v{v}w{i}")) + " common";
        for (var round = 0; round < 3; round++)
        {
            var start = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            var racing = Enumerable.Range(0, writers).Select(v => Task.Run(async () =>
            {
                await start.Task;
                await Store.IndexAsync(new FullTextDocument(Account, 1, [new(Body, Version(v))]));
            })).ToArray();
            start.SetResult();
            await Task.WhenAll(racing);

            var posted = await FullTextIndexInspector.PostedTermsAsync(data, Account, 1);
            var listed = await FullTextIndexInspector.ListedTermsAsync(data, Account, 1);
            var winners = Enumerable.Range(0, writers).Where(v => posted.Contains($"v{v}w0")).ToList();
            var winner = Assert.Single(winners);
            Assert.Equal(3001, posted.Count);
            Assert.Equal(posted, listed);
            Assert.True(posted.SetEquals(Version(winner).Split(' ')));
            Assert.Equal(FullTextCodec.Complete, (await FullTextIndexInspector.MarkerAsync(data, Account, 1))![1]);
        }

        await ExpectAsync(Account, FullTextFilter.Words(Body, "common"), 1);
    }

    /// <inheritdoc />
    protected override ValueTask<IStoreInstance> OpenStoreAsync()
    {
        data = new MemoryDataStore();
        return ValueTask.FromResult<IStoreInstance>(new FullTextAdapterStoreInstance(data));
    }
}
