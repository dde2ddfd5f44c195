using Mail.Host.Conformance;
using Mail.Host.Plugins.InMemory;
using Mail.Host.Storage;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Xunit;

namespace Mail.Host.Plugins.Tests;

/// <summary>
/// The full-text conformance kit run against the in-memory store, and the choices that store makes where the
/// contract leaves room.
/// </summary>
public sealed class MemoryFullTextStoreTests : FullTextStoreConformance
{
    private const string Subject = FullTextFieldNames.Subject;
    private const string Body = FullTextFieldNames.Body;

    [Fact]
    public async Task Words_with_no_field_may_be_spread_over_several_fields()
    {
        await IndexAsync(Account, 1, (Subject, "invoice"), (Body, "overdue"));

        await ExpectAsync(Account, FullTextFilter.Words(null, "invoice overdue"), 1);
        await ExpectAsync(Account, FullTextFilter.Words(Subject, "invoice overdue"));
    }

    [Fact]
    public async Task A_phrase_does_not_join_two_values_of_a_repeated_field()
    {
        await IndexAsync(Account, 1, (FullTextFieldNames.To, "Alice Martin"), (FullTextFieldNames.To, "Bob Keller"));

        await ExpectAsync(Account, FullTextFilter.Phrase(FullTextFieldNames.To, "martin bob"));
        await ExpectAsync(Account, FullTextFilter.Phrase(FullTextFieldNames.To, "alice martin"), 1);
    }

    [Fact]
    public async Task A_phrase_does_not_run_from_one_field_into_another()
    {
        await IndexAsync(Account, 1, (Subject, "alpha"), (Body, "beta gamma"));

        await ExpectAsync(Account, FullTextFilter.Phrase(null, "alpha beta"));
        await ExpectAsync(Account, FullTextFilter.Phrase(null, "beta gamma"), 1);
    }

    [Fact]
    public async Task A_prefix_of_several_words_matches_them_in_a_row_with_the_last_as_a_prefix()
    {
        await IndexAsync(Account, 1, (Body, "the quick brown fox"));

        await ExpectAsync(Account, FullTextFilter.Prefix(Body, "quick bro"), 1);
        await ExpectAsync(Account, FullTextFilter.Prefix(Body, "brown qui"));
        await ExpectAsync(Account, FullTextFilter.Prefix(Body, "quick fo"));
    }

    [Fact]
    public async Task A_query_text_without_words_matches_nothing()
    {
        await IndexAsync(Account, 1, (Body, "anything at all"));

        await ExpectAsync(Account, FullTextFilter.Words(null, " -- "));
        await ExpectAsync(Account, FullTextFilter.Phrase(Body, string.Empty));
        await ExpectAsync(Account, FullTextFilter.Prefix(Body, "?"));
        await ExpectAsync(Account, FullTextFilter.NoneOf(FullTextFilter.Words(null, "!")), 1);
    }

    [Fact]
    public async Task Text_written_decomposed_matches_text_written_composed()
    {
        await IndexAsync(Account, 1, (Body, "Cafe\u0301 Zu\u0308rich"));
        await IndexAsync(Account, 2, (Body, "Caf\u00e9"));

        await ExpectAsync(Account, FullTextFilter.Phrase(Body, "caf\u00e9 z\u00fcrich"), 1);
        await ExpectAsync(Account, FullTextFilter.Words(Body, "Cafe\u0301"), 1, 2);
    }

    [Fact]
    public async Task Unpaired_surrogates_and_emoji_separate_words()
    {
        await IndexAsync(Account, 1, (Body, "alpha\uD800beta gamma\U0001F600delta"));

        await ExpectAsync(Account, FullTextFilter.Phrase(Body, "alpha beta gamma delta"), 1);
        await ExpectAsync(Account, FullTextFilter.Words(Body, "beta\uDC00"), 1);
    }

    [Fact]
    public async Task Letters_outside_the_basic_plane_form_words_and_fold_case()
    {
        // Deseret capital and small letters are surrogate pairs.
        await IndexAsync(Account, 1, (Body, "\U00010400\U00010401 word"));

        await ExpectAsync(Account, FullTextFilter.Words(Body, "\U00010428\U00010429"), 1);
        await ExpectAsync(Account, FullTextFilter.Prefix(Body, "\U00010428"), 1);
    }

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

    [Fact]
    public async Task A_cancelled_call_throws_before_doing_anything()
    {
        using var cancellation = new CancellationTokenSource();
        await cancellation.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () =>
            await Store.IndexAsync(new FullTextDocument(Account, 1, [new(Body, "never")]), cancellation.Token));

        await ExpectAsync(Account, FullTextFilter.AllOf());
    }

    /// <inheritdoc />
    protected override ValueTask<IStoreInstance> OpenStoreAsync()
        => new MemoryStoreProvider().OpenAsync(
            new StoreContext
            {
                Name = "memory",
                Settings = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { ["Type"] = "memory" }).Build(),
                BaseDirectory = AppContext.BaseDirectory,
                Services = new ServiceCollection().BuildServiceProvider(),
            },
            CancellationToken.None);
}
