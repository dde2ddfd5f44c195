using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using Mail.Host.Storage;
using Microsoft.Extensions.Logging;
using Minio;
using Minio.DataModel.Args;
using Minio.Exceptions;

namespace Mail.Host.Plugins.S3;

/// <summary>
/// Blobs as S3 objects named <c>PREFIX</c> + the SHA-256 in hex. A put reads the content once into a spool (memory up
/// to <see cref="MemorySpoolLimit"/>, a temporary file beyond), checks its hash and uploads it with its length, so a
/// cancelled or mismatched put leaves nothing behind: S3 makes an object visible only when its upload completes.
/// Calls that fail with a 5xx, a throttling answer, a timeout or a broken connection are tried again with
/// exponential backoff; when every attempt fails the caller gets <see cref="StoreUnavailableException"/>.
/// </summary>
internal sealed class S3BlobStore : IBlobStore, IDisposable
{
    private const int MemorySpoolLimit = 8 * 1024 * 1024;

    private readonly IMinioClient client;
    private readonly S3Settings settings;
    private readonly ILogger logger;
    private readonly HttpClient http;

    public S3BlobStore(IMinioClient client, S3Settings settings, ILogger logger)
    {
        this.client = client;
        this.settings = settings;
        this.logger = logger;
        http = new HttpClient(new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(5) }) { Timeout = settings.Timeout };
    }

    /// <summary>Closes the HTTP connections.</summary>
    public void Dispose() => http.Dispose();

    public async ValueTask EnsureBucketAsync(CancellationToken cancellationToken)
    {
        var exists = await RetryAsync("check the bucket", () => client.BucketExistsAsync(new BucketExistsArgs().WithBucket(settings.Bucket), cancellationToken), cancellationToken).ConfigureAwait(false);
        if (exists)
        {
            return;
        }

        if (!settings.CreateBucket)
        {
            throw new InvalidOperationException($"The bucket '{settings.Bucket}' does not exist at {settings.Endpoint} and CreateBucket is false: create it, or set CreateBucket to true.");
        }

        var make = new MakeBucketArgs().WithBucket(settings.Bucket);
        if (settings.Region is { Length: > 0 } region)
        {
            make = make.WithLocation(region);
        }

        await RetryAsync("create the bucket", async () => { await client.MakeBucketAsync(make, cancellationToken).ConfigureAwait(false); return true; }, cancellationToken).ConfigureAwait(false);
    }

    public async ValueTask PutAsync(BlobHash hash, Stream content, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(content);
        await using var spool = await SpoolAsync(content, cancellationToken).ConfigureAwait(false);
        spool.Position = 0;
        var actual = BlobHash.FromBytes(await SHA256.HashDataAsync(spool, cancellationToken).ConfigureAwait(false));
        if (actual != hash)
        {
            throw new InvalidDataException($"The content's SHA-256 is {actual}, not {hash}: nothing was stored.");
        }

        await RetryAsync(
            "store a blob",
            async () =>
            {
                spool.Position = 0;
                var put = new PutObjectArgs()
                    .WithBucket(settings.Bucket)
                    .WithObject(ObjectName(hash))
                    .WithStreamData(spool)
                    .WithObjectSize(spool.Length)
                    .WithContentType("application/octet-stream");
                await client.PutObjectAsync(put, cancellationToken).ConfigureAwait(false);
                return true;
            },
            cancellationToken).ConfigureAwait(false);
    }

    public async ValueTask<Stream?> OpenReadAsync(BlobHash hash, CancellationToken cancellationToken = default)
    {
        var response = await GetAsync(hash, range: null, cancellationToken).ConfigureAwait(false);
        if (response is null)
        {
            return null;
        }

        try
        {
            var body = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
            return new ResponseStream(body, response);
        }
        catch
        {
            response.Dispose();
            throw;
        }
    }

    public async ValueTask<byte[]?> ReadRangeAsync(BlobHash hash, long offset, int length, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(offset);
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        if (await StatAsync(hash, cancellationToken).ConfigureAwait(false) is not { } size)
        {
            return null;
        }

        // S3 answers a range that starts at or past the end with 416; the contract answers it with no bytes.
        var take = (int)Math.Min(length, Math.Max(0, size - offset));
        if (take == 0)
        {
            return [];
        }

        using var response = await GetAsync(hash, new RangeHeaderValue(offset, offset + take - 1), cancellationToken).ConfigureAwait(false);
        if (response is null)
        {
            return null;
        }

        var buffer = new byte[take];
        await using var body = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
        if (response.StatusCode == HttpStatusCode.OK)
        {
            // A service that ignores Range sends the whole object: skip to the range.
            await SkipAsync(body, offset, cancellationToken).ConfigureAwait(false);
        }

        await body.ReadExactlyAsync(buffer, cancellationToken).ConfigureAwait(false);
        return buffer;
    }

    public async ValueTask<bool> ExistsAsync(BlobHash hash, CancellationToken cancellationToken = default)
        => await StatAsync(hash, cancellationToken).ConfigureAwait(false) is not null;

    public async ValueTask<bool> DeleteAsync(BlobHash hash, CancellationToken cancellationToken = default)
    {
        // S3 deletes succeed whether or not the object was there; the contract wants to know.
        if (await StatAsync(hash, cancellationToken).ConfigureAwait(false) is null)
        {
            return false;
        }

        await RetryAsync(
            "delete a blob",
            async () =>
            {
                await client.RemoveObjectAsync(new RemoveObjectArgs().WithBucket(settings.Bucket).WithObject(ObjectName(hash)), cancellationToken).ConfigureAwait(false);
                return true;
            },
            cancellationToken).ConfigureAwait(false);
        return true;
    }

    private static async Task SkipAsync(Stream body, long count, CancellationToken cancellationToken)
    {
        var scratch = new byte[81920];
        while (count > 0)
        {
            var read = await body.ReadAsync(scratch.AsMemory(0, (int)Math.Min(scratch.Length, count)), cancellationToken).ConfigureAwait(false);
            if (read == 0)
            {
                throw new EndOfStreamException("The object ended before the requested range.");
            }

            count -= read;
        }
    }

    /// <summary>
    /// GETs an object through a presigned URL (signature version 4, computed locally by the SDK) with this store's own
    /// HTTP client, so whole objects stream to the caller without buffering and ranged reads accept both 206 and a
    /// service's 200; the SDK's own GET buffers through a callback and, in version 7.0.0, refuses some 206 answers.
    /// </summary>
    private async Task<HttpResponseMessage?> GetAsync(BlobHash hash, RangeHeaderValue? range, CancellationToken cancellationToken)
        => await RetryAsync(
            range is null ? "read a blob" : "read a blob range",
            async () =>
            {
                var url = await client.PresignedGetObjectAsync(new PresignedGetObjectArgs().WithBucket(settings.Bucket).WithObject(ObjectName(hash)).WithExpiry(600)).ConfigureAwait(false);
                using var request = new HttpRequestMessage(HttpMethod.Get, url);
                request.Headers.Range = range;
                var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
                if (response.StatusCode == HttpStatusCode.NotFound)
                {
                    response.Dispose();
                    return null;
                }

                if ((int)response.StatusCode >= 500 || response.StatusCode == HttpStatusCode.TooManyRequests)
                {
                    var status = response.StatusCode;
                    response.Dispose();
                    throw new HttpRequestException($"S3 answered {(int)status} {status}", null, status);
                }

                if (!response.IsSuccessStatusCode)
                {
                    var status = response.StatusCode;
                    var detail = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
                    response.Dispose();
                    throw new InvalidOperationException($"S3 refused to read {ObjectName(hash)}: {(int)status} {status} {detail}");
                }

                return response;
            },
            cancellationToken).ConfigureAwait(false);

    private static async Task<T?> MissingAsNullAsync<T>(Func<Task<T>> call)
        where T : class
    {
        try
        {
            return await call().ConfigureAwait(false);
        }
        catch (ObjectNotFoundException)
        {
            return null;
        }
    }

    private static bool IsTransient(Exception exception) => exception switch
    {
        ObjectNotFoundException or BucketNotFoundException or InvalidDataException => false,
        HttpRequestException or TimeoutException or IOException => true,
        TaskCanceledException => true,
        ConnectionException or InternalServerException => true,
        MinioException { ServerResponse: { } response } => (int)response.StatusCode >= 500 || response.StatusCode == HttpStatusCode.TooManyRequests,
        _ => false,
    };

    private static FileStream TempFile()
        => new(Path.Combine(Path.GetTempPath(), $"mailhost-s3-{Guid.NewGuid():N}"), FileMode.CreateNew, FileAccess.ReadWrite, FileShare.None, 81920, FileOptions.DeleteOnClose | FileOptions.Asynchronous);

    private static async Task<Stream> SpoolAsync(Stream content, CancellationToken cancellationToken)
    {
        var memory = new MemoryStream();
        var buffer = new byte[81920];
        int read;
        while ((read = await content.ReadAsync(buffer, cancellationToken).ConfigureAwait(false)) > 0)
        {
            memory.Write(buffer, 0, read);
            if (memory.Length > MemorySpoolLimit)
            {
                var file = TempFile();
                memory.Position = 0;
                await memory.CopyToAsync(file, cancellationToken).ConfigureAwait(false);
                await content.CopyToAsync(file, cancellationToken).ConfigureAwait(false);
                return file;
            }
        }

        return memory;
    }

    private async ValueTask<long?> StatAsync(BlobHash hash, CancellationToken cancellationToken)
        => await RetryAsync(
            "look up a blob",
            async () =>
            {
                var stat = await MissingAsNullAsync(() => client.StatObjectAsync(new StatObjectArgs().WithBucket(settings.Bucket).WithObject(ObjectName(hash)), cancellationToken)).ConfigureAwait(false);
                return stat is null ? (long?)null : stat.Size;
            },
            cancellationToken).ConfigureAwait(false);

    private string ObjectName(BlobHash hash) => settings.KeyPrefix + hash;

    private async Task<T> RetryAsync<T>(string what, Func<Task<T>> call, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await call().ConfigureAwait(false);
            }
            catch (Exception ex) when (IsTransient(ex) && !cancellationToken.IsCancellationRequested)
            {
                if (attempt >= settings.MaxAttempts)
                {
                    throw new StoreUnavailableException($"S3 at {settings.Endpoint} could not {what} after {attempt} attempts: {ex.Message}", ex);
                }

                var delay = TimeSpan.FromMilliseconds(100 * Math.Pow(2, attempt - 1) * (0.5 + Random.Shared.NextDouble()));
                logger.LogDebug(ex, "S3 could not {What} (attempt {Attempt}); trying again in {Delay}", what, attempt, delay);
                await Task.Delay(delay, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    /// <summary>The body of a GET; disposing it closes the response too.</summary>
    private sealed class ResponseStream(Stream inner, HttpResponseMessage response) : Stream
    {
        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => response.Content.Headers.ContentLength ?? throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count) => inner.Read(buffer, offset, count);

        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) => inner.ReadAsync(buffer, cancellationToken);

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) => inner.ReadAsync(buffer, offset, count, cancellationToken);

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                inner.Dispose();
                response.Dispose();
            }

            base.Dispose(disposing);
        }
    }
}
