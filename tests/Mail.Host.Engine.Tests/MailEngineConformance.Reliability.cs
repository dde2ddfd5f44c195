using Mail.Host.Engine.Mail;
using Mail.Host.Mail;
using Mail.Host.Storage;
using Xunit;

namespace Mail.Host.Engine.Tests;

/// <summary>Deliveries that outlive their pending reference, on every backend.</summary>
public abstract partial class MailEngineConformance
{
    /// <summary>
    /// A delivery so slow that the collector dropped its pending reference and deleted the blob before the email was
    /// recorded: the engine notices after the commit and stores the blob again, so the acknowledged message stays
    /// readable.
    /// </summary>
    /// <returns>A task that completes with the test.</returns>
    [Fact]
    public async Task A_delivery_slower_than_the_pending_timeout_keeps_its_blob()
    {
        // The blob store's path: with inline storage, a small message is written with its reference and this put never happens.
        var blobs = new CollectingAfterPut(Blobs, Clock);
        var engine = new MailEngine(Data, blobs, new MailEngineOptions { PendingReferenceTimeout = TimeSpan.FromMinutes(1), InlineMessageBytes = 0 }, Clock);
        blobs.Engine = engine;
        var message = MailTestMessages.Simple("slow delivery", string.Concat(Enumerable.Repeat("slow ", 500)));

        await engine.OpenAccount(60).GetMailboxesAsync();
        await engine.OpenAccount(61).GetMailboxesAsync();

        var result = (await engine.DeliverAsync(new MemoryStream(message), [60UL, 61UL])).ToList();

        Assert.True(blobs.CollectedDuringPut > 0, "The collector did not delete the blob during the delivery, so the test proved nothing.");
        Assert.All(result, r => Assert.Equal(DeliveryStatus.Delivered, r.Status));
        Assert.Equal(2, blobs.Puts);
        foreach (var r in result)
        {
            await using var stream = await engine.OpenAccount(r.AccountId).OpenMessageAsync(r.EmailId);
            Assert.NotNull(stream);
            using var copy = new MemoryStream();
            await stream.CopyToAsync(copy);
            Assert.Equal(message, copy.ToArray());
        }

        Clock.Advance(TimeSpan.FromHours(2));
        await engine.CollectGarbageAsync();
        var stillThere = await engine.OpenAccount(60).OpenMessageAsync(result[0].EmailId);
        Assert.NotNull(stillThere);
        await stillThere.DisposeAsync();
    }

    /// <summary>After the first put of a blob, time jumps past the pending timeout and the collector runs.</summary>
    private sealed class CollectingAfterPut(IBlobStore inner, ManualClock clock) : IBlobStore
    {
        private int collected;
        private int puts;

        public MailEngine? Engine { get; set; }

        public int CollectedDuringPut => collected;

        public int Puts => puts;

        public async ValueTask PutAsync(BlobHash hash, Stream content, CancellationToken cancellationToken = default)
        {
            await inner.PutAsync(hash, content, cancellationToken);
            if (Interlocked.Increment(ref puts) == 1)
            {
                clock.Advance(TimeSpan.FromMinutes(5));
                var gc = await Engine!.CollectGarbageAsync(cancellationToken);
                collected = gc.BlobsDeleted;
            }
        }

        public ValueTask<Stream?> OpenReadAsync(BlobHash hash, CancellationToken cancellationToken = default) => inner.OpenReadAsync(hash, cancellationToken);

        public ValueTask<byte[]?> ReadRangeAsync(BlobHash hash, long offset, int length, CancellationToken cancellationToken = default) => inner.ReadRangeAsync(hash, offset, length, cancellationToken);

        public ValueTask<bool> ExistsAsync(BlobHash hash, CancellationToken cancellationToken = default) => inner.ExistsAsync(hash, cancellationToken);

        public ValueTask<bool> DeleteAsync(BlobHash hash, CancellationToken cancellationToken = default) => inner.DeleteAsync(hash, cancellationToken);
    }
}
