using System.Buffers.Binary;
using System.Collections.Concurrent;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Mail.Host.Mail;
using Mail.Host.Storage;
using Microsoft.AspNetCore.Http;
using MimeKit;
using MessagePart = Mail.Host.Mail.MessagePart;

namespace Mail.Host.Plugins.Jmap;

/// <summary>
/// Blobs as JMAP sees them. A blob id always names something of one account, so no id can reach another account's
/// data: <c>G</c> + SHA-256 hex is a blob the account uploaded (recorded in <c>jmap_upload</c>, key account + hash);
/// <c>B</c> + email number is that email's raw message; <c>B</c> + email number + <c>-</c> + part number with
/// <c>-</c> for <c>.</c> is one MIME part of it, decoded from its transfer encoding.
/// </summary>
internal sealed class JmapBlobs(JmapServer server)
{
    public const string UploadSubspace = "jmap_upload";
    private readonly ConcurrentDictionary<ulong, int> uploads = new();

    /// <summary>A resolved blob: its bytes as a stream, its media type when known, and its size.</summary>
    public sealed record Blob(Stream Content, string? Type, long Size) : IDisposable
    {
        public void Dispose() => Content.Dispose();
    }

    public static string EmailBlobId(ulong emailId) => "B" + emailId.ToString(CultureInfo.InvariantCulture);

    public static string PartBlobId(ulong emailId, string partId)
        => partId.Length == 0 ? EmailBlobId(emailId) : EmailBlobId(emailId) + "-" + partId.Replace('.', '-');

    public static string UploadBlobId(BlobHash hash) => "G" + hash;

    public async Task UploadAsync(HttpContext http, string accountId)
    {
        var auth = await server.Auth.AuthenticateAsync(http).ConfigureAwait(false);
        if (auth.User is not { } user)
        {
            await JmapRoutes.WriteAuthFailureAsync(http, auth).ConfigureAwait(false);
            return;
        }

        if (accountId != user.AccountKey)
        {
            await JmapProblem.WriteHttpAsync(http, StatusCodes.Status404NotFound, $"There is no account '{JmapApi.Shorten(accountId)}' this user has access to.").ConfigureAwait(false);
            return;
        }

        if (http.Request.ContentLength > server.Options.MaxSizeUpload)
        {
            await DrainAsync(http, server.Options.MaxSizeUpload * 2).ConfigureAwait(false);
            await JmapProblem.WriteAsync(http, StatusCodes.Status413PayloadTooLarge, JmapProblem.Limit, $"The upload is larger than maxSizeUpload ({server.Options.MaxSizeUpload} bytes).", "maxSizeUpload").ConfigureAwait(false);
            return;
        }

        if (uploads.AddOrUpdate(user.AccountId, 1, (_, n) => n + 1) > server.Options.MaxConcurrentUpload)
        {
            uploads.AddOrUpdate(user.AccountId, 0, (_, n) => n - 1);
            await JmapProblem.WriteAsync(http, StatusCodes.Status400BadRequest, JmapProblem.Limit, $"This user already has maxConcurrentUpload ({server.Options.MaxConcurrentUpload}) uploads in progress.", "maxConcurrentUpload").ConfigureAwait(false);
            return;
        }

        try
        {
            if (http.Features.Get<Microsoft.AspNetCore.Http.Features.IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit)
            {
                limit.MaxRequestBodySize = server.Options.MaxSizeUpload + 1;
            }

            var type = string.IsNullOrWhiteSpace(http.Request.ContentType) ? "application/octet-stream" : http.Request.ContentType!;
            var stored = await StoreAsync(user, http.Request.Body, type, http.RequestAborted).ConfigureAwait(false);
            if (stored is null)
            {
                await DrainAsync(http, server.Options.MaxSizeUpload * 2).ConfigureAwait(false);
                await JmapProblem.WriteAsync(http, StatusCodes.Status413PayloadTooLarge, JmapProblem.Limit, $"The upload is larger than maxSizeUpload ({server.Options.MaxSizeUpload} bytes).", "maxSizeUpload").ConfigureAwait(false);
                return;
            }

            http.Response.StatusCode = StatusCodes.Status201Created;
            http.Response.ContentType = "application/json; charset=utf-8";
            await http.Response.WriteAsync(new JsonObject
            {
                ["accountId"] = user.AccountKey,
                ["blobId"] = stored.Value.BlobId,
                ["type"] = type,
                ["size"] = stored.Value.Size,
            }.ToJsonString(), http.RequestAborted).ConfigureAwait(false);
        }
        finally
        {
            uploads.AddOrUpdate(user.AccountId, 0, (_, n) => n - 1);
        }
    }

    /// <summary>Stores content as an uploaded blob of the account; null when it is over maxSizeUpload.</summary>
    public async Task<(string BlobId, long Size)?> StoreAsync(JmapUser user, Stream content, string type, CancellationToken cancellationToken)
    {
        var spool = Path.Combine(Path.GetTempPath(), "mailhost-jmap-" + Guid.NewGuid().ToString("N"));
        await using var file = new FileStream(spool, FileMode.CreateNew, FileAccess.ReadWrite, FileShare.None, 81920, FileOptions.DeleteOnClose | FileOptions.Asynchronous);
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var buffer = new byte[81920];
        long size = 0;
        try
        {
            int read;
            while ((read = await content.ReadAsync(buffer, cancellationToken).ConfigureAwait(false)) > 0)
            {
                size += read;
                if (size > server.Options.MaxSizeUpload)
                {
                    return null;
                }

                hash.AppendData(buffer, 0, read);
                await file.WriteAsync(buffer.AsMemory(0, read), cancellationToken).ConfigureAwait(false);
            }
        }
        catch (BadHttpRequestException)
        {
            return null;
        }

        var blobHash = BlobHash.FromBytes(hash.GetHashAndReset());
        file.Position = 0;
        await server.Stores.Blob.PutAsync(blobHash, file, cancellationToken).ConfigureAwait(false);
        var record = new JsonObject { ["size"] = size, ["type"] = type, ["created"] = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() };
        await server.Stores.Data.CommitAsync(new WriteBatch().Set(UploadSubspace, UploadKey(user.AccountId, blobHash), Encoding.UTF8.GetBytes(record.ToJsonString())), cancellationToken).ConfigureAwait(false);
        return (UploadBlobId(blobHash), size);
    }

    public async Task DownloadAsync(HttpContext http, string accountId, string blobId, string name)
    {
        var auth = await server.Auth.AuthenticateAsync(http).ConfigureAwait(false);
        if (auth.User is not { } user)
        {
            await JmapRoutes.WriteAuthFailureAsync(http, auth).ConfigureAwait(false);
            return;
        }

        if (accountId != user.AccountKey)
        {
            await JmapProblem.WriteHttpAsync(http, StatusCodes.Status404NotFound, $"There is no account '{JmapApi.Shorten(accountId)}' this user has access to.").ConfigureAwait(false);
            return;
        }

        using var blob = await OpenAsync(user, blobId, http.RequestAborted).ConfigureAwait(false);
        if (blob is null)
        {
            await JmapProblem.WriteHttpAsync(http, StatusCodes.Status404NotFound, $"There is no blob '{JmapApi.Shorten(blobId)}' in this account.").ConfigureAwait(false);
            return;
        }

        var type = http.Request.Query["accept"].ToString();
        if (string.IsNullOrWhiteSpace(type))
        {
            type = http.Request.Query["type"].ToString();
        }

        if (string.IsNullOrWhiteSpace(type) || !MediaTypeHeaderIsValid(type))
        {
            type = blob.Type ?? "application/octet-stream";
        }

        http.Response.ContentType = type;
        http.Response.ContentLength = blob.Size;
        http.Response.Headers.CacheControl = "private, immutable, max-age=31536000";
        http.Response.Headers.ContentDisposition = new System.Net.Mime.ContentDisposition { FileName = SafeFileName(name), Inline = false }.ToString();
        await blob.Content.CopyToAsync(http.Response.Body, http.RequestAborted).ConfigureAwait(false);
    }

    /// <summary>Opens a blob of the user's account; null when the account has no such blob.</summary>
    public async Task<Blob?> OpenAsync(JmapUser user, string blobId, CancellationToken cancellationToken)
    {
        if (blobId.Length == 65 && blobId[0] == 'G' && BlobHash.TryParse(blobId[1..], out var hash))
        {
            var record = await server.Stores.Data.GetAsync(UploadSubspace, UploadKey(user.AccountId, hash), cancellationToken).ConfigureAwait(false);
            if (record is null)
            {
                return null;
            }

            var info = JsonNode.Parse(record)!.AsObject();
            var stream = await server.Stores.Blob.OpenReadAsync(hash, cancellationToken).ConfigureAwait(false);
            return stream is null ? null : new Blob(stream, info["type"]?.GetValue<string>(), info["size"]!.GetValue<long>());
        }

        if (!TryParseEmailBlob(blobId, out var emailId, out var partId))
        {
            return null;
        }

        var account = server.Engine.OpenAccount(user.AccountId);
        if (partId.Length == 0)
        {
            var emails = await account.GetEmailsAsync([emailId], cancellationToken).ConfigureAwait(false);
            if (emails.Count == 0)
            {
                return null;
            }

            var message = await account.OpenMessageAsync(emailId, cancellationToken).ConfigureAwait(false);
            return message is null ? null : new Blob(message, "message/rfc822", emails[0].Size);
        }

        var email = (await account.GetEmailsAsync([emailId], cancellationToken).ConfigureAwait(false)).FirstOrDefault();
        var part = email is null ? null : FindPart(email.Metadata.Body, partId);
        if (part is null || part.MediaType == "multipart")
        {
            return null;
        }

        var decoded = await DecodePartAsync(account, emailId, part, cancellationToken).ConfigureAwait(false);
        if (decoded is null)
        {
            return null;
        }

        return new Blob(new MemoryStream(decoded, writable: false), part.MediaType + "/" + part.MediaSubtype, decoded.Length);
    }

    /// <summary>Reads a whole blob into memory, up to a limit; null when absent.</summary>
    public async Task<byte[]?> ReadAsync(JmapUser user, string blobId, long limit, CancellationToken cancellationToken)
    {
        using var blob = await OpenAsync(user, blobId, cancellationToken).ConfigureAwait(false);
        if (blob is null)
        {
            return null;
        }

        if (blob.Size > limit)
        {
            throw new SetErrorException("tooLarge", $"The blob is larger than {limit} bytes.");
        }

        using var buffer = new MemoryStream();
        await blob.Content.CopyToAsync(buffer, cancellationToken).ConfigureAwait(false);
        return buffer.ToArray();
    }

    /// <summary>Decodes one part's body from its transfer encoding.</summary>
    public static async Task<byte[]?> DecodePartAsync(IMailAccount account, ulong emailId, MessagePart part, CancellationToken cancellationToken)
    {
        var raw = await account.ReadMessageAsync(emailId, part.HeaderOffset, checked((int)(part.EndOffset - part.HeaderOffset)), cancellationToken).ConfigureAwait(false);
        if (raw is null)
        {
            return null;
        }

        if (part.MediaType == "message")
        {
            return raw[(int)(part.BodyOffset - part.HeaderOffset)..];
        }

        using var input = new MemoryStream(raw);
        var entity = await MimeEntity.LoadAsync(input, cancellationToken).ConfigureAwait(false);
        using var output = new MemoryStream();
        if (entity is MimePart mime && mime.Content is not null)
        {
            await mime.Content.DecodeToAsync(output, cancellationToken).ConfigureAwait(false);
        }

        return output.ToArray();
    }

    public static MessagePart? FindPart(MessagePart root, string partId)
    {
        if (root.PartId == partId || (partId == "0" && root.PartId.Length == 0))
        {
            return root;
        }

        foreach (var child in root.Children)
        {
            if (child.PartId == partId)
            {
                return child;
            }

            if (partId.StartsWith(child.PartId + ".", StringComparison.Ordinal) || child.MediaType == "message")
            {
                var found = FindPart(child, partId);
                if (found is not null)
                {
                    return found;
                }
            }
        }

        return null;
    }

    public static bool TryParseEmailBlob(string blobId, out ulong emailId, out string partId)
    {
        emailId = 0;
        partId = string.Empty;
        if (blobId.Length < 2 || blobId.Length > 200 || blobId[0] != 'B')
        {
            return false;
        }

        var dash = blobId.IndexOf('-', StringComparison.Ordinal);
        var number = dash < 0 ? blobId.AsSpan(1) : blobId.AsSpan(1, dash - 1);
        if (!ulong.TryParse(number, NumberStyles.None, CultureInfo.InvariantCulture, out emailId) || emailId == 0)
        {
            return false;
        }

        if (dash >= 0)
        {
            partId = blobId[(dash + 1)..].Replace('-', '.');
            if (partId.Split('.').Any(s => s.Length == 0 || !s.All(char.IsAsciiDigit)))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>
    /// Reads and drops what is left of a refused request's body (up to a bound), so the client, which may still be
    /// sending, reads the answer instead of a reset connection.
    /// </summary>
    private static async Task DrainAsync(HttpContext http, long bound)
    {
        if (http.Features.Get<Microsoft.AspNetCore.Http.Features.IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit)
        {
            limit.MaxRequestBodySize = bound;
        }

        var buffer = new byte[81920];
        try
        {
            long total = 0;
            int read;
            while (total < bound && (read = await http.Request.Body.ReadAsync(buffer, http.RequestAborted).ConfigureAwait(false)) > 0)
            {
                total += read;
            }
        }
        catch (Exception ex) when (ex is BadHttpRequestException or IOException or OperationCanceledException)
        {
        }
    }

    private static byte[] UploadKey(ulong account, BlobHash hash)
    {
        var key = new byte[8 + BlobHash.Size];
        BinaryPrimitives.WriteUInt64BigEndian(key, account);
        hash.Bytes.CopyTo(key.AsSpan(8));
        return key;
    }

    private static bool MediaTypeHeaderIsValid(string type)
        => Microsoft.Net.Http.Headers.MediaTypeHeaderValue.TryParse(type, out _);

    private static string SafeFileName(string name)
    {
        var cleaned = new string([.. name.Where(c => !char.IsControl(c) && c is not ('"' or '\\' or '/'))]);
        return cleaned.Length == 0 ? "blob" : cleaned;
    }
}
