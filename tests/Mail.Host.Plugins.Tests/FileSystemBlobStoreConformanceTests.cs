using Mail.Host.Conformance;
using Mail.Host.Plugins.FileSystem;
using Mail.Host.Storage;

namespace Mail.Host.Plugins.Tests;

/// <summary>The blob conformance kit run against the <c>filesystem</c> store, each test in its own folder.</summary>
public sealed class FileSystemBlobStoreConformanceTests : BlobStoreConformance
{
    private readonly FileSystemTestFolder folder = new();

    /// <inheritdoc />
    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        folder.Dispose();
    }

    /// <inheritdoc />
    protected override ValueTask<IStoreInstance> OpenStoreAsync()
        => new FileSystemBlobStoreProvider().OpenAsync(folder.Context("blobs"), CancellationToken.None);
}
