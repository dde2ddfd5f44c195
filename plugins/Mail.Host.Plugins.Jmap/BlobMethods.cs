using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;

namespace Mail.Host.Plugins.Jmap;

/// <summary>Blob/copy (RFC 8620 §6.3), and Blob/upload, Blob/get and Blob/lookup (RFC 9404).</summary>
internal static class BlobMethods
{
    public static void Register(JmapMethods methods)
    {
        methods.Add(JmapCapabilities.Blob, "Blob/upload", UploadAsync);
        methods.Add(JmapCapabilities.Blob, "Blob/get", GetAsync);
        methods.Add(JmapCapabilities.Blob, "Blob/lookup", LookupAsync);
        methods.Add(JmapCapabilities.Core, "Blob/copy", CopyAsync);
    }

    /// <summary>
    /// RFC 8620 §6.3. A user sees one account, so both accounts are that one (any other is not found): a blob the
    /// account has is already there and is reported copied under its own id.
    /// </summary>
    private static async Task<JsonObject> CopyAsync(MethodCall call)
    {
        call.RequireAccount("fromAccountId");
        if (call.Arguments["fromAccountId"] is null)
        {
            throw MethodErrorException.InvalidArguments("'fromAccountId' is required.");
        }

        call.RequireAccount();
        var ids = call.OptionalIds("blobIds") ?? throw MethodErrorException.InvalidArguments("'blobIds' is required.");
        if (ids.Count > call.Server.Options.MaxObjectsInSet)
        {
            throw new MethodErrorException("requestTooLarge", $"At most {call.Server.Options.MaxObjectsInSet} blobIds (maxObjectsInSet).");
        }

        var copied = new JsonObject();
        var notCopied = new JsonObject();
        foreach (var id in ids.Distinct())
        {
            using var blob = await call.Server.Blobs.OpenAsync(call.User, id, call.CancellationToken).ConfigureAwait(false);
            if (blob is null)
            {
                notCopied[id] = SetErrorException.NotFound($"There is no blob '{JmapApi.Shorten(id)}' in this account.").ToJson();
            }
            else
            {
                copied[id] = id;
            }
        }

        return new JsonObject
        {
            ["fromAccountId"] = call.User.AccountKey,
            ["accountId"] = call.User.AccountKey,
            ["copied"] = copied.Count > 0 ? copied : null,
            ["notCopied"] = notCopied.Count > 0 ? notCopied : null,
        };
    }

    private static async Task<JsonObject> UploadAsync(MethodCall call)
    {
        call.RequireAccount();
        var create = call.OptionalObject("create") ?? throw MethodErrorException.InvalidArguments("'create' is required.");
        if (create.Count > call.Server.Options.MaxObjectsInSet)
        {
            throw new MethodErrorException("requestTooLarge", $"At most {call.Server.Options.MaxObjectsInSet} blobs.");
        }

        var created = new JsonObject();
        var notCreated = new JsonObject();
        foreach (var (creationId, node) in create)
        {
            try
            {
                if (node is not JsonObject item || item["data"] is not JsonArray data || data.Count is 0 or > 64)
                {
                    throw SetErrorException.InvalidProperties("Each upload needs 'data', an array of 1 to 64 data sources.", "data");
                }

                using var buffer = new MemoryStream();
                foreach (var source in data)
                {
                    if (source is not JsonObject s)
                    {
                        throw SetErrorException.InvalidProperties("A data source must be an object.", "data");
                    }

                    // RFC 9404 §4.1: each source is exactly one of data:asText, data:asBase64 or blobId (with offset/length).
                    var forms = new[] { "data:asText", "data:asBase64", "blobId" }.Count(s.ContainsKey);
                    if (forms != 1 || s.Any(p => p.Key is not ("data:asText" or "data:asBase64" or "blobId" or "offset" or "length"))
                        || (!s.ContainsKey("blobId") && (s.ContainsKey("offset") || s.ContainsKey("length"))))
                    {
                        throw SetErrorException.InvalidProperties("A data source has exactly one of data:asText, data:asBase64 or blobId (with offset and length).", "data");
                    }

                    if (s.ContainsKey("data:asText"))
                    {
                        if (s["data:asText"] is not JsonValue text || !text.TryGetValue<string>(out var t))
                        {
                            throw SetErrorException.InvalidProperties("data:asText must be a string.", "data");
                        }

                        buffer.Write(Encoding.UTF8.GetBytes(t));
                    }
                    else if (s.ContainsKey("data:asBase64"))
                    {
                        if (s["data:asBase64"] is not JsonValue b64 || !b64.TryGetValue<string>(out var b))
                        {
                            throw SetErrorException.InvalidProperties("data:asBase64 must be a string.", "data");
                        }

                        try
                        {
                            buffer.Write(Convert.FromBase64String(b));
                        }
                        catch (FormatException)
                        {
                            throw SetErrorException.InvalidProperties("data:asBase64 is not valid base64.", "data");
                        }
                    }
                    else
                    {
                        if (s["blobId"] is not JsonValue idValue || !idValue.TryGetValue<string>(out var blobId))
                        {
                            throw SetErrorException.InvalidProperties("blobId must be a string.", "data");
                        }

                        var offsetValue = UnsignedOrNull(s["offset"]);
                        var lengthValue = UnsignedOrNull(s["length"]);
                        var bytes = await call.Server.Blobs.ReadAsync(call.User, call.Request.ResolveId(blobId), call.Server.Options.MaxSizeUpload, call.CancellationToken).ConfigureAwait(false)
                            ?? throw new SetErrorException("blobNotFound", $"There is no blob '{JmapApi.Shorten(blobId)}'.");
                        var offset = offsetValue ?? 0;
                        var length = lengthValue ?? bytes.Length - offset;

                        // RFC 9404 §4.1: a range that begins or extends past the end of the blob makes the source invalid.
                        if (offset > bytes.Length || length < 0 || offset + length > bytes.Length)
                        {
                            throw SetErrorException.InvalidProperties($"The range goes past the end of the {bytes.Length}-octet blob '{JmapApi.Shorten(blobId)}'.", "data");
                        }

                        buffer.Write(bytes, (int)offset, (int)length);
                    }

                    if (buffer.Length > call.Server.Options.MaxSizeUpload)
                    {
                        throw new SetErrorException("tooLarge", "The blob is larger than maxSizeBlobSet.");
                    }
                }

                if (item.Any(p => p.Key is not ("data" or "type")))
                {
                    throw SetErrorException.InvalidProperties("An upload has 'data' and 'type' only.", [.. item.Select(p => p.Key).Where(k => k is not ("data" or "type"))]);
                }

                var type = item["type"] is null ? "application/octet-stream"
                    : item["type"] is JsonValue typeValue && typeValue.TryGetValue<string>(out var given) && given.Length is > 0 and <= 255 ? given
                    : throw SetErrorException.InvalidProperties("'type' must be a media type string.", "type");
                buffer.Position = 0;
                var stored = await call.Server.Blobs.StoreAsync(call.User, buffer, type, call.CancellationToken).ConfigureAwait(false)
                    ?? throw new SetErrorException("tooLarge", "The blob is larger than maxSizeUpload.");
                call.Request.CreatedIds[creationId] = stored.BlobId;
                created[creationId] = new JsonObject { ["id"] = stored.BlobId, ["type"] = type, ["size"] = stored.Size };
            }
            catch (SetErrorException ex)
            {
                notCreated[creationId] = ex.ToJson();
            }
        }

        return new JsonObject
        {
            ["accountId"] = call.User.AccountKey,
            ["created"] = created.Count > 0 ? created : null,
            ["notCreated"] = notCreated.Count > 0 ? notCreated : null,
        };
    }

    private static long? UnsignedOrNull(JsonNode? node)
        => node is null ? null
            : node is JsonValue v && v.TryGetValue<long>(out var n) && n >= 0 ? n
            : throw SetErrorException.InvalidProperties("offset and length must be unsigned integers or null.", "data");

    private static async Task<JsonObject> GetAsync(MethodCall call)
    {
        call.RequireAccount();
        var ids = Standard.GetIds(call) ?? throw MethodErrorException.InvalidArguments("'ids' is required.");
        var properties = call.Properties(["data:asText", "data:asBase64", "data", "size", "digest:sha", "digest:sha-256"]) ?? ["data", "size"];
        var offset = call.OptionalLong("offset") ?? 0;
        var length = call.OptionalLong("length");
        if (offset < 0 || length < 0)
        {
            throw MethodErrorException.InvalidArguments("'offset' and 'length' must not be negative.");
        }

        var list = new JsonArray();
        var notFound = new JsonArray();
        foreach (var id in ids.Distinct())
        {
            byte[]? bytes;
            try
            {
                bytes = await call.Server.Blobs.ReadAsync(call.User, id, call.Server.Options.MaxSizeUpload, call.CancellationToken).ConfigureAwait(false);
            }
            catch (SetErrorException)
            {
                bytes = null;
            }

            if (bytes is null)
            {
                notFound.Add(id);
                continue;
            }

            var start = (int)Math.Min(offset, bytes.Length);
            var count = (int)Math.Min(length ?? bytes.Length, bytes.Length - start);
            var slice = bytes.AsSpan(start, count).ToArray();
            var obj = new JsonObject { ["id"] = id };
            var truncated = offset > bytes.Length || (length is not null && offset + length > bytes.Length);
            foreach (var property in properties)
            {
                switch (property)
                {
                    case "size":
                        obj["size"] = bytes.Length;
                        break;
                    case "digest:sha":
                        obj[property] = Convert.ToBase64String(SHA1.HashData(slice));
                        break;
                    case "digest:sha-256":
                        obj[property] = Convert.ToBase64String(SHA256.HashData(slice));
                        break;
                    case "data:asBase64":
                        obj[property] = Convert.ToBase64String(slice);
                        break;
                    case "data:asText" or "data":
                        try
                        {
                            obj["data:asText"] = new UTF8Encoding(false, true).GetString(slice);
                        }
                        catch (DecoderFallbackException)
                        {
                            if (property == "data")
                            {
                                obj["data:asBase64"] = Convert.ToBase64String(slice);
                            }
                            else
                            {
                                obj["data:asText"] = null;
                            }

                            obj["isEncodingProblem"] = true;
                        }

                        break;
                }
            }

            if (truncated)
            {
                obj["isTruncated"] = true;
            }

            list.Add(obj);
        }

        return new JsonObject { ["accountId"] = call.User.AccountKey, ["list"] = list, ["notFound"] = notFound };
    }

    private static async Task<JsonObject> LookupAsync(MethodCall call)
    {
        call.RequireAccount();
        var typeNames = call.Arguments["typeNames"] as JsonArray ?? throw MethodErrorException.InvalidArguments("'typeNames' is required.");
        var types = typeNames.Select(t => t?.ToString() ?? string.Empty).ToList();
        if (types.Any(t => t is not ("Email" or "Mailbox" or "Thread")))
        {
            throw new MethodErrorException("unknownDataType", "typeNames may hold Email, Mailbox and Thread.");
        }

        var ids = call.OptionalIds("ids") ?? throw MethodErrorException.InvalidArguments("'ids' is required.");
        var list = new JsonArray();
        var notFound = new JsonArray();
        foreach (var id in ids.Distinct())
        {
            var email = JmapBlobs.TryParseEmailBlob(id, out var emailId, out _)
                ? (await call.Account.GetEmailsAsync([emailId], call.CancellationToken).ConfigureAwait(false)).FirstOrDefault()
                : null;
            if (email is null)
            {
                if (id.StartsWith('G') && await call.Server.Blobs.OpenAsync(call.User, id, call.CancellationToken).ConfigureAwait(false) is { } blob)
                {
                    blob.Dispose();
                    list.Add(new JsonObject { ["id"] = id, ["matchedIds"] = new JsonObject(types.Select(t => KeyValuePair.Create(t, (JsonNode?)new JsonArray()))) });
                }
                else
                {
                    notFound.Add(id);
                }

                continue;
            }

            var matched = new JsonObject();
            foreach (var type in types)
            {
                matched[type] = type switch
                {
                    "Email" => new JsonArray(JmapIds.Email(email.Id)),
                    "Thread" => new JsonArray(JmapIds.Thread(email.ThreadId)),
                    _ => Standard.Array(email.Mailboxes.Select(m => JmapIds.Mailbox(m.MailboxId))),
                };
            }

            list.Add(new JsonObject { ["id"] = id, ["matchedIds"] = matched });
        }

        return new JsonObject { ["accountId"] = call.User.AccountKey, ["list"] = list, ["notFound"] = notFound };
    }
}
