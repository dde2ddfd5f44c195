using Mail.Host.Plugins.FileSystem;
using Mail.Host.Storage;
using Xunit;

namespace Mail.Host.Plugins.Tests;

/// <summary>What the <c>filesystem</c> blob store does on disk, beyond the conformance kit.</summary>
public sealed class FileSystemBlobStoreTests : IDisposable
{
    private readonly FileSystemTestFolder folder = new();
    private readonly FileSystemBlobStoreProvider provider = new();

    private string Root => Path.Combine(folder.FullPath, "blobs");

    private string TempFolder => Path.Combine(Root, "tmp");

    /// <inheritdoc />
    public void Dispose() => folder.Dispose();

    [Fact]
    public void The_provider_offers_the_filesystem_type_for_the_blob_role_only()
    {
        Assert.Equal("filesystem", provider.Type);
        Assert.Equal(StoreRoles.Blob, provider.Roles);
    }

    [Fact]
    public async Task An_instance_serves_the_blob_role_only()
    {
        await using var instance = await OpenAsync();

        Assert.NotNull(instance.Blob);
        Assert.Null(instance.Data);
        Assert.Null(instance.FullText);
        Assert.Null(instance.Lookup);
    }

    [Fact]
    public async Task A_blob_is_a_file_named_by_its_hash_under_two_fan_out_folders()
    {
        await using var instance = await OpenAsync();
        var content = "fan-out layout"u8.ToArray();
        var hash = BlobHash.Compute(content);

        await instance.Blob!.PutAsync(hash, new MemoryStream(content));

        var name = hash.ToString();
        var expected = Path.Combine(Root, name[..2], name[2..4], name);
        Assert.Equal(content, await File.ReadAllBytesAsync(expected));
        Assert.Equal([expected], System.IO.Directory.EnumerateFiles(Root, "*", SearchOption.AllDirectories));
    }

    [Fact]
    public async Task A_relative_Path_resolves_against_the_manifest_folder()
    {
        Assert.Empty(provider.Validate(folder.Context("data/blobs")));
        await using var instance = await provider.OpenAsync(folder.Context("data/blobs"), CancellationToken.None);
        var content = "relative"u8.ToArray();
        var hash = BlobHash.Compute(content);

        await instance.Blob!.PutAsync(hash, new MemoryStream(content));

        var name = hash.ToString();
        Assert.True(File.Exists(Path.Combine(folder.FullPath, "data", "blobs", name[..2], name[2..4], name)));
    }

    [Fact]
    public async Task Leftover_temporary_files_are_removed_when_the_store_opens()
    {
        var content = "kept"u8.ToArray();
        var hash = BlobHash.Compute(content);
        await using (var first = await OpenAsync())
        {
            await first.Blob!.PutAsync(hash, new MemoryStream(content));
        }

        await File.WriteAllTextAsync(Path.Combine(TempFolder, "crashed-put.1234"), "half a blob");
        await File.WriteAllTextAsync(Path.Combine(TempFolder, "crashed-delete.deleted"), "a deleted blob");

        await using var reopened = await OpenAsync();

        Assert.Empty(System.IO.Directory.EnumerateFileSystemEntries(TempFolder));
        Assert.Equal(content, await reopened.Blob!.ReadRangeAsync(hash, 0, 100));
    }

    [Fact]
    public async Task Blobs_survive_reopening_the_store()
    {
        var content = "durable"u8.ToArray();
        var hash = BlobHash.Compute(content);
        await using (var first = await OpenAsync())
        {
            await first.Blob!.PutAsync(hash, new MemoryStream(content));
        }

        await using var second = await OpenAsync();

        Assert.True(await second.Blob!.ExistsAsync(hash));
        Assert.Equal(content, await second.Blob.ReadRangeAsync(hash, 0, 100));
    }

    [Fact]
    public async Task Content_that_does_not_match_its_hash_is_rejected_and_leaves_no_file()
    {
        await using var instance = await OpenAsync();
        var wrongHash = BlobHash.Compute("something else"u8);

        await Assert.ThrowsAsync<InvalidDataException>(async () => await instance.Blob!.PutAsync(wrongHash, new MemoryStream("the content"u8.ToArray())));

        Assert.False(await instance.Blob!.ExistsAsync(wrongHash));
        Assert.Empty(System.IO.Directory.EnumerateFiles(Root, "*", SearchOption.AllDirectories));
    }

    [Fact]
    public async Task A_cancelled_put_leaves_no_file()
    {
        await using var instance = await OpenAsync();
        var content = new byte[1024 * 1024];
        Random.Shared.NextBytes(content);
        var hash = BlobHash.Compute(content);
        using var cancellation = new CancellationTokenSource();
        await cancellation.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await instance.Blob!.PutAsync(hash, new MemoryStream(content), cancellation.Token));

        Assert.False(await instance.Blob!.ExistsAsync(hash));
        Assert.Empty(System.IO.Directory.EnumerateFiles(Root, "*", SearchOption.AllDirectories));
    }

    [Fact]
    public async Task A_failing_content_stream_fails_the_put_with_its_own_error_and_leaves_no_file()
    {
        await using var instance = await OpenAsync();
        var hash = BlobHash.Compute("never complete"u8);

        var error = await Assert.ThrowsAsync<IOException>(async () => await instance.Blob!.PutAsync(hash, new FailingStream()));

        Assert.Equal(FailingStream.Message, error.Message);
        Assert.Empty(System.IO.Directory.EnumerateFiles(Root, "*", SearchOption.AllDirectories));
    }

    [Fact]
    public async Task A_storage_failure_surfaces_as_StoreUnavailableException()
    {
        await using var instance = await OpenAsync();
        System.IO.Directory.Delete(TempFolder);
        await File.WriteAllTextAsync(TempFolder, "a file where the temporary folder should be");
        var content = "unwritable"u8.ToArray();

        await Assert.ThrowsAsync<StoreUnavailableException>(async () => await instance.Blob!.PutAsync(BlobHash.Compute(content), new MemoryStream(content)));
    }

    [Fact]
    public async Task A_deleted_blob_leaves_no_file_behind()
    {
        await using var instance = await OpenAsync();
        var content = "short-lived"u8.ToArray();
        var hash = BlobHash.Compute(content);
        await instance.Blob!.PutAsync(hash, new MemoryStream(content));

        Assert.True(await instance.Blob.DeleteAsync(hash));

        Assert.Empty(System.IO.Directory.EnumerateFiles(Root, "*", SearchOption.AllDirectories));
    }

    [Fact]
    public async Task A_reader_keeps_reading_a_blob_deleted_under_it()
    {
        await using var instance = await OpenAsync();
        var content = "still readable"u8.ToArray();
        var hash = BlobHash.Compute(content);
        await instance.Blob!.PutAsync(hash, new MemoryStream(content));

        var stream = await instance.Blob.OpenReadAsync(hash);
        Assert.NotNull(stream);
        await using (stream)
        {
            Assert.True(await instance.Blob.DeleteAsync(hash));
            using var copy = new MemoryStream();
            await stream.CopyToAsync(copy);
            Assert.Equal(content, copy.ToArray());
        }

        Assert.False(await instance.Blob.ExistsAsync(hash));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("   ")]
    public void Validate_reports_a_missing_Path(string? path)
    {
        var problem = Assert.Single(provider.Validate(folder.Context(path)));

        Assert.Contains("Stores:blobs:Path", problem, StringComparison.Ordinal);
        Assert.Contains("folder", problem, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Validate_reports_a_Path_that_is_a_file()
    {
        await File.WriteAllTextAsync(Path.Combine(folder.FullPath, "not-a-folder"), "x");

        var problem = Assert.Single(provider.Validate(folder.Context("not-a-folder")));

        Assert.Contains("is a file", problem, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_reports_a_Path_that_is_not_a_path()
    {
        var problem = Assert.Single(provider.Validate(folder.Context("bad\0name")));

        Assert.Contains("not a usable path", problem, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Opening_without_a_Path_fails_with_the_validation_message()
    {
        var context = folder.Context(null);

        var error = await Assert.ThrowsAsync<InvalidOperationException>(async () => await provider.OpenAsync(context, CancellationToken.None));

        Assert.Equal(Assert.Single(provider.Validate(context)), error.Message);
    }

    private ValueTask<IStoreInstance> OpenAsync() => provider.OpenAsync(folder.Context("blobs"), CancellationToken.None);

    /// <summary>A content stream that breaks part way, as a dropped client connection does.</summary>
    private sealed class FailingStream : Stream
    {
        public const string Message = "The client went away.";

        private bool served;

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position
        {
            get => throw new NotSupportedException();
            set => throw new NotSupportedException();
        }

        public override int Read(byte[] buffer, int offset, int count)
        {
            if (served)
            {
                throw new IOException(Message);
            }

            served = true;
            buffer[offset] = 42;
            return 1;
        }

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
