using Mail.Host.Conformance;
using Mail.Host.Engine.Mail;
using Mail.Host.Engine.Storage;
using Mail.Host.Plugins.InMemory;
using Mail.Host.Storage;
using Xunit;

namespace Mail.Host.Engine.Tests;

/// <summary>
/// The blob store conformance kit run against the engine's inline view, with a threshold that sends the kit's small
/// blobs to the data store and its large ones to the blob store behind it.
/// </summary>
public sealed class InlineBlobStoreTests : BlobStoreConformance
{
    private const int Threshold = 4096;

    private MemoryDataStore? data;
    private DataStoreBlobStore? outer;

    /// <inheritdoc />
    protected override ValueTask<IStoreInstance> OpenStoreAsync()
    {
        data = new MemoryDataStore();
        outer = new DataStoreBlobStore(data);
        return ValueTask.FromResult<IStoreInstance>(new AdapterStoreInstance(data, blob: new InlineBlobStore(data, outer, Threshold)));
    }

    /// <summary>A blob up to the threshold is kept in the data store only, a larger one in the blob store only.</summary>
    /// <returns>A task that completes with the test.</returns>
    [Fact]
    public async Task Small_blobs_go_to_the_data_store_and_large_ones_to_the_blob_store()
    {
        var small = new byte[Threshold];
        var large = new byte[Threshold + 1];
        Random.Shared.NextBytes(small);
        Random.Shared.NextBytes(large);
        var smallHash = BlobHash.Compute(small);
        var largeHash = BlobHash.Compute(large);
        await Store.PutAsync(smallHash, new MemoryStream(small));
        await Store.PutAsync(largeHash, new MemoryStream(large));

        Assert.Equal(small, await data!.GetAsync(MailKeys.BlobInline, MailKeys.BlobKey(smallHash)));
        Assert.False(await outer!.ExistsAsync(smallHash));
        Assert.Null(await data.GetAsync(MailKeys.BlobInline, MailKeys.BlobKey(largeHash)));
        Assert.True(await outer.ExistsAsync(largeHash));
        Assert.Equal(small[100..300], await Store.ReadRangeAsync(smallHash, 100, 200));
        Assert.Empty((await Store.ReadRangeAsync(smallHash, Threshold, 10))!);

        // Content kept in both places (stored before the threshold changed) is found, and a delete removes both.
        await outer.PutAsync(smallHash, new MemoryStream(small));
        Assert.True(await Store.DeleteAsync(smallHash));
        Assert.False(await Store.ExistsAsync(smallHash));
        Assert.False(await outer.ExistsAsync(smallHash));
        Assert.Null(await Store.OpenReadAsync(smallHash));
    }

    /// <summary>Content that does not match its hash is refused and nothing is stored.</summary>
    /// <returns>A task that completes with the test.</returns>
    [Fact]
    public async Task A_small_blob_that_does_not_match_its_hash_is_refused()
    {
        var hash = BlobHash.Compute([1, 2, 3]);
        await Assert.ThrowsAsync<InvalidDataException>(async () => await Store.PutAsync(hash, new MemoryStream([4, 5, 6])));
        Assert.False(await Store.ExistsAsync(hash));
    }
}
