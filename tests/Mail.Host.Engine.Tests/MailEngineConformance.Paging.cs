using Mail.Host.Engine.Mail;
using Mail.Host.Mail;
using Xunit;

namespace Mail.Host.Engine.Tests;

/// <summary>Paged email queries (JMAP Email/query with position, anchor, limit and total) and the in-memory views behind them.</summary>
public abstract partial class MailEngineConformance
{
    private static readonly string[] PagingWords = ["otter", "heron", "badger", "lynx"];

    /// <summary>
    /// Every page of every kind of query is the full result cut to that page: filters answered from the records and
    /// the full-text index, other filters, every sort, collapsed threads, positions from either end, anchors, limits
    /// and totals; checked against an engine that keeps no view and lists every match.
    /// </summary>
    /// <returns>A task that completes with the test.</returns>
    [Fact]
    public async Task Paged_queries_are_the_full_result_cut_to_the_page()
    {
        var account = Engine.OpenAccount(1);
        var inbox = await InboxAsync(account);
        var work = await account.CreateMailboxAsync("Work");
        var day = new DateTimeOffset(2025, 3, 1, 8, 0, 0, TimeSpan.Zero);
        for (var i = 0; i < 40; i++)
        {
            var subject = $"{PagingWords[i % 4]} {(i % 3 == 0 ? "report" : "note")} {i}";
            var messageId = $"paging-{i}@x";
            var inReplyTo = i % 5 == 4 ? $"paging-{i - 1}@x" : null;
            var raw = MailTestMessages.Simple(i % 5 == 4 ? "Re: " + subject : subject, body: $"body {PagingWords[(i + 1) % 4]} {new string('x', i * 10)}", messageId: messageId, inReplyTo: inReplyTo);

            // Some emails share their received instant, to check the tie-break by id in both directions.
            await AppendRawAsync(account, i % 4 == 1 ? work.Id : inbox.Id, raw, i % 3 == 1 ? [MailKeywords.Flagged] : null, day.AddMinutes(i / 3 * 7));
        }

        var reference = NewEngine(new MailEngineOptions { QueryViewEmails = 0 }).OpenAccount(1);
        var filters = new MailFilter?[]
        {
            null,
            new MailFilter.InMailbox(inbox.Id),
            new MailFilter.Text(MailTextField.Any, "otter"),
            MailFilter.AllOf(new MailFilter.InMailbox(inbox.Id), new MailFilter.Text(MailTextField.Subject, "report")),
            MailFilter.NoneOf(new MailFilter.Text(MailTextField.Body, "heron")),
            MailFilter.AnyOf(new MailFilter.HasKeyword(MailKeywords.Flagged), new MailFilter.Text(MailTextField.Any, "lynx")),
            MailFilter.AllOf(new MailFilter.Size(null, 700), MailFilter.NotKeyword(MailKeywords.Flagged)),
            new MailFilter.HasAttachment(false),
        };
        var sorts = new IReadOnlyList<MailSort>?[]
        {
            [new MailSort(MailSortKey.ReceivedAt, Descending: true)],
            [new MailSort(MailSortKey.ReceivedAt)],
            [new MailSort(MailSortKey.Size, Descending: true)],
            null,
        };
        foreach (var filter in filters)
        {
            foreach (var sort in sorts)
            {
                foreach (var collapse in new[] { false, true })
                {
                    var all = await reference.QueryEmailsAsync(filter, sort, collapse);
                    Assert.Equal(all, await account.QueryEmailsAsync(filter, sort, collapse));
                    foreach (var (position, limit, total) in new (long, int?, bool)[] { (0, 5, false), (0, 5, true), (7, 4, false), (-3, null, true), (100, 5, true), (2, null, false), (0, 0, true) })
                    {
                        var query = new EmailQuery { Filter = filter, Sort = sort, CollapseThreads = collapse, Position = position, Limit = limit, CalculateTotal = total };
                        var page = await account.QueryEmailPageAsync(query);
                        var start = (int)Math.Min(all.Count, position < 0 ? Math.Max(0, all.Count + position) : position);
                        Assert.Equal(start, page.Position);
                        Assert.Equal(all.Skip(start).Take(limit ?? int.MaxValue), page.Ids);
                        Assert.Equal(total ? (long)all.Count : null, page.Total);
                    }

                    if (all.Count > 2)
                    {
                        var anchored = await account.QueryEmailPageAsync(new EmailQuery { Filter = filter, Sort = sort, CollapseThreads = collapse, Anchor = all[2], AnchorOffset = -1, Limit = 3 });
                        Assert.Equal(1, anchored.Position);
                        Assert.Equal(all.Skip(1).Take(3), anchored.Ids);
                    }
                }
            }
        }

        var missing = await Assert.ThrowsAsync<MailException>(async () => await account.QueryEmailPageAsync(new EmailQuery { Filter = new MailFilter.InMailbox(work.Id), Anchor = 999_999 }));
        Assert.Equal(MailErrorCode.AnchorNotFound, missing.Code);
    }

    /// <summary>
    /// An engine that has answered a query sees at its next query what another engine over the same store changed
    /// meanwhile: new emails, keywords, moves and removals (as a second host process would make them).
    /// </summary>
    /// <returns>A task that completes with the test.</returns>
    [Fact]
    public async Task A_query_sees_changes_made_by_another_engine_at_once()
    {
        var account = Engine.OpenAccount(1);
        var inbox = await InboxAsync(account);
        var archive = (await account.GetMailboxesAsync()).Single(m => m.Role == MailboxRole.Archive);
        var day = new DateTimeOffset(2025, 4, 1, 8, 0, 0, TimeSpan.Zero);
        var first = await AppendRawAsync(account, inbox.Id, MailTestMessages.Simple("first"), null, day);
        var second = await AppendRawAsync(account, inbox.Id, MailTestMessages.Simple("second"), null, day.AddHours(1));
        var newest = new[] { new MailSort(MailSortKey.ReceivedAt, Descending: true) };
        var inInbox = new MailFilter.InMailbox(inbox.Id);
        Assert.Equal([second.EmailId, first.EmailId], await account.QueryEmailsAsync(inInbox, newest));

        var other = NewEngine().OpenAccount(1);
        var third = await AppendRawAsync(other, inbox.Id, MailTestMessages.Simple("third"), null, day.AddHours(2));
        var page = await account.QueryEmailPageAsync(new EmailQuery { Filter = inInbox, Sort = newest, Limit = 2, CalculateTotal = true });
        Assert.Equal([third.EmailId, second.EmailId], page.Ids);
        Assert.Equal(3, page.Total);

        await other.SetKeywordsAsync(inbox.Id, [first.Uid], KeywordOperation.Add, [MailKeywords.Flagged]);
        Assert.Equal([first.EmailId], await account.QueryEmailsAsync(new MailFilter.HasKeyword(MailKeywords.Flagged), newest));

        await other.MoveAsync(inbox.Id, [second.Uid], archive.Id);
        Assert.Equal([third.EmailId, first.EmailId], await account.QueryEmailsAsync(inInbox, newest));
        Assert.Equal([second.EmailId], await account.QueryEmailsAsync(new MailFilter.InMailbox(archive.Id), newest));

        await other.RemoveFromMailboxAsync(inbox.Id, [third.Uid]);
        var after = await account.QueryEmailPageAsync(new EmailQuery { Sort = newest, Limit = 10, CalculateTotal = true });
        Assert.Equal([second.EmailId, first.EmailId], after.Ids);
        Assert.Equal(2, after.Total);
    }

    /// <summary>
    /// When the change log no longer reaches back to what a view holds (purged after its retention), the next query
    /// reads the account again instead of missing changes.
    /// </summary>
    /// <returns>A task that completes with the test.</returns>
    [Fact]
    public async Task A_view_older_than_the_change_log_is_read_again()
    {
        var account = Engine.OpenAccount(1);
        var inbox = await InboxAsync(account);
        var newest = new[] { new MailSort(MailSortKey.ReceivedAt, Descending: true) };
        var first = await AppendAsync(account, inbox.Id, "first");
        Assert.Equal([first.EmailId], await account.QueryEmailsAsync(null, newest));

        var other = NewEngine().OpenAccount(1);
        var second = await AppendAsync(other, inbox.Id, "second");
        await other.SetKeywordsAsync(inbox.Id, [first.Uid], KeywordOperation.Add, [MailKeywords.Deleted]);
        await other.ExpungeAsync(inbox.Id);
        Clock.Advance(TimeSpan.FromDays(40));
        await AppendAsync(other, inbox.Id, "third");
        await Engine.CollectGarbageAsync();
        var third = (await other.QueryEmailsAsync(new MailFilter.Text(MailTextField.Subject, "third"))).Single();

        Assert.Equal([third, second.EmailId], await account.QueryEmailsAsync(null, newest));
    }
}
