using Mail.Host.Engine.Mail;
using Mail.Host.Engine.Storage;
using Mail.Host.Mail;
using Mail.Host.Storage;
using Xunit;

namespace Mail.Host.Engine.Tests;

/// <summary>Deliveries to one account recorded together, and their full-text indexing after the acknowledgement.</summary>
public abstract partial class MailEngineConformance
{
    /// <summary>
    /// Many deliveries to one account at once are all stored, each exactly once, with distinct UIDs and email ids,
    /// the mailbox counters matching, and no pending blob reference left behind.
    /// </summary>
    /// <returns>A task that completes with the test.</returns>
    [Fact]
    public async Task Concurrent_deliveries_to_one_account_are_each_stored_once()
    {
        const int count = 40;
        var account = Engine.OpenAccount(1);
        var inbox = await InboxAsync(account);

        var results = await Task.WhenAll(Enumerable.Range(0, count).Select(i => Task.Run(async () =>
            (await Engine.DeliverAsync(new MemoryStream(MailTestMessages.Simple($"Parallel {i}", body: $"message number {i}")), [1]))[0])));

        Assert.All(results, r => Assert.Equal(DeliveryStatus.Delivered, r.Status));
        Assert.Equal(count, results.Select(r => r.Uid).Distinct().Count());
        Assert.Equal(count, results.Select(r => r.EmailId).Distinct().Count());
        var listed = await account.GetMessagesAsync(inbox.Id).ToListAsync();
        Assert.Equal(results.Select(r => r.Uid).Order(), listed.Select(m => m.Uid));
        Assert.Equal(results.Select(r => r.EmailId).Order(), listed.Select(m => m.EmailId).Order());
        var after = (await account.GetMailboxesAsync()).Single(m => m.Id == inbox.Id);
        Assert.Equal(count, after.TotalMessages);
        Assert.Equal(count + 1u, after.UidNext);
        Assert.Equal(0, await Data.ScanAsync(MailKeys.BlobPending, KeyRange.All()).CountAsync());
        Assert.Equal(count, (await account.GetQuotaAsync()).Messages);
        Assert.Equal(count, await Data.ScanAsync(MailKeys.BlobReference, KeyRange.All()).CountAsync());
    }

    /// <summary>Deliveries recorded in one commit are still checked against the quota one by one.</summary>
    /// <returns>A task that completes with the test.</returns>
    [Fact]
    public async Task Concurrent_deliveries_over_the_message_quota_store_only_what_fits()
    {
        var account = Engine.OpenAccount(1);
        await account.SetQuotaAsync(new MailQuota(null, 5));

        var results = await Task.WhenAll(Enumerable.Range(0, 12).Select(i => Task.Run(async () =>
            (await Engine.DeliverAsync(new MemoryStream(MailTestMessages.Simple($"Quota {i}")), [1]))[0])));

        Assert.Equal(5, results.Count(r => r.Status == DeliveryStatus.Delivered));
        Assert.Equal(7, results.Count(r => r.Status == DeliveryStatus.OverQuota));
        Assert.All(results.Where(r => r.Status == DeliveryStatus.OverQuota), r => Assert.Equal(QuotaResource.Messages, r.ExceededQuota));
        Assert.Equal(5, (await account.GetQuotaAsync()).Messages);
        Assert.Equal(5, (await account.GetMailboxesAsync()).Single(m => m.Role == MailboxRole.Inbox).TotalMessages);
    }

    /// <summary>
    /// A delivery is acknowledged before its document reaches the index, with its durable pending marker in place;
    /// a text search of the account then waits for that indexing and finds the message, and the marker is gone.
    /// </summary>
    /// <returns>A task that completes with the test.</returns>
    [Fact]
    public async Task A_text_search_finds_a_delivery_whose_indexing_was_deferred()
    {
        var index = new GatedFullTextStore(new DataStoreFullTextStore(Data));
        var engine = new MailEngine(Data, Blobs, null, Clock, fullText: index);
        var account = engine.OpenAccount(1);
        await InboxAsync(account);
        var wombat = new MailFilter.Text(MailTextField.Body, "wombat");

        // Returns while the index still refuses to write: the acknowledgement does not wait for indexing.
        var delivered = (await engine.DeliverAsync(new MemoryStream(MailTestMessages.Simple("Sighting", body: "a wombat at dawn")), [1]).AsTask().WaitAsync(TimeSpan.FromSeconds(30)))[0];
        Assert.Equal(DeliveryStatus.Delivered, delivered.Status);
        Assert.Equal(0, index.Written);
        Assert.NotNull(await Data.GetAsync(MailKeys.FullTextPending, MailKeys.AccountItem(1, delivered.EmailId)));

        // The search waits for the account's pending indexing rather than answering without the message.
        var search = account.QueryEmailsAsync(wombat).AsTask();
        await Task.Delay(200);
        Assert.False(search.IsCompleted);
        index.Open();
        Assert.Equal([delivered.EmailId], await search.WaitAsync(TimeSpan.FromSeconds(30)));
        Assert.Equal(1, index.Written);
        Assert.Null(await Data.GetAsync(MailKeys.FullTextPending, MailKeys.AccountItem(1, delivered.EmailId)));

        // Many at once: every one is found by the next search.
        var more = await Task.WhenAll(Enumerable.Range(0, 30).Select(i => Task.Run(async () =>
            (await engine.DeliverAsync(new MemoryStream(MailTestMessages.Simple($"Herd {i}", body: $"wombat number {i}")), [1]))[0].EmailId)));
        Assert.Equal(more.Append(delivered.EmailId).Order(), (await account.QueryEmailsAsync(wombat)).Order());
        Assert.Equal(0, await Data.ScanAsync(MailKeys.FullTextPending, KeyRange.All()).CountAsync());
    }
}
