using System.Globalization;
using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using Mail.Host.Mail;

namespace Mail.Host.Plugins.Jmap;

/// <summary>Email/get, /changes, /query, /queryChanges and SearchSnippet/get (RFC 8621 §4, §5).</summary>
internal static class EmailMethods
{
    public static readonly string[] SortProperties = ["receivedAt", "sentAt", "size", "subject", "from", "to", "hasKeyword"];

    public static readonly string[] DefaultProperties =
    [
        "id", "blobId", "threadId", "mailboxIds", "keywords", "size", "receivedAt", "messageId", "inReplyTo", "references", "sender", "from",
        "to", "cc", "bcc", "replyTo", "subject", "sentAt", "hasAttachment", "preview", "bodyValues", "textBody", "htmlBody", "attachments",
    ];

    public static readonly string[] AllProperties = [.. DefaultProperties, "headers", "bodyStructure"];

    public static void Register(JmapMethods methods)
    {
        methods.Add(JmapCapabilities.Mail, "Email/get", GetAsync);
        methods.Add(JmapCapabilities.Mail, "Email/changes", ChangesAsync);
        methods.Add(JmapCapabilities.Mail, "Email/query", QueryAsync);
        methods.Add(JmapCapabilities.Mail, "Email/queryChanges", QueryChangesAsync);
        methods.Add(JmapCapabilities.Mail, "SearchSnippet/get", SnippetsAsync);
    }

    public static string Date(DateTimeOffset date) => date.ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    private static async Task<JsonObject> GetAsync(MethodCall call)
    {
        call.RequireAccount();
        var ids = Standard.GetIds(call) ?? throw new MethodErrorException("requestTooLarge", "Email/get needs 'ids': emails cannot be listed all at once (use Email/query).");
        var properties = call.Properties(AllProperties, extraKnown: EmailBody.IsHeaderProperty) ?? [.. DefaultProperties];
        var bodyProperties = call.Properties(EmailBody.BodyPropertyNames, "bodyProperties", EmailBody.IsHeaderProperty) ?? [.. EmailBody.DefaultBodyProperties];
        var fetchText = call.OptionalBool("fetchTextBodyValues", false);
        var fetchHtml = call.OptionalBool("fetchHTMLBodyValues", false);
        var fetchAll = call.OptionalBool("fetchAllBodyValues", false);
        var maxBytes = call.OptionalLong("maxBodyValueBytes") ?? 0;
        if (maxBytes < 0)
        {
            throw MethodErrorException.InvalidArguments("'maxBodyValueBytes' must not be negative.");
        }

        var limit = (int)Math.Min(maxBytes == 0 ? call.Server.Options.MaxBodyValueBytes : maxBytes, call.Server.Options.MaxBodyValueBytes);
        var account = call.Account;
        var ct = call.CancellationToken;
        var wanted = new List<ulong>();
        var notFound = new JsonArray();
        foreach (var id in ids.Distinct())
        {
            if (JmapIds.TryParse('E', id, out var n))
            {
                wanted.Add(n);
            }
            else
            {
                notFound.Add(id);
            }
        }

        var emails = await account.GetEmailsAsync(wanted, ct).ConfigureAwait(false);
        foreach (var missing in wanted.Except(emails.Select(e => e.Id)))
        {
            notFound.Add(JmapIds.Email(missing));
        }

        var list = new JsonArray();
        foreach (var email in emails)
        {
            list.Add(await ToJsonAsync(account, email, properties, bodyProperties, fetchText, fetchHtml, fetchAll, limit, ct).ConfigureAwait(false));
        }

        var state = await account.GetStateAsync(ct).ConfigureAwait(false);
        return new JsonObject { ["accountId"] = call.User.AccountKey, ["state"] = state, ["list"] = list, ["notFound"] = notFound };
    }

    public static async Task<JsonObject> ToJsonAsync(IMailAccount account, Email email, IReadOnlyCollection<string> properties, IReadOnlyCollection<string> bodyProperties, bool fetchText, bool fetchHtml, bool fetchAll, int maxBytes, CancellationToken ct)
    {
        var envelope = email.Metadata.Envelope;
        var obj = new JsonObject { ["id"] = JmapIds.Email(email.Id) };
        (List<MessagePart> Text, List<MessagePart> Html, List<MessagePart> Attachments)? lists = null;
        (List<MessagePart>, List<MessagePart>, List<MessagePart>) Lists() => lists ??= EmailBody.Lists(email.Metadata.Body);
        MimeKit.HeaderList? headers = null;
        async Task<MimeKit.HeaderList> HeadersAsync()
            => headers ??= EmailBody.Headers(await account.ReadMessageAsync(email.Id, 0, (int)Math.Min(email.Metadata.Body.BodyOffset, int.MaxValue), ct).ConfigureAwait(false) ?? []);

        foreach (var property in properties)
        {
            switch (property)
            {
                case "id":
                    break;
                case "blobId":
                    obj[property] = JmapBlobs.EmailBlobId(email.Id);
                    break;
                case "threadId":
                    obj[property] = JmapIds.Thread(email.ThreadId);
                    break;
                case "mailboxIds":
                    obj[property] = new JsonObject(email.Mailboxes.Select(m => KeyValuePair.Create(JmapIds.Mailbox(m.MailboxId), (JsonNode?)true)));
                    break;
                case "keywords":
                    obj[property] = new JsonObject(email.Keywords.Select(k => KeyValuePair.Create(k, (JsonNode?)true)));
                    break;
                case "size":
                    obj[property] = email.Size;
                    break;
                case "receivedAt":
                    obj[property] = Date(email.InternalDate);
                    break;
                case "messageId":
                    obj[property] = envelope.MessageId is null ? null : new JsonArray(envelope.MessageId);
                    break;
                case "inReplyTo":
                    obj[property] = envelope.InReplyTo.Count == 0 ? null : Standard.Array(envelope.InReplyTo);
                    break;
                case "references":
                    obj[property] = envelope.References.Count == 0 ? null : Standard.Array(envelope.References);
                    break;
                case "sender":
                    obj[property] = EmailBody.Addresses(envelope.Sender);
                    break;
                case "from":
                    obj[property] = EmailBody.Addresses(envelope.From);
                    break;
                case "to":
                    obj[property] = EmailBody.Addresses(envelope.To);
                    break;
                case "cc":
                    obj[property] = EmailBody.Addresses(envelope.Cc);
                    break;
                case "bcc":
                    obj[property] = EmailBody.Addresses(envelope.Bcc);
                    break;
                case "replyTo":
                    obj[property] = EmailBody.Addresses(envelope.ReplyTo);
                    break;
                case "subject":
                    obj[property] = envelope.Subject;
                    break;
                case "sentAt":
                    obj[property] = envelope.Date is { } sent ? sent.ToString("yyyy-MM-dd'T'HH:mm:ssK", CultureInfo.InvariantCulture) : null;
                    break;
                case "hasAttachment":
                    obj[property] = email.Metadata.HasAttachment;
                    break;
                case "preview":
                    obj[property] = email.Metadata.Preview;
                    break;
                case "headers":
                    obj[property] = new JsonArray([.. (await HeadersAsync().ConfigureAwait(false)).Select(h => (JsonNode)new JsonObject { ["name"] = h.Field, ["value"] = EmailBody.RawValue(h) })]);
                    break;
                case "bodyStructure":
                    var structureProperties = bodyProperties.Contains("subParts") ? bodyProperties : [.. bodyProperties, "subParts"];
                    obj[property] = await EmailBody.PartAsync(account, email.Id, email.Metadata.Body, structureProperties, true, ct).ConfigureAwait(false);
                    break;
                case "textBody" or "htmlBody" or "attachments":
                    var (text, html, attachments) = Lists();
                    var parts = property switch { "textBody" => text, "htmlBody" => html, _ => attachments };
                    var array = new JsonArray();
                    foreach (var part in parts)
                    {
                        array.Add(await EmailBody.PartAsync(account, email.Id, part, bodyProperties.Where(p => p != "subParts").ToList(), false, ct).ConfigureAwait(false));
                    }

                    obj[property] = array;
                    break;
                case "bodyValues":
                    var values = new JsonObject();
                    var (textParts, htmlParts, _) = Lists();
                    var chosen = new List<MessagePart>();
                    if (fetchAll)
                    {
                        chosen.AddRange(AllParts(email.Metadata.Body).Where(p => p.MediaType == "text"));
                    }
                    else
                    {
                        if (fetchText)
                        {
                            chosen.AddRange(textParts.Where(p => p.MediaType == "text"));
                        }

                        if (fetchHtml)
                        {
                            chosen.AddRange(htmlParts.Where(p => p.MediaType == "text"));
                        }
                    }

                    foreach (var part in chosen.DistinctBy(p => p.PartId))
                    {
                        values[EmailBody.PartId(part)] = await EmailBody.BodyValueAsync(account, email.Id, part, maxBytes, ct).ConfigureAwait(false);
                    }

                    obj[property] = values;
                    break;
                default:
                    if (EmailBody.IsHeaderProperty(property))
                    {
                        obj[property] = EmailBody.HeaderProperty(await HeadersAsync().ConfigureAwait(false), property);
                    }

                    break;
            }
        }

        return obj;
    }

    private static IEnumerable<MessagePart> AllParts(MessagePart part)
    {
        if (!EmailBody.IsMultipart(part))
        {
            yield return part;
            yield break;
        }

        foreach (var child in part.Children)
        {
            foreach (var leaf in AllParts(child))
            {
                yield return leaf;
            }
        }
    }

    private static async Task<JsonObject> ChangesAsync(MethodCall call)
    {
        call.RequireAccount();
        var since = call.OptionalString("sinceState") ?? throw MethodErrorException.InvalidArguments("'sinceState' is required.");
        var changes = await call.Account.GetChangesAsync(since, Standard.MaxChanges(call), call.CancellationToken).ConfigureAwait(false);
        if (changes.CannotCalculateChanges)
        {
            throw new MethodErrorException("cannotCalculateChanges", "The state is too old or not one this server gave.");
        }

        return Standard.ChangesResult(call, since, changes.NewState, changes.HasMoreChanges,
            changes.CreatedEmails.Select(JmapIds.Email), changes.UpdatedEmails.Select(JmapIds.Email), changes.DestroyedEmails.Select(JmapIds.Email));
    }

    private static async Task<List<string>> QueryIdsAsync(MethodCall call)
    {
        var (filter, sort, collapse) = QueryArguments(call);
        var ids = await call.Account.QueryEmailsAsync(filter, sort, collapse, call.CancellationToken).ConfigureAwait(false);
        return [.. ids.Select(JmapIds.Email)];
    }

    /// <summary>The filter, sort and collapseThreads arguments of Email/query and Email/queryChanges.</summary>
    private static (MailFilter? Filter, List<MailSort> Sort, bool Collapse) QueryArguments(MethodCall call)
    {
        MailFilter? filter = null;
        if (call.Arguments["filter"] is { } node)
        {
            filter = node is JsonObject obj ? Filter(call, obj) : throw MethodErrorException.InvalidArguments("'filter' must be an object or null.");
        }

        var sort = new List<MailSort>();
        if (call.Arguments["sort"] is { } sortNode)
        {
            if (sortNode is not JsonArray array)
            {
                throw MethodErrorException.InvalidArguments("'sort' must be an array of Comparators.");
            }

            foreach (var item in array)
            {
                var (property, ascending) = Standard.Comparator(item);
                var comparator = (JsonObject)item!;
                var descending = !ascending;
                MailSortKey key = property switch
                {
                    "receivedAt" => MailSortKey.ReceivedAt,
                    "sentAt" => MailSortKey.SentAt,
                    "size" => MailSortKey.Size,
                    "subject" => MailSortKey.Subject,
                    "from" => MailSortKey.DisplayFrom,
                    "to" => MailSortKey.DisplayTo,
                    "hasKeyword" => MailSortKey.HasKeyword,
                    _ => throw new MethodErrorException("unsupportedSort", $"Emails cannot be sorted by '{property}'."),
                };
                string? keyword = null;
                if (key == MailSortKey.HasKeyword)
                {
                    keyword = comparator["keyword"] is JsonValue k && k.TryGetValue<string>(out var kw) && MailKeywords.IsValid(kw)
                        ? kw.ToLowerInvariant()
                        : throw new MethodErrorException("unsupportedSort", "hasKeyword needs a valid 'keyword'.");
                }

                sort.Add(new MailSort(key, descending, keyword));
            }
        }

        return (filter, sort, call.OptionalBool("collapseThreads", false));
    }

    /// <summary>Turns a JMAP FilterOperator or FilterCondition into the engine's filter tree.</summary>
    public static MailFilter Filter(MethodCall call, JsonObject filter)
    {
        if (filter.ContainsKey("operator"))
        {
            var op = filter["operator"] is JsonValue v && v.TryGetValue<string>(out var o) ? o : null;
            if (filter["conditions"] is not JsonArray conditions || conditions.Any(c => c is not JsonObject))
            {
                throw MethodErrorException.InvalidArguments("A FilterOperator needs 'conditions', an array of filters.");
            }

            var operands = conditions.Select(c => Filter(call, (JsonObject)c!)).ToArray();
            return op switch
            {
                "AND" => MailFilter.AllOf(operands),
                "OR" => MailFilter.AnyOf(operands),
                "NOT" => MailFilter.NoneOf(MailFilter.AnyOf(operands)),
                _ => throw new MethodErrorException("unsupportedFilter", $"'{op}' is not a filter operator."),
            };
        }

        var all = new List<MailFilter>();
        foreach (var (key, value) in filter)
        {
            all.Add(key switch
            {
                "inMailbox" => new MailFilter.InMailbox(MailboxId(call, value)),
                "inMailboxOtherThan" => new MailFilter.InMailboxOtherThan(value is JsonArray a ? [.. a.Select(x => MailboxId(call, x))] : throw MethodErrorException.InvalidArguments("'inMailboxOtherThan' must be an array of ids.")),
                "before" => new MailFilter.Received(null, Instant(value, key)),
                "after" => new MailFilter.Received(Instant(value, key), null),
                "minSize" => new MailFilter.Size(Number(value, key), null),
                "maxSize" => new MailFilter.Size(null, Number(value, key)),
                "allInThreadHaveKeyword" => new MailFilter.AllInThreadHaveKeyword(Keyword(value, key)),
                "someInThreadHaveKeyword" => new MailFilter.SomeInThreadHaveKeyword(Keyword(value, key)),
                "noneInThreadHaveKeyword" => new MailFilter.NoneInThreadHaveKeyword(Keyword(value, key)),
                "hasKeyword" => new MailFilter.HasKeyword(Keyword(value, key)),
                "notKeyword" => MailFilter.NotKeyword(Keyword(value, key)),
                "hasAttachment" => new MailFilter.HasAttachment(value is JsonValue b && b.TryGetValue<bool>(out var has) ? has : throw MethodErrorException.InvalidArguments("'hasAttachment' must be a boolean.")),
                "text" => new MailFilter.Text(MailTextField.Any, Text(value, key)),
                "from" => new MailFilter.Text(MailTextField.From, Text(value, key)),
                "to" => new MailFilter.Text(MailTextField.To, Text(value, key)),
                "cc" => new MailFilter.Text(MailTextField.Cc, Text(value, key)),
                "bcc" => new MailFilter.Text(MailTextField.Bcc, Text(value, key)),
                "subject" => new MailFilter.Text(MailTextField.Subject, Text(value, key)),
                "body" => new MailFilter.Text(MailTextField.Body, Text(value, key)),
                "header" => Header(value),
                _ => throw new MethodErrorException("unsupportedFilter", $"'{key}' is not an Email filter condition."),
            });
        }

        return all.Count == 1 ? all[0] : MailFilter.AllOf([.. all]);
    }

    private static ulong MailboxId(MethodCall call, JsonNode? node)
    {
        if (node is not JsonValue v || !v.TryGetValue<string>(out var id))
        {
            throw MethodErrorException.InvalidArguments("A mailbox id must be a string.");
        }

        // A mailbox id of the wrong form names no mailbox: it matches nothing.
        return JmapIds.TryParse('M', call.Request.ResolveId(id), out var n) ? n : ulong.MaxValue;
    }

    private static DateTimeOffset Instant(JsonNode? node, string key)
        => node is JsonValue v && v.TryGetValue<string>(out var text) && DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var date)
            ? date
            : throw MethodErrorException.InvalidArguments($"'{key}' must be a UTCDate such as 2024-01-31T12:00:00Z.");

    private static long Number(JsonNode? node, string key)
        => node is JsonValue v && v.GetValueKind() == JsonValueKind.Number && v.TryGetValue<long>(out var n) && n >= 0 ? n : throw MethodErrorException.InvalidArguments($"'{key}' must be an unsigned integer.");

    private static string Keyword(JsonNode? node, string key)
        => node is JsonValue v && v.TryGetValue<string>(out var k) && MailKeywords.IsValid(k) ? k.ToLowerInvariant() : throw MethodErrorException.InvalidArguments($"'{key}' must be a valid keyword.");

    private static string Text(JsonNode? node, string key)
        => node is JsonValue v && v.TryGetValue<string>(out var t) ? (t.Length <= 1000 ? t : throw MethodErrorException.InvalidArguments($"'{key}' is longer than 1000 characters.")) : throw MethodErrorException.InvalidArguments($"'{key}' must be a string.");

    private static MailFilter Header(JsonNode? node)
    {
        if (node is not JsonArray { Count: 1 or 2 } a || a.Any(x => x is not JsonValue s || s.GetValueKind() != JsonValueKind.String))
        {
            throw MethodErrorException.InvalidArguments("'header' must be [name] or [name, value].");
        }

        return new MailFilter.Header(a[0]!.GetValue<string>(), a.Count == 2 ? a[1]!.GetValue<string>() : null);
    }

    private static async Task<JsonObject> QueryAsync(MethodCall call)
    {
        call.RequireAccount();

        // The state is read first: the page is at least as new as the state it is reported with.
        var state = await call.Account.GetStateAsync(call.CancellationToken).ConfigureAwait(false);
        var (filter, sort, collapse) = QueryArguments(call);
        var limit = call.OptionalLong("limit");
        if (limit is < 0)
        {
            throw MethodErrorException.InvalidArguments("'limit' must not be negative.");
        }

        ulong? anchor = null;
        if (call.OptionalString("anchor") is { } anchorId)
        {
            // An id of the wrong form is in no result.
            anchor = JmapIds.TryParse('E', anchorId, out var n) ? n : throw new MethodErrorException("anchorNotFound", "The anchor is not in the results.");
        }

        var query = new EmailQuery
        {
            Filter = filter,
            Sort = sort,
            CollapseThreads = collapse,
            Position = call.OptionalLong("position") ?? 0,
            Anchor = anchor,
            AnchorOffset = call.OptionalLong("anchorOffset") ?? 0,
            Limit = limit is null ? null : (int)Math.Min(limit.Value, int.MaxValue),
            CalculateTotal = call.OptionalBool("calculateTotal", false),
        };
        EmailQueryResult page;
        try
        {
            page = await call.Account.QueryEmailPageAsync(query, call.CancellationToken).ConfigureAwait(false);
        }
        catch (MailException ex) when (ex.Code == MailErrorCode.AnchorNotFound)
        {
            throw new MethodErrorException("anchorNotFound", "The anchor is not in the results.");
        }

        var result = new JsonObject
        {
            ["accountId"] = call.User.AccountKey,
            ["queryState"] = state,
            ["canCalculateChanges"] = true,
            ["position"] = page.Position,
            ["ids"] = new JsonArray([.. page.Ids.Select(id => (JsonNode)JmapIds.Email(id))]),
        };
        if (page.Total is { } total)
        {
            result["total"] = total;
        }

        result["collapseThreads"] = collapse;
        return result;
    }

    private static async Task<JsonObject> QueryChangesAsync(MethodCall call)
    {
        call.RequireAccount();
        var since = call.OptionalString("sinceQueryState") ?? throw MethodErrorException.InvalidArguments("'sinceQueryState' is required.");
        var changes = await call.Account.GetChangesAsync(since, int.MaxValue, call.CancellationToken).ConfigureAwait(false);
        if (changes.CannotCalculateChanges)
        {
            throw new MethodErrorException("cannotCalculateChanges", "The query state is too old or not one this server gave.");
        }

        var changed = changes.CreatedEmails.Concat(changes.UpdatedEmails).Concat(changes.DestroyedEmails).Select(JmapIds.Email).ToList();
        var current = await QueryIdsAsync(call).ConfigureAwait(false);
        if (call.OptionalBool("collapseThreads", false))
        {
            // The email that stands for a thread can change when another email of it changes: report every result
            // too, and every email of the threads that changed, so a former representative is removed.
            var siblings = new List<string>();
            var touched = await call.Account.GetEmailsAsync([.. changes.CreatedEmails.Concat(changes.UpdatedEmails).Distinct()], call.CancellationToken).ConfigureAwait(false);
            foreach (var thread in touched.Select(e => e.ThreadId).Distinct())
            {
                siblings.AddRange((await call.Account.GetThreadAsync(thread, call.CancellationToken).ConfigureAwait(false)).Select(JmapIds.Email));
            }

            changed = [.. changed.Concat(current).Concat(siblings).Distinct()];
        }

        return Standard.QueryChanges(call, since, changes.NewState, changed, current);
    }

    private static async Task<JsonObject> SnippetsAsync(MethodCall call)
    {
        call.RequireAccount();
        var ids = call.OptionalIds("emailIds") ?? throw MethodErrorException.InvalidArguments("'emailIds' is required.");
        if (ids.Count > call.Server.Options.MaxObjectsInGet)
        {
            throw new MethodErrorException("requestTooLarge", $"At most {call.Server.Options.MaxObjectsInGet} emailIds.");
        }

        var terms = new List<string>();
        if (call.Arguments["filter"] is JsonObject filter)
        {
            Filter(call, filter);
            CollectTerms(filter, terms);
        }

        var wanted = ids.Where(id => JmapIds.TryParse('E', id, out _)).Select(id => { JmapIds.TryParse('E', id, out var n); return n; }).ToList();
        var emails = await call.Account.GetEmailsAsync(wanted, call.CancellationToken).ConfigureAwait(false);
        var list = new JsonArray();
        foreach (var email in emails)
        {
            list.Add(new JsonObject
            {
                ["emailId"] = JmapIds.Email(email.Id),
                ["subject"] = Highlight(email.Metadata.Envelope.Subject, terms),
                ["preview"] = Highlight(email.Metadata.Preview, terms),
            });
        }

        var found = emails.Select(e => JmapIds.Email(e.Id)).ToHashSet();
        return new JsonObject
        {
            ["accountId"] = call.User.AccountKey,
            ["list"] = list,
            ["notFound"] = Standard.Array(ids.Where(id => !found.Contains(id)).Distinct()),
        };
    }

    private static void CollectTerms(JsonObject filter, List<string> terms)
    {
        if (filter["conditions"] is JsonArray conditions && filter["operator"]?.ToString() != "NOT")
        {
            foreach (var condition in conditions.OfType<JsonObject>())
            {
                CollectTerms(condition, terms);
            }
        }

        foreach (var key in new[] { "text", "subject", "body" })
        {
            if (filter[key] is JsonValue v && v.TryGetValue<string>(out var text))
            {
                terms.AddRange(text.Split(' ', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Where(t => t.Trim('"').Length > 0).Select(t => t.Trim('"')));
            }
        }
    }

    /// <summary>HTML-escapes a text and wraps each occurrence of a term (whole or prefix of a word, without case) in mark; null when no term occurs.</summary>
    public static string? Highlight(string? text, IReadOnlyList<string> terms)
    {
        if (text is null || terms.Count == 0)
        {
            return null;
        }

        var builder = new System.Text.StringBuilder();
        var any = false;
        var i = 0;
        while (i < text.Length)
        {
            var matched = terms.Where(t => (i == 0 || !char.IsLetterOrDigit(text[i - 1])) && string.Compare(text, i, t, 0, t.Length, StringComparison.OrdinalIgnoreCase) == 0)
                .OrderByDescending(t => t.Length).FirstOrDefault();
            if (matched is not null)
            {
                builder.Append("<mark>").Append(WebUtility.HtmlEncode(text.Substring(i, matched.Length))).Append("</mark>");
                i += matched.Length;
                any = true;
            }
            else
            {
                builder.Append(WebUtility.HtmlEncode(text[i].ToString()));
                i++;
            }
        }

        // RFC 8621 §5: a subject or preview the filter's text does not match is null.
        return any ? builder.ToString() : null;
    }
}
