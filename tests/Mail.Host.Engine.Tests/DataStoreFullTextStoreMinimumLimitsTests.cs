using Mail.Host.Conformance;
using Mail.Host.Engine.Storage;
using Mail.Host.Plugins.InMemory;
using Mail.Host.Storage;
using Xunit;

namespace Mail.Host.Engine.Tests;

/// <summary>
/// The full-text conformance kit run against the index over a data store with the smallest limits the contract
/// allows, which refuses anything larger; plus large documents, writes cut short, and what queries cost.
/// </summary>
public sealed class DataStoreFullTextStoreMinimumLimitsTests : FullTextStoreConformance
{
    private const string Subject = FullTextFieldNames.Subject;
    private const string Body = FullTextFieldNames.Body;

    private FullTextRecordingDataStore data = new(new MemoryDataStore());

    [Fact]
    public async Task A_document_of_twenty_thousand_words_is_indexed_in_bounded_commits_and_found()
    {
        var words = Enumerable.Range(0, 20_000).Select(i => i % 10 == 0 ? "report" : $"w{i}");
        await IndexAsync(Account, 1, (Subject, "Annual figures"), (Body, string.Join(' ', words)));
        var commitsForOneDocument = data.Commits;
        await IndexAsync(Account, 2, (Body, "report summary"));

        Assert.True(commitsForOneDocument > 2, $"{commitsForOneDocument} commits");
        Assert.InRange(data.LargestCommit, 1, 1100);
        Assert.InRange(data.LargestValue, 1, data.MaxValueSize);
        Assert.True(await FullTextIndexInspector.CountKeysAsync(data, FullTextIndexInspector.DocumentTerms, Account) >= 2);
        foreach (var entry in await FullTextIndexInspector.AllEntriesAsync(data))
        {
            Assert.InRange(entry.Value.Length, 0, data.MaxValueSize);
            Assert.InRange(entry.Key.Length, 1, data.MaxKeySize);
        }

        await ExpectAsync(Account, FullTextFilter.Words(null, "report"), 1, 2);
        await ExpectAsync(Account, FullTextFilter.Words(Body, "w19999 w1 report"), 1);
        await ExpectAsync(Account, FullTextFilter.Phrase(Body, "w19998 w19999"), 1);
        await ExpectAsync(Account, FullTextFilter.Phrase(Body, "report w1 w2"), 1);
        await ExpectAsync(Account, FullTextFilter.Phrase(Body, "report w2"));
        await ExpectAsync(Account, FullTextFilter.Phrase(Body, "w19999 report"));
        await ExpectAsync(Account, FullTextFilter.Prefix(Body, "w1999"), 1);
        await ExpectAsync(Account, FullTextFilter.Words(Body, "w20000"));
        await ExpectAsync(Account, FullTextFilter.Words(Body, "w10"));
        await ExpectAsync(Account, FullTextFilter.AllOf(FullTextFilter.Words(Body, "summary"), FullTextFilter.NoneOf(FullTextFilter.Words(Body, "w5"))), 2);
        Assert.Equal(18_003, (await FullTextIndexInspector.PostedTermsAsync(data, Account, 1)).Count);
    }

    [Fact]
    public async Task A_word_repeated_past_what_one_value_holds_keeps_its_first_positions()
    {
        var body = string.Concat(Enumerable.Repeat("spam ", 150_000)) + "tail end";
        await IndexAsync(Account, 1, (Body, body));

        Assert.InRange(data.LargestValue, 50_000, 64 * 1024);
        await ExpectAsync(Account, FullTextFilter.Words(Body, "spam"), 1);
        await ExpectAsync(Account, FullTextFilter.Phrase(Body, "spam spam spam"), 1);
        await ExpectAsync(Account, FullTextFilter.Phrase(Body, "tail end"), 1);
    }

    [Fact]
    public async Task Distinct_words_past_the_term_list_cap_are_left_out_and_the_rest_is_found()
    {
        var words = Enumerable.Range(0, 60_000).Select(i => $"cap{i:D5}x");
        await IndexAsync(Account, 1, (Body, string.Join(' ', words) + " closing words"));

        Assert.InRange(data.LargestValue, 1, data.MaxValueSize);
        await ExpectAsync(Account, FullTextFilter.Words(Body, "cap00000x cap20000x"), 1);
        await ExpectAsync(Account, FullTextFilter.Words(Body, "cap59999x"));
        await ExpectAsync(Account, FullTextFilter.Words(Body, "closing"));
        await ExpectAsync(Account, FullTextFilter.AllOf(), 1);

        await IndexAsync(Account, 1, (Body, "closing words"));

        await ExpectAsync(Account, FullTextFilter.Words(Body, "closing words"), 1);
        await ExpectAsync(Account, FullTextFilter.Prefix(Body, "cap"));
        Assert.Equal(["closing", "words"], await FullTextIndexInspector.PostedTermsAsync(data, Account, 1));
    }

    [Fact]
    public async Task A_first_index_cut_short_is_cleaned_up_by_indexing_again()
    {
        var large = string.Join(' ', Enumerable.Range(0, 5000).Select(i => $"first{i}"));
        data.CommitsBeforeFailure = 2;

        await Assert.ThrowsAsync<StoreUnavailableException>(async () => await IndexAsync(Account, 1, (Body, large)));

        data.CommitsBeforeFailure = null;
        Assert.Equal(FullTextCodec.InProgress, (await FullTextIndexInspector.MarkerAsync(data, Account, 1))![1]);
        Assert.NotEmpty(await FullTextIndexInspector.PostedTermsAsync(data, Account, 1));

        await IndexAsync(Account, 1, (Body, "fresh text"));

        Assert.Equal(["fresh", "text"], await FullTextIndexInspector.PostedTermsAsync(data, Account, 1));
        Assert.Equal(["fresh", "text"], await FullTextIndexInspector.ListedTermsAsync(data, Account, 1));
        Assert.Equal(FullTextCodec.Complete, (await FullTextIndexInspector.MarkerAsync(data, Account, 1))![1]);
        await ExpectAsync(Account, FullTextFilter.Prefix(Body, "first"));
    }

    [Fact]
    public async Task A_re_index_cut_short_is_cleaned_up_by_removing_the_document()
    {
        await IndexAsync(Account, 1, (Body, string.Join(' ', Enumerable.Range(0, 5000).Select(i => $"old{i}"))));
        data.CommitsBeforeFailure = 3;

        await Assert.ThrowsAsync<StoreUnavailableException>(async () =>
            await IndexAsync(Account, 1, (Body, string.Join(' ', Enumerable.Range(0, 5000).Select(i => $"new{i}")))));

        data.CommitsBeforeFailure = null;
        var posted = await FullTextIndexInspector.PostedTermsAsync(data, Account, 1);
        Assert.Contains("new0", posted);
        Assert.True((await FullTextIndexInspector.ListedTermsAsync(data, Account, 1)).IsSupersetOf(posted));

        await Store.RemoveAsync(Account, 1);

        foreach (var subspace in FullTextIndexInspector.Subspaces)
        {
            Assert.Equal(0, await FullTextIndexInspector.CountKeysAsync(data, subspace, Account));
        }
    }

    [Fact]
    public async Task A_writer_overtaken_part_way_stops_and_leaves_the_later_version_alone()
    {
        await IndexAsync(Account, 1, (Body, string.Join(' ', Enumerable.Range(0, 3000).Select(i => $"old{i}"))));
        var held = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var commitsSeen = 0;
        data.BeforeCommit = async _ =>
        {
            // The slow writer's second commit is its first batch of postings, after it marked the document as its own.
            if (Interlocked.Increment(ref commitsSeen) == 2)
            {
                held.SetResult();
                await release.Task;
            }
        };

        var slow = Task.Run(async () => await IndexAsync(Account, 1, (Body, string.Join(' ', Enumerable.Range(0, 3000).Select(i => $"slow{i}")))));
        await held.Task;
        await IndexAsync(Account, 1, (Body, "later version"));
        release.SetResult();
        await slow;

        Assert.Equal(["later", "version"], await FullTextIndexInspector.PostedTermsAsync(data, Account, 1));
        Assert.Equal(["later", "version"], await FullTextIndexInspector.ListedTermsAsync(data, Account, 1));
        Assert.Equal(FullTextCodec.Complete, (await FullTextIndexInspector.MarkerAsync(data, Account, 1))![1]);
        await ExpectAsync(Account, FullTextFilter.Prefix(Body, "slow"));
        await ExpectAsync(Account, FullTextFilter.Prefix(Body, "old"));
    }

    [Fact]
    public async Task And_reads_the_common_word_only_for_the_documents_the_rare_word_left()
    {
        for (ulong id = 1; id <= 100; id++)
        {
            await IndexAsync(Account, id, (Body, id % 40 == 0 ? "rare common" : "common"));
        }

        data.ResetReads();
        await ExpectAsync(Account, FullTextFilter.AllOf(FullTextFilter.Words(Body, "rare"), FullTextFilter.Words(Body, "common")), 40, 80);
        Assert.Equal(1, data.ScansOf(FullTextIndexInspector.Terms));
        Assert.Equal(2, data.Gets);

        data.ResetReads();
        await ExpectAsync(Account, FullTextFilter.Words(Body, "rare common"), 40, 80);
        Assert.Equal(1, data.ScansOf(FullTextIndexInspector.Terms));
        Assert.Equal(2, data.Gets);
    }

    [Fact]
    public async Task Many_candidates_are_narrowed_by_a_scan_between_the_first_and_the_last()
    {
        for (ulong id = 1; id <= 100; id++)
        {
            await IndexAsync(Account, id, (Body, (id % 3 == 0 ? "fizz " : string.Empty) + (id % 5 == 0 ? "buzz" : "plain")));
        }

        var expected = Enumerable.Range(1, 100).Where(i => i % 15 == 0).Select(i => (ulong)i).ToArray();
        data.ResetReads();
        await ExpectAsync(Account, FullTextFilter.Words(Body, "fizz buzz"), expected);
        Assert.Equal(2, data.ScansOf(FullTextIndexInspector.Terms));
        Assert.Equal(0, data.Gets);
        await ExpectAsync(Account, FullTextFilter.Phrase(Body, "fizz buzz"), expected);
        await ExpectAsync(Account, FullTextFilter.Prefix(Body, "fizz bu"), expected);
    }

    [Fact]
    public async Task A_negation_inside_an_and_does_not_list_the_account_documents()
    {
        await IndexAsync(Account, 1, (Body, "apple banana"));
        await IndexAsync(Account, 2, (Body, "banana cherry"));
        await IndexAsync(Account, 3, (Body, "cherry date"));

        data.ResetReads();
        await ExpectAsync(Account, FullTextFilter.AllOf(FullTextFilter.NoneOf(FullTextFilter.Words(Body, "apple")), FullTextFilter.Words(Body, "banana")), 2);
        Assert.Equal(0, data.ScansOf(FullTextIndexInspector.Documents));

        await ExpectAsync(Account, FullTextFilter.NoneOf(FullTextFilter.AnyOf(FullTextFilter.Words(Body, "apple"), FullTextFilter.NoneOf(FullTextFilter.Words(Body, "date")))), 3);
        Assert.Equal(1, data.ScansOf(FullTextIndexInspector.Documents));
    }

    /// <inheritdoc />
    protected override ValueTask<IStoreInstance> OpenStoreAsync()
    {
        data = new FullTextRecordingDataStore(new MemoryDataStore());
        return ValueTask.FromResult<IStoreInstance>(new FullTextAdapterStoreInstance(data));
    }
}
