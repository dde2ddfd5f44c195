using Mail.Host.Engine.Mail;
using Mail.Host.Engine.Storage;
using Mail.Host.Mail;
using Mail.Host.Plugins.RocksDb;
using Mail.Host.Storage;
using Xunit;

namespace Mail.Host.Engine.Tests;

/// <summary>The engine suite over the RocksDB store, each test in a new folder, blobs in the same database.</summary>
public sealed class RocksDbMailEngineTests : MailEngineConformance, IDisposable
{
    private readonly MailEngineStoreFolder folder = new("rocksdb");

    /// <inheritdoc />
    public void Dispose() => folder.Dispose();

    /// <inheritdoc />
    protected override ValueTask<IDataStore> CreateDataStoreAsync() => folder.OpenAsync(new RocksDbStoreProvider(), "data/rocksdb");

    /// <inheritdoc />
    protected override ValueTask<IBlobStore> CreateBlobStoreAsync(IDataStore dataStore)
        => folder.Instance.Blob is { } blob ? ValueTask.FromResult(blob) : base.CreateBlobStoreAsync(dataStore);

    /// <inheritdoc />
    protected override ValueTask DisposeStoresAsync() => folder.CloseAsync();

    /// <summary>
    /// Deliveries committed together (one group write for many of them) are all there after the store is closed and
    /// opened again, blobs included, and a text search then finds every one of them, the catch-up pass indexing
    /// whatever the background indexing had not finished.
    /// </summary>
    /// <returns>A task that completes with the test.</returns>
    [Fact]
    public async Task Concurrent_deliveries_are_all_present_after_the_store_is_reopened()
    {
        const int count = 60;
        await Engine.OpenAccount(1).GetMailboxesAsync();
        var results = await Task.WhenAll(Enumerable.Range(0, count).Select(i => Task.Run(async () =>
            (await Engine.DeliverAsync(new MemoryStream(MailTestMessages.Simple($"Durable {i}", body: $"numbat {i}")), [1]))[0])));
        Assert.All(results, r => Assert.Equal(DeliveryStatus.Delivered, r.Status));
        await folder.CloseAsync();

        var data = await folder.OpenAsync(new RocksDbStoreProvider(), "data/rocksdb");
        var blobs = folder.Instance.Blob ?? new DataStoreBlobStore(data);
        var reopened = new MailEngine(data, blobs, null, Clock, fullText: new DataStoreFullTextStore(data));
        await reopened.IndexPendingAsync();
        var account = reopened.OpenAccount(1);
        var inbox = (await account.GetMailboxesAsync()).Single(m => m.Role == MailboxRole.Inbox);
        var listed = await account.GetMessagesAsync(inbox.Id).ToListAsync();
        Assert.Equal(results.Select(r => r.Uid).Order(), listed.Select(m => m.Uid));
        Assert.Equal(count, inbox.TotalMessages);
        foreach (var result in results)
        {
            var stored = await account.OpenMessageAsync(result.EmailId);
            Assert.NotNull(stored);
            await stored.DisposeAsync();
        }

        var found = await account.QueryEmailsAsync(new MailFilter.Text(MailTextField.Body, "numbat"));
        Assert.Equal(results.Select(r => r.EmailId).Order(), found.Order());
    }
}
