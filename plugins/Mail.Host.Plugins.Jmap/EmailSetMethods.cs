using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Mail.Host.Mail;
using MimeKit;

namespace Mail.Host.Plugins.Jmap;

/// <summary>Email/set (keywords, mailboxIds, drafts built from JSON with MimeKit, destroy), Email/import, Email/copy and Email/parse (RFC 8621 §4.6–4.9).</summary>
internal static class EmailSetMethods
{
    public static void Register(JmapMethods methods)
    {
        methods.Add(JmapCapabilities.Mail, "Email/set", SetAsync);
        methods.Add(JmapCapabilities.Mail, "Email/import", ImportAsync);
        methods.Add(JmapCapabilities.Mail, "Email/copy", CopyAsync);
        methods.Add(JmapCapabilities.Mail, "Email/parse", ParseAsync);
    }

    public static async Task<JsonObject> SetAsync(MethodCall call)
    {
        call.RequireAccount();
        var account = call.Account;
        var ct = call.CancellationToken;
        var oldState = await account.GetStateAsync(ct).ConfigureAwait(false);
        var (create, update, destroy) = Standard.SetArguments(call, oldState);
        var result = new Standard.SetResult(call.User.AccountKey, oldState);

        foreach (var (creationId, node) in create)
        {
            try
            {
                var created = await CreateAsync(call, (JsonObject)node!).ConfigureAwait(false);
                call.Request.CreatedIds[creationId] = created["id"]!.GetValue<string>();
                result.Created[creationId] = created;
            }
            catch (SetErrorException ex)
            {
                result.NotCreated[creationId] = ex.ToJson();
            }
            catch (MailException ex)
            {
                result.NotCreated[creationId] = MapError(ex).ToJson();
            }
        }

        foreach (var (idText, node) in update)
        {
            var id = call.Request.ResolveId(idText);
            try
            {
                var email = await FindAsync(call, id).ConfigureAwait(false) ?? throw SetErrorException.NotFound();
                var current = new JsonObject
                {
                    ["keywords"] = new JsonObject(email.Keywords.Select(k => KeyValuePair.Create(k, (JsonNode?)true))),
                    ["mailboxIds"] = new JsonObject(email.Mailboxes.Select(m => KeyValuePair.Create(JmapIds.Mailbox(m.MailboxId), (JsonNode?)true))),
                };
                var patch = LowercaseKeywordPaths((JsonObject)node!);
                foreach (var (key, _) in patch)
                {
                    var top = key.Split('/')[0];
                    if (top is not ("keywords" or "mailboxIds"))
                    {
                        throw SetErrorException.InvalidProperties($"'{top}' cannot be changed on an existing email.", top);
                    }
                }

                if (JmapPatch.Apply(current, patch) is { } problem)
                {
                    throw new SetErrorException("invalidPatch", problem);
                }

                var keywords = Keywords(current["keywords"]);
                var mailboxes = await MailboxIdsAsync(call, current["mailboxIds"]).ConfigureAwait(false);
                await ApplyAsync(account, email, keywords, mailboxes, ct).ConfigureAwait(false);
                result.Updated[id] = null;
            }
            catch (SetErrorException ex)
            {
                result.NotUpdated[id] = ex.ToJson();
            }
            catch (MailException ex)
            {
                result.NotUpdated[id] = MapError(ex).ToJson();
            }
        }

        foreach (var id in destroy)
        {
            try
            {
                var email = await FindAsync(call, id).ConfigureAwait(false) ?? throw SetErrorException.NotFound();
                foreach (var membership in email.Mailboxes)
                {
                    await account.RemoveFromMailboxAsync(membership.MailboxId, [membership.Uid], ct).ConfigureAwait(false);
                }

                result.Destroyed.Add(id);
            }
            catch (SetErrorException ex)
            {
                result.NotDestroyed[id] = ex.ToJson();
            }
            catch (MailException ex)
            {
                result.NotDestroyed[id] = MapError(ex).ToJson();
            }
        }

        return result.ToJson(await account.GetStateAsync(ct).ConfigureAwait(false));
    }

    /// <summary>Keywords are case-insensitive (RFC 8621 §4.1.1) and kept lowercase: a patch path <c>keywords/$Seen</c> names <c>$seen</c>.</summary>
    private static JsonObject LowercaseKeywordPaths(JsonObject patch)
    {
        if (!patch.Any(p => p.Key.StartsWith("keywords/", StringComparison.Ordinal) && p.Key != p.Key.ToLowerInvariant()))
        {
            return patch;
        }

        var result = new JsonObject();
        foreach (var (key, value) in patch)
        {
            result[key.StartsWith("keywords/", StringComparison.Ordinal) ? key.ToLowerInvariant() : key] = value?.DeepClone();
        }

        return result;
    }

    private static SetErrorException MapError(MailException ex) => ex.Code switch
    {
        MailErrorCode.MailboxNotFound => SetErrorException.InvalidProperties(ex.Message, "mailboxIds"),
        MailErrorCode.InvalidKeyword => SetErrorException.InvalidProperties(ex.Message, "keywords"),
        _ => new SetErrorException("forbidden", ex.Message),
    };

    private static async Task<Email?> FindAsync(MethodCall call, string id)
        => JmapIds.TryParse('E', id, out var n) ? (await call.Account.GetEmailsAsync([n], call.CancellationToken).ConfigureAwait(false)).FirstOrDefault() : null;

    /// <summary>Makes an email's keywords and mailboxes what was asked: copies into new mailboxes first, then removes.</summary>
    public static async Task ApplyAsync(IMailAccount account, Email email, List<string> keywords, List<ulong> mailboxes, CancellationToken ct)
    {
        var source = email.Mailboxes[0];
        if (!keywords.SequenceEqual(email.Keywords))
        {
            await account.SetKeywordsAsync(source.MailboxId, [source.Uid], KeywordOperation.Replace, keywords, null, ct).ConfigureAwait(false);
        }

        foreach (var add in mailboxes.Where(m => email.Mailboxes.All(x => x.MailboxId != m)))
        {
            var copied = await account.CopyAsync(source.MailboxId, [source.Uid], add, ct).ConfigureAwait(false);
            if (!copied.Succeeded)
            {
                throw new SetErrorException("overQuota", $"The account's {copied.ExceededQuota} quota is full.");
            }
        }

        foreach (var remove in email.Mailboxes.Where(m => !mailboxes.Contains(m.MailboxId)))
        {
            await account.RemoveFromMailboxAsync(remove.MailboxId, [remove.Uid], ct).ConfigureAwait(false);
        }
    }

    public static List<string> Keywords(JsonNode? node)
    {
        if (node is null)
        {
            return [];
        }

        if (node is not JsonObject obj)
        {
            throw SetErrorException.InvalidProperties("'keywords' must be an object of keyword: true.", "keywords");
        }

        var list = new List<string>();
        foreach (var (key, value) in obj)
        {
            if (!MailKeywords.IsValid(key) || value is not JsonValue v || !v.TryGetValue<bool>(out var b) || !b)
            {
                throw SetErrorException.InvalidProperties($"'{JmapApi.Shorten(key)}' is not a valid keyword set to true.", "keywords");
            }

            list.Add(key.ToLowerInvariant());
        }

        if (list.Count > 100)
        {
            throw new SetErrorException("tooManyKeywords", "At most 100 keywords per email.");
        }

        return [.. list.Distinct().Order(StringComparer.Ordinal)];
    }

    public static async Task<List<ulong>> MailboxIdsAsync(MethodCall call, JsonNode? node)
    {
        if (node is not JsonObject obj || obj.Count == 0)
        {
            throw SetErrorException.InvalidProperties("'mailboxIds' must name at least one mailbox.", "mailboxIds");
        }

        var existing = (await call.Account.GetMailboxesAsync(call.CancellationToken).ConfigureAwait(false)).Select(m => m.Id).ToHashSet();
        var list = new List<ulong>();
        foreach (var (key, value) in obj)
        {
            var id = call.Request.ResolveId(key);
            if (value is not JsonValue v || !v.TryGetValue<bool>(out var b) || !b || !JmapIds.TryParse('M', id, out var n) || !existing.Contains(n))
            {
                throw SetErrorException.InvalidProperties($"'{JmapApi.Shorten(key)}' is not a mailbox of this account set to true.", "mailboxIds");
            }

            list.Add(n);
        }

        return list;
    }

    private static async Task<JsonObject> CreateAsync(MethodCall call, JsonObject input)
    {
        var mailboxes = await MailboxIdsAsync(call, input["mailboxIds"]).ConfigureAwait(false);
        var keywords = Keywords(input["keywords"]);
        DateTimeOffset? receivedAt = input["receivedAt"] is JsonValue r
            ? (r.TryGetValue<string>(out var text) && DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var d) ? d : throw SetErrorException.InvalidProperties("'receivedAt' must be a UTCDate.", "receivedAt"))
            : null;
        var message = await DraftBuilder.BuildAsync(call, input).ConfigureAwait(false);
        using var stream = new MemoryStream();
        await message.WriteToAsync(FormatOptions.Default, stream, call.CancellationToken).ConfigureAwait(false);
        stream.Position = 0;
        return await StoreAsync(call, stream, mailboxes, keywords, receivedAt).ConfigureAwait(false);
    }

    /// <summary>Appends a message to the first mailbox, copies it into the others, and answers id, blobId, threadId, size.</summary>
    private static async Task<JsonObject> StoreAsync(MethodCall call, Stream stream, List<ulong> mailboxes, List<string> keywords, DateTimeOffset? receivedAt)
    {
        var account = call.Account;
        var appended = await account.AppendAsync(mailboxes[0], stream, keywords, receivedAt, call.CancellationToken).ConfigureAwait(false);
        if (!appended.Succeeded)
        {
            throw new SetErrorException("overQuota", $"The account's {appended.ExceededQuota} quota is full.");
        }

        foreach (var other in mailboxes.Skip(1))
        {
            await account.CopyAsync(mailboxes[0], [appended.Uid], other, call.CancellationToken).ConfigureAwait(false);
        }

        var email = (await account.GetEmailsAsync([appended.EmailId], call.CancellationToken).ConfigureAwait(false))[0];
        return new JsonObject
        {
            ["id"] = JmapIds.Email(email.Id),
            ["blobId"] = JmapBlobs.EmailBlobId(email.Id),
            ["threadId"] = JmapIds.Thread(email.ThreadId),
            ["size"] = email.Size,
        };
    }

    private static async Task<JsonObject> ImportAsync(MethodCall call)
    {
        call.RequireAccount();
        var account = call.Account;
        var ct = call.CancellationToken;
        var oldState = await account.GetStateAsync(ct).ConfigureAwait(false);
        var ifInState = call.OptionalString("ifInState");
        if (ifInState is not null && ifInState != oldState)
        {
            throw new MethodErrorException("stateMismatch", "ifInState does not match the current state.");
        }

        var emails = call.OptionalObject("emails") ?? throw MethodErrorException.InvalidArguments("'emails' is required.");
        if (emails.Count > call.Server.Options.MaxObjectsInSet)
        {
            throw new MethodErrorException("requestTooLarge", $"At most {call.Server.Options.MaxObjectsInSet} emails per import.");
        }

        var created = new JsonObject();
        var notCreated = new JsonObject();
        foreach (var (creationId, node) in emails)
        {
            try
            {
                if (node is not JsonObject item || item["blobId"] is not JsonValue b || !b.TryGetValue<string>(out var blobId))
                {
                    throw SetErrorException.InvalidProperties("Each EmailImport needs a 'blobId'.", "blobId");
                }

                var mailboxes = await MailboxIdsAsync(call, item["mailboxIds"]).ConfigureAwait(false);
                var keywords = Keywords(item["keywords"]);
                DateTimeOffset? receivedAt = item["receivedAt"] is JsonValue r
                    ? (r.TryGetValue<string>(out var text) && DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var d) ? d : throw SetErrorException.InvalidProperties("'receivedAt' must be a UTCDate.", "receivedAt"))
                    : null;
                using var blob = await call.Server.Blobs.OpenAsync(call.User, call.Request.ResolveId(blobId), ct).ConfigureAwait(false)
                    ?? throw new SetErrorException("blobNotFound", $"There is no blob '{JmapApi.Shorten(blobId)}' in this account.");
                using var buffer = new MemoryStream();
                await blob.Content.CopyToAsync(buffer, ct).ConfigureAwait(false);
                buffer.Position = 0;
                try
                {
                    var message = await MimeMessage.LoadAsync(buffer, ct).ConfigureAwait(false);
                    if (message.Headers.Count == 0)
                    {
                        throw new FormatException("No header fields.");
                    }
                }
                catch (FormatException)
                {
                    throw new SetErrorException("invalidEmail", "The blob is not an RFC 5322 message.");
                }

                buffer.Position = 0;
                var result = await StoreAsync(call, buffer, mailboxes, keywords, receivedAt).ConfigureAwait(false);
                call.Request.CreatedIds[creationId] = result["id"]!.GetValue<string>();
                created[creationId] = result;
            }
            catch (SetErrorException ex)
            {
                notCreated[creationId] = ex.ToJson();
            }
            catch (MailException ex)
            {
                notCreated[creationId] = MapError(ex).ToJson();
            }
        }

        return new JsonObject
        {
            ["accountId"] = call.User.AccountKey,
            ["oldState"] = oldState,
            ["newState"] = await account.GetStateAsync(ct).ConfigureAwait(false),
            ["created"] = created.Count > 0 ? created : null,
            ["notCreated"] = notCreated.Count > 0 ? notCreated : null,
        };
    }

    private static Task<JsonObject> CopyAsync(MethodCall call)
    {
        call.RequireAccount();
        var from = call.OptionalString("fromAccountId") ?? throw MethodErrorException.InvalidArguments("'fromAccountId' is required.");
        if (from == call.User.AccountKey)
        {
            throw MethodErrorException.InvalidArguments("fromAccountId must differ from accountId: use Email/set to change mailboxIds within one account.");
        }

        throw new MethodErrorException("fromAccountNotFound", $"There is no account '{JmapApi.Shorten(from)}' this user has access to.");
    }

    private static async Task<JsonObject> ParseAsync(MethodCall call)
    {
        call.RequireAccount();
        var ids = call.OptionalIds("blobIds") ?? throw MethodErrorException.InvalidArguments("'blobIds' is required.");
        if (ids.Count > call.Server.Options.MaxObjectsInGet)
        {
            throw new MethodErrorException("requestTooLarge", $"At most {call.Server.Options.MaxObjectsInGet} blobIds.");
        }

        var properties = call.Properties(EmailMethods.AllProperties, extraKnown: EmailBody.IsHeaderProperty);
        var fetchAll = call.OptionalBool("fetchAllBodyValues", false);
        var fetchText = fetchAll || call.OptionalBool("fetchTextBodyValues", false);
        var fetchHtml = fetchAll || call.OptionalBool("fetchHTMLBodyValues", false);
        var parsed = new JsonObject();
        var notParsable = new JsonArray();
        var notFound = new JsonArray();
        foreach (var id in ids.Distinct())
        {
            using var blob = await call.Server.Blobs.OpenAsync(call.User, id, call.CancellationToken).ConfigureAwait(false);
            if (blob is null)
            {
                notFound.Add(id);
                continue;
            }

            try
            {
                var message = await MimeMessage.LoadAsync(blob.Content, call.CancellationToken).ConfigureAwait(false);
                if (message.Headers.Count == 0)
                {
                    throw new FormatException("No header fields.");
                }

                var full = Parsed(message, blob.Size, fetchText, fetchHtml);
                var selected = new JsonObject();
                foreach (var property in properties ?? [.. full.Select(p => p.Key)])
                {
                    selected[property] = property.StartsWith("header:", StringComparison.Ordinal)
                        ? EmailBody.HeaderProperty(message.Headers, property)
                        : full[property]?.DeepClone();
                }

                parsed[id] = selected;
            }
            catch (FormatException)
            {
                notParsable.Add(id);
            }
        }

        return new JsonObject
        {
            ["accountId"] = call.User.AccountKey,
            ["parsed"] = parsed.Count > 0 ? parsed : null,
            ["notParsable"] = notParsable.Count > 0 ? notParsable : null,
            ["notFound"] = notFound.Count > 0 ? notFound : null,
        };
    }

    private static JsonObject Parsed(MimeMessage message, long size, bool fetchText, bool fetchHtml)
    {
        static JsonNode? Addresses(InternetAddressList list)
            => list.Count == 0 ? null : new JsonArray([.. list.Mailboxes.Select(m => (JsonNode)new JsonObject { ["name"] = string.IsNullOrEmpty(m.Name) ? null : m.Name, ["email"] = m.Address })]);
        var text = message.TextBody ?? string.Empty;
        var preview = string.Join(' ', text.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries));
        return new JsonObject
        {
            ["id"] = null,
            ["blobId"] = null,
            ["threadId"] = null,
            ["mailboxIds"] = null,
            ["keywords"] = null,
            ["receivedAt"] = null,
            ["size"] = size,
            ["messageId"] = message.MessageId is null ? null : new JsonArray(message.MessageId),
            ["inReplyTo"] = message.InReplyTo is null ? null : new JsonArray(message.InReplyTo),
            ["references"] = message.References.Count == 0 ? null : Standard.Array(message.References),
            ["sender"] = message.Sender is null ? null : new JsonArray(new JsonObject { ["name"] = message.Sender.Name, ["email"] = message.Sender.Address }),
            ["from"] = Addresses(message.From),
            ["to"] = Addresses(message.To),
            ["cc"] = Addresses(message.Cc),
            ["bcc"] = Addresses(message.Bcc),
            ["replyTo"] = Addresses(message.ReplyTo),
            ["subject"] = message.Subject,
            ["sentAt"] = message.Headers.Contains(HeaderId.Date) ? message.Date.ToString("yyyy-MM-dd'T'HH:mm:ssK", CultureInfo.InvariantCulture) : null,
            ["hasAttachment"] = message.Attachments.Any(),
            ["preview"] = preview.Length > 256 ? preview[..256] : preview,
            ["bodyValues"] = BodyValues(message, fetchText, fetchHtml),
            ["textBody"] = message.TextBody is not null ? new JsonArray(BodyPart("1", "text/plain", message.TextBody)) : message.HtmlBody is not null ? new JsonArray(BodyPart("2", "text/html", message.HtmlBody)) : new JsonArray(),
            ["htmlBody"] = message.HtmlBody is not null ? new JsonArray(BodyPart("2", "text/html", message.HtmlBody)) : message.TextBody is not null ? new JsonArray(BodyPart("1", "text/plain", message.TextBody)) : new JsonArray(),
            ["attachments"] = new JsonArray([.. message.Attachments.Select(a => (JsonNode)new JsonObject
            {
                ["partId"] = null,
                ["blobId"] = null,
                ["type"] = a.ContentType.MimeType.ToLowerInvariant(),
                ["name"] = a is MimePart part ? part.FileName : a.ContentType.Name,
                ["disposition"] = a.ContentDisposition?.Disposition,
            })]),
        };
    }

    /// <summary>
    /// The text and HTML body of a parsed message as two parts: "1" the text body, "2" the HTML body (a parsed blob
    /// is not stored, so its parts have no blobId).
    /// </summary>
    private static JsonObject BodyPart(string partId, string type, string text) => new()
    {
        ["partId"] = partId,
        ["blobId"] = null,
        ["size"] = System.Text.Encoding.UTF8.GetByteCount(text),
        ["type"] = type,
        ["charset"] = "utf-8",
    };

    private static JsonObject BodyValues(MimeMessage message, bool fetchText, bool fetchHtml)
    {
        var values = new JsonObject();
        if (fetchText && message.TextBody is { } text)
        {
            values["1"] = new JsonObject { ["value"] = text, ["isEncodingProblem"] = false, ["isTruncated"] = false };
        }

        if (fetchHtml && message.HtmlBody is { } html)
        {
            values["2"] = new JsonObject { ["value"] = html, ["isEncodingProblem"] = false, ["isTruncated"] = false };
        }

        return values;
    }

    /// <summary>Reads a string property or null.</summary>
    public static string? StringProperty(JsonObject obj, string key)
        => obj[key] switch
        {
            null => null,
            JsonValue v when v.GetValueKind() == JsonValueKind.String => v.GetValue<string>(),
            _ => throw SetErrorException.InvalidProperties($"'{key}' must be a string.", key),
        };
}
