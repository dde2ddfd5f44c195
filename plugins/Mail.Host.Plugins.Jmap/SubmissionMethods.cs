using System.Text.Json.Nodes;
using Mail.Host.Mail;
using MimeKit;

namespace Mail.Host.Plugins.Jmap;

/// <summary>
/// EmailSubmission/get, /changes, /query, /queryChanges and /set (RFC 8621 §7). A submission is sent at once
/// (maxDelayedSend 0, so undoStatus is <c>final</c>): recipients in a local domain go to <see cref="IMailDelivery"/>,
/// the others to <see cref="IMailQueue"/>; without an outbound queue a submission with remote recipients is refused.
/// </summary>
internal static class SubmissionMethods
{
    private static readonly string[] Properties = ["id", "identityId", "emailId", "threadId", "envelope", "sendAt", "undoStatus", "deliveryStatus", "dsnBlobIds", "mdnBlobIds"];

    public static void Register(JmapMethods methods)
    {
        methods.Add(JmapCapabilities.Submission, "EmailSubmission/get", GetAsync);
        methods.Add(JmapCapabilities.Submission, "EmailSubmission/changes", call => IdentityMethods.ObjectChangesAsync(call, JmapObjectKind.EmailSubmission, 'S'));
        methods.Add(JmapCapabilities.Submission, "EmailSubmission/query", QueryAsync);
        methods.Add(JmapCapabilities.Submission, "EmailSubmission/queryChanges", QueryChangesAsync);
        methods.Add(JmapCapabilities.Submission, "EmailSubmission/set", SetAsync);
    }

    private static JsonObject ToJson(JmapObjects.Entry entry)
    {
        var obj = new JsonObject { ["id"] = JmapIds.Of('S', entry.Id) };
        foreach (var (key, value) in entry.Value)
        {
            obj[key] = value?.DeepClone();
        }

        return obj;
    }

    private static async Task<JsonObject> GetAsync(MethodCall call)
    {
        call.RequireAccount();
        var ids = Standard.GetIds(call);
        var properties = call.Properties(Properties);
        var all = await call.Server.Objects.ListAsync(call.User.AccountId, JmapObjectKind.EmailSubmission, false, call.CancellationToken).ConfigureAwait(false);
        var list = new JsonArray();
        var notFound = new JsonArray();
        foreach (var id in ids ?? [.. all.Select(e => JmapIds.Of('S', e.Id))])
        {
            var entry = JmapIds.TryParse('S', id, out var n) ? all.FirstOrDefault(e => e.Id == n) : null;
            if (entry is null)
            {
                notFound.Add(id);
            }
            else
            {
                list.Add(Standard.Select(ToJson(entry), properties));
            }
        }

        var state = await call.Server.Objects.StateAsync(call.User.AccountId, JmapObjectKind.EmailSubmission, call.CancellationToken).ConfigureAwait(false);
        return new JsonObject { ["accountId"] = call.User.AccountKey, ["state"] = state, ["list"] = list, ["notFound"] = notFound };
    }

    private static async Task<List<string>> QueryIdsAsync(MethodCall call)
    {
        var all = await call.Server.Objects.ListAsync(call.User.AccountId, JmapObjectKind.EmailSubmission, false, call.CancellationToken).ConfigureAwait(false);
        IEnumerable<JmapObjects.Entry> matching = all;
        if (call.Arguments["filter"] is JsonObject filter)
        {
            var test = Filter(filter);
            matching = matching.Where(test);
        }
        else if (call.Arguments["filter"] is not null)
        {
            throw MethodErrorException.InvalidArguments("'filter' must be a FilterOperator or FilterCondition object.");
        }

        var comparers = new List<(string Property, bool Ascending)>();
        if (call.Arguments["sort"] is JsonArray sort)
        {
            foreach (var node in sort)
            {
                if (node is not JsonObject comparator || comparator["property"] is not JsonValue p || !p.TryGetValue<string>(out var property))
                {
                    throw MethodErrorException.InvalidArguments("Each sort comparator needs a 'property'.");
                }

                if (property is not ("emailId" or "threadId" or "sentAt"))
                {
                    throw new MethodErrorException("unsupportedSort", $"EmailSubmissions cannot be sorted by '{JmapApi.Shorten(property)}'.");
                }

                comparers.Add((property, comparator["isAscending"] is not JsonValue a || !a.TryGetValue<bool>(out var ascending) || ascending));
            }
        }
        else if (call.Arguments["sort"] is not null)
        {
            throw MethodErrorException.InvalidArguments("'sort' must be an array of comparators.");
        }

        // The default order, and the tie-break of every sort, is creation order (ids grow).
        var ordered = matching.OrderBy(_ => 0);
        foreach (var (property, ascending) in comparers)
        {
            var key = property == "sentAt" ? "sendAt" : property;
            ordered = ascending
                ? ordered.ThenBy(e => SortKey(e, key), StringComparer.Ordinal)
                : ordered.ThenByDescending(e => SortKey(e, key), StringComparer.Ordinal);
        }

        return [.. ordered.ThenBy(e => e.Id).Select(e => JmapIds.Of('S', e.Id))];
    }

    /// <summary>Ids sort by their kind letter and then by number (so E9 comes before E10); dates sort as written (UTC).</summary>
    private static string SortKey(JmapObjects.Entry entry, string key)
    {
        var value = entry.Value[key]?.ToString() ?? string.Empty;
        return key == "sendAt" || value.Length < 2 ? value : value[..1] + value[1..].PadLeft(20, '0');
    }

    private static Func<JmapObjects.Entry, bool> Filter(JsonObject filter)
    {
        if (filter["operator"] is { } op)
        {
            var name = (op as JsonValue)?.TryGetValue<string>(out var o) == true ? o : null;
            if (filter["conditions"] is not JsonArray conditions || name is not ("AND" or "OR" or "NOT") || conditions.Any(c => c is not JsonObject))
            {
                throw MethodErrorException.InvalidArguments("A FilterOperator needs 'operator' AND, OR or NOT and an array of 'conditions'.");
            }

            var tests = conditions.Select(c => Filter((JsonObject)c!)).ToList();
            return name switch
            {
                "AND" => e => tests.All(t => t(e)),
                "OR" => e => tests.Any(t => t(e)),
                _ => e => !tests.Any(t => t(e)),
            };
        }

        var checks = new List<Func<JmapObjects.Entry, bool>>();
        foreach (var (key, value) in filter)
        {
            switch (key)
            {
                case "identityIds" or "emailIds" or "threadIds":
                    if (value is not JsonArray list || list.Any(v => v is not JsonValue x || !x.TryGetValue<string>(out _)))
                    {
                        throw MethodErrorException.InvalidArguments($"'{key}' must be an array of ids.");
                    }

                    var set = list.Select(v => v!.GetValue<string>()).ToHashSet(StringComparer.Ordinal);
                    var property = key[..^1];
                    checks.Add(e => set.Contains(e.Value[property]?.ToString() ?? string.Empty));
                    break;
                case "undoStatus":
                    var status = (value as JsonValue)?.TryGetValue<string>(out var u) == true ? u : null;
                    if (status is not ("pending" or "final" or "canceled"))
                    {
                        throw MethodErrorException.InvalidArguments("'undoStatus' must be pending, final or canceled.");
                    }

                    checks.Add(e => e.Value["undoStatus"]?.ToString() == status);
                    break;
                case "before" or "after":
                    var text = (value as JsonValue)?.TryGetValue<string>(out var d) == true ? d : null;
                    if (text is null || !text.EndsWith('Z') || !DateTimeOffset.TryParse(text, System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.AssumeUniversal, out var date))
                    {
                        throw MethodErrorException.InvalidArguments($"'{key}' must be a UTCDate.");
                    }

                    var before = key == "before";
                    checks.Add(e =>
                    {
                        var sendAt = DateTimeOffset.TryParse(e.Value["sendAt"]?.ToString(), System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.AssumeUniversal, out var s) ? s : DateTimeOffset.MinValue;
                        return before ? sendAt < date : sendAt >= date;
                    });
                    break;
                default:
                    throw new MethodErrorException("unsupportedFilter", $"'{JmapApi.Shorten(key)}' is not an EmailSubmission filter condition.");
            }
        }

        return e => checks.All(c => c(e));
    }

    private static async Task<JsonObject> QueryAsync(MethodCall call)
    {
        call.RequireAccount();
        var ids = await QueryIdsAsync(call).ConfigureAwait(false);
        var state = await call.Server.Objects.StateAsync(call.User.AccountId, JmapObjectKind.EmailSubmission, call.CancellationToken).ConfigureAwait(false);
        return Standard.Page(call, ids, state, true);
    }

    private static async Task<JsonObject> QueryChangesAsync(MethodCall call)
    {
        call.RequireAccount();
        var since = call.OptionalString("sinceQueryState") ?? throw MethodErrorException.InvalidArguments("'sinceQueryState' is required.");
        var changes = await call.Server.Objects.ChangesAsync(call.User.AccountId, JmapObjectKind.EmailSubmission, since, call.CancellationToken).ConfigureAwait(false)
            ?? throw new MethodErrorException("cannotCalculateChanges", "The query state is not one this server gave.");
        var changed = changes.Created.Concat(changes.Updated).Concat(changes.Destroyed).Select(i => JmapIds.Of('S', i)).ToList();
        return Standard.QueryChanges(call, since, changes.NewState, changed, await QueryIdsAsync(call).ConfigureAwait(false));
    }

    private static async Task<JsonObject> SetAsync(MethodCall call)
    {
        call.RequireAccount();
        var ct = call.CancellationToken;
        var objects = call.Server.Objects;
        var oldState = await objects.StateAsync(call.User.AccountId, JmapObjectKind.EmailSubmission, ct).ConfigureAwait(false);
        var (create, update, destroy) = Standard.SetArguments(call, oldState);
        var result = new Standard.SetResult(call.User.AccountKey, oldState);
        var createdSubmissions = new Dictionary<string, (string Id, string EmailId)>();
        foreach (var (creationId, node) in create)
        {
            try
            {
                var (id, emailId) = await CreateAsync(call, (JsonObject)node!).ConfigureAwait(false);
                call.Request.CreatedIds[creationId] = id;
                createdSubmissions[creationId] = (id, emailId);
                result.Created[creationId] = new JsonObject { ["id"] = id, ["undoStatus"] = "final", ["sendAt"] = EmailMethods.Date(DateTimeOffset.UtcNow) };
            }
            catch (SetErrorException ex)
            {
                result.NotCreated[creationId] = ex.ToJson();
            }
            catch (MailException ex)
            {
                result.NotCreated[creationId] = new SetErrorException("forbiddenToSend", ex.Message).ToJson();
            }
        }

        foreach (var (id, node) in update)
        {
            var resolved = call.Request.ResolveId(id);
            var entry = JmapIds.TryParse('S', resolved, out var number) ? await objects.GetAsync(call.User.AccountId, JmapObjectKind.EmailSubmission, number, ct).ConfigureAwait(false) : null;
            if (entry is null || entry.Destroyed)
            {
                result.NotUpdated[id] = SetErrorException.NotFound().ToJson();
                continue;
            }

            // Only undoStatus may change, and only from pending to canceled; every submission here is final as soon as
            // it is made, so a cancel is cannotUnsend and leaving it final changes nothing.
            var patch = node as JsonObject ?? [];
            var other = patch.Where(p => p.Key != "undoStatus" && !JsonNode.DeepEquals(p.Value, entry.Value[p.Key])).Select(p => p.Key).ToArray();
            if (other.Length > 0)
            {
                result.NotUpdated[id] = SetErrorException.InvalidProperties("Only undoStatus can be changed.", other).ToJson();
            }
            else if (patch["undoStatus"] is { } status && status.ToString() == "canceled")
            {
                result.NotUpdated[id] = new SetErrorException("cannotUnsend", "The message has already been sent.").ToJson();
            }
            else if (patch["undoStatus"] is { } same && same.ToString() != entry.Value["undoStatus"]?.ToString())
            {
                result.NotUpdated[id] = SetErrorException.InvalidProperties("undoStatus can only be set to canceled.", "undoStatus").ToJson();
            }
            else
            {
                result.Updated[id] = null;
            }
        }

        foreach (var id in destroy)
        {
            var entry = JmapIds.TryParse('S', id, out var n) ? await objects.GetAsync(call.User.AccountId, JmapObjectKind.EmailSubmission, n, ct).ConfigureAwait(false) : null;
            if (entry is null)
            {
                result.NotDestroyed[id] = SetErrorException.NotFound().ToJson();
                continue;
            }

            await objects.DestroyAsync(call.User.AccountId, JmapObjectKind.EmailSubmission, entry, ct).ConfigureAwait(false);
            result.Destroyed.Add(id);
        }

        call.Server.Push.ObjectChanged(call.User.AccountId, "EmailSubmission");
        var response = result.ToJson(await objects.StateAsync(call.User.AccountId, JmapObjectKind.EmailSubmission, ct).ConfigureAwait(false));
        await OnSuccessAsync(call, createdSubmissions).ConfigureAwait(false);
        return response;
    }

    /// <summary>onSuccessUpdateEmail / onSuccessDestroyEmail: an implicit Email/set whose response follows this one.</summary>
    private static async Task OnSuccessAsync(MethodCall call, Dictionary<string, (string Id, string EmailId)> created)
    {
        var updates = call.OptionalObject("onSuccessUpdateEmail");
        var destroys = call.OptionalIds("onSuccessDestroyEmail");
        if ((updates is null || updates.Count == 0) && (destroys is null || destroys.Count == 0))
        {
            return;
        }

        string? Email(string reference)
        {
            if (reference.StartsWith('#'))
            {
                return created.TryGetValue(reference[1..], out var c) ? c.EmailId : null;
            }

            return created.Values.FirstOrDefault(c => c.Id == reference).EmailId;
        }

        var update = new JsonObject();
        foreach (var (key, value) in updates ?? [])
        {
            if (Email(key) is { } emailId)
            {
                update[emailId] = value?.DeepClone();
            }
        }

        var destroy = new JsonArray();
        foreach (var key in destroys ?? [])
        {
            if (Email(key) is { } emailId)
            {
                destroy.Add(emailId);
            }
        }

        var arguments = new JsonObject { ["accountId"] = call.User.AccountKey, ["update"] = update, ["destroy"] = destroy };
        var inner = new MethodCall(call.Server, call.User, "Email/set", arguments, call.CallId, call.Request, call.CancellationToken);
        call.Extra.Add(("Email/set", await EmailSetMethods.SetAsync(inner).ConfigureAwait(false)));
    }

    private const int MaxRecipients = 1000;

    private static string? EnvelopeAddress(JsonNode? address)
        => address is JsonObject o && o["email"] is JsonValue v && v.TryGetValue<string>(out var email) ? email : null;

    private static bool IsAddress(string address)
    {
        var at = address.LastIndexOf('@');
        return at > 0 && at < address.Length - 1 && !address.Any(c => char.IsWhiteSpace(c) || char.IsControl(c) || c is '<' or '>' or ',')
            && MailboxAddress.TryParse(address, out var parsed) && parsed.Address == address;
    }

    /// <summary>
    /// The message without its Bcc header fields (and their folded lines); the bytes otherwise unchanged. Lines may end
    /// in CRLF or LF; the header section ends at the first empty line.
    /// </summary>
    private static byte[] WithoutBcc(byte[] message)
    {
        using var output = new MemoryStream(message.Length);
        var position = 0;
        var skipping = false;
        var removed = false;
        while (position < message.Length)
        {
            var next = message.AsSpan(position).IndexOf((byte)'\n');
            var lineEnd = next < 0 ? message.Length : position + next + 1;
            var line = message.AsSpan(position, lineEnd - position);
            if (line.SequenceEqual("\r\n"u8) || line.SequenceEqual("\n"u8))
            {
                break;
            }

            var folded = line[0] == (byte)' ' || line[0] == (byte)'\t';
            if (!folded)
            {
                skipping = line.Length >= 4 && System.Text.Encoding.ASCII.GetString(line[..4]).Equals("bcc:", StringComparison.OrdinalIgnoreCase);
            }

            if (skipping)
            {
                removed = true;
            }
            else
            {
                output.Write(line);
            }

            position = lineEnd;
        }

        if (!removed)
        {
            return message;
        }

        output.Write(message.AsSpan(position));
        return output.ToArray();
    }

    private static async Task<(string Id, string EmailId)> CreateAsync(MethodCall call, JsonObject input)
    {
        var ct = call.CancellationToken;
        var identityId = call.Request.ResolveId(EmailSetMethods.StringProperty(input, "identityId") ?? throw SetErrorException.InvalidProperties("'identityId' is required.", "identityId"));
        var emailId = call.Request.ResolveId(EmailSetMethods.StringProperty(input, "emailId") ?? throw SetErrorException.InvalidProperties("'emailId' is required.", "emailId"));
        var identities = await IdentityMethods.ListAsync(call).ConfigureAwait(false);
        var identity = JmapIds.TryParse('I', identityId, out var identityNumber) ? identities.FirstOrDefault(i => i.Id == identityNumber) : null;
        if (identity is null)
        {
            throw SetErrorException.InvalidProperties("'identityId' names no identity of this account.", "identityId");
        }

        var email = JmapIds.TryParse('E', emailId, out var emailNumber) ? (await call.Account.GetEmailsAsync([emailNumber], ct).ConfigureAwait(false)).FirstOrDefault() : null;
        if (email is null)
        {
            throw SetErrorException.InvalidProperties("'emailId' names no email of this account.", "emailId");
        }

        var message = await call.Account.ReadMessageAsync(email.Id, 0, checked((int)email.Size), ct).ConfigureAwait(false) ?? throw SetErrorException.NotFound();
        var headers = email.Metadata.Envelope;
        var fromHeader = headers.From.FirstOrDefault()?.Address;
        if (string.IsNullOrEmpty(fromHeader))
        {
            throw new SetErrorException("invalidEmail", "The email has no From address.", ["from"]);
        }

        string mailFrom;
        List<string> rcptTo;
        if (input["envelope"] is JsonObject envelope)
        {
            mailFrom = EnvelopeAddress(envelope["mailFrom"]) ?? throw SetErrorException.InvalidProperties("envelope.mailFrom needs an email.", "envelope");
            if (envelope["rcptTo"] is not JsonArray recipients)
            {
                throw SetErrorException.InvalidProperties("envelope.rcptTo must be an array of Address objects.", "envelope");
            }

            rcptTo = [.. recipients.Select(r => EnvelopeAddress(r) ?? throw SetErrorException.InvalidProperties("Each envelope.rcptTo entry needs an email.", "envelope"))];
            if (new[] { envelope["mailFrom"] }.Concat(recipients).Any(a => a?["parameters"] is JsonObject { Count: > 0 }))
            {
                throw SetErrorException.InvalidProperties(
                    "This server offers no SMTP extensions for submissions (submissionExtensions is empty, maxDelayedSend 0): envelope parameters cannot be honoured.", "envelope");
            }
        }
        else if (input["envelope"] is not null)
        {
            throw SetErrorException.InvalidProperties("'envelope' must be an Envelope object or null.", "envelope");
        }
        else
        {
            // RFC 8621 §7: the Sender address if there is one, else the From address; the recipients of To, Cc and Bcc.
            mailFrom = headers.Sender.FirstOrDefault()?.Address is { Length: > 0 } sender ? sender : fromHeader;
            rcptTo = [.. headers.To.Concat(headers.Cc).Concat(headers.Bcc).Select(a => a.Address).Where(a => a.Length > 0).Distinct(StringComparer.OrdinalIgnoreCase)];
        }

        if (!call.User.Principal.Addresses.Contains(mailFrom.ToLowerInvariant()))
        {
            throw new SetErrorException("forbiddenMailFrom", $"'{JmapApi.Shorten(mailFrom)}' is not an address of this account.");
        }

        if (!call.User.Principal.Addresses.Contains(fromHeader.ToLowerInvariant()))
        {
            throw new SetErrorException("forbiddenFrom", $"The email's From '{JmapApi.Shorten(fromHeader)}' is not an address of this account.");
        }

        if (rcptTo.Count == 0)
        {
            throw new SetErrorException("noRecipients", "The message has no recipients.");
        }

        if (rcptTo.Count > MaxRecipients)
        {
            throw new SetErrorException("tooManyRecipients", $"At most {MaxRecipients} recipients.", null, new JsonObject { ["maxRecipients"] = MaxRecipients });
        }

        var invalid = rcptTo.Where(r => !IsAddress(r)).ToList();
        if (invalid.Count > 0)
        {
            throw new SetErrorException("invalidRecipients", "Some recipients are not valid addresses.", null, new JsonObject { ["invalidRecipients"] = Standard.Array(invalid) });
        }

        // Bcc recipients get the message through the envelope; the header that names them is not sent.
        message = WithoutBcc(message);

        var domains = (await call.Server.Directory.ListDomainsAsync(ct).ConfigureAwait(false)).ToHashSet(StringComparer.OrdinalIgnoreCase);
        var local = rcptTo.Where(r => domains.Contains(r[(r.LastIndexOf('@') + 1)..])).ToList();
        var remote = rcptTo.Except(local).ToList();
        var queue = call.Server.Queue;
        if (remote.Count > 0 && queue is null)
        {
            throw new SetErrorException("forbiddenToSend", "This server has no outbound queue: enable a plugin that provides one (the SMTP plugin's queue) to send to remote recipients.");
        }

        var deliveryStatus = new JsonObject();
        if (local.Count > 0)
        {
            var delivery = call.Server.Delivery ?? throw new SetErrorException("forbiddenToSend", "Local delivery is unavailable.");
            var outcomes = await delivery.DeliverAsync(new MemoryStream(message, false), local, mailFrom, DateTimeOffset.UtcNow, ct).ConfigureAwait(false);
            foreach (var outcome in outcomes)
            {
                deliveryStatus[outcome.Address] = new JsonObject
                {
                    ["smtpReply"] = outcome.Status == RecipientStatus.Delivered ? "250 2.0.0 delivered" : "550 5.1.1 " + (outcome.Detail ?? outcome.Status.ToString()),
                    ["delivered"] = outcome.Status == RecipientStatus.Delivered ? "yes" : "no",
                    ["displayed"] = "unknown",
                };
            }
        }

        if (remote.Count > 0)
        {
            await queue!.EnqueueAsync(new QueuedEnvelope
            {
                From = mailFrom,
                Recipients = [.. remote.Select(r => new QueuedRecipient { Address = r })],
                ReceivedAt = DateTimeOffset.UtcNow,
                AuthenticatedAs = call.User.Name,
                Client = "jmap",
                Helo = "jmap",
            }, new MemoryStream(message, false), ct).ConfigureAwait(false);
            foreach (var r in remote)
            {
                deliveryStatus[r] = new JsonObject { ["smtpReply"] = "250 2.0.0 queued", ["delivered"] = "queued", ["displayed"] = "unknown" };
            }
        }

        var value = new JsonObject
        {
            ["identityId"] = identityId,
            ["emailId"] = emailId,
            ["threadId"] = JmapIds.Thread(email.ThreadId),
            ["envelope"] = new JsonObject
            {
                ["mailFrom"] = new JsonObject { ["email"] = mailFrom, ["parameters"] = null },
                ["rcptTo"] = new JsonArray([.. rcptTo.Select(r => (JsonNode)new JsonObject { ["email"] = r, ["parameters"] = null })]),
            },
            ["sendAt"] = EmailMethods.Date(DateTimeOffset.UtcNow),
            ["undoStatus"] = "final",
            ["deliveryStatus"] = deliveryStatus,
            ["dsnBlobIds"] = new JsonArray(),
            ["mdnBlobIds"] = new JsonArray(),
        };
        var id = await call.Server.Objects.CreateAsync(call.User.AccountId, JmapObjectKind.EmailSubmission, value, ct).ConfigureAwait(false);
        return (JmapIds.Of('S', id), emailId);
    }
}
