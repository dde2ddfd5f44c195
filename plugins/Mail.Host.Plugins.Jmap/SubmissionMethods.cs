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
        if (call.OptionalObject("filter") is { } filter)
        {
            foreach (var (key, value) in filter)
            {
                var values = (value as JsonArray)?.Select(v => v?.ToString()).ToHashSet();
                matching = key switch
                {
                    "identityIds" => matching.Where(e => values?.Contains(e.Value["identityId"]?.ToString()) ?? false),
                    "emailIds" => matching.Where(e => values?.Contains(e.Value["emailId"]?.ToString()) ?? false),
                    "threadIds" => matching.Where(e => values?.Contains(e.Value["threadId"]?.ToString()) ?? false),
                    "undoStatus" => matching.Where(e => e.Value["undoStatus"]?.ToString() == value?.ToString()),
                    "before" => matching.Where(e => string.CompareOrdinal(e.Value["sendAt"]?.ToString(), value?.ToString()) < 0),
                    "after" => matching.Where(e => string.CompareOrdinal(e.Value["sendAt"]?.ToString(), value?.ToString()) >= 0),
                    _ => throw new MethodErrorException("unsupportedFilter", $"'{key}' is not an EmailSubmission filter condition."),
                };
            }
        }

        if (call.Arguments["sort"] is JsonArray sort)
        {
            foreach (var comparator in sort.OfType<JsonObject>())
            {
                if (comparator["property"]?.ToString() is not ("emailId" or "threadId" or "sentAt"))
                {
                    throw new MethodErrorException("unsupportedSort", $"EmailSubmissions cannot be sorted by '{comparator["property"]}'.");
                }
            }
        }

        return [.. matching.Select(e => JmapIds.Of('S', e.Id))];
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

        foreach (var (id, _) in update)
        {
            // Every submission is final as soon as it is made: it can no longer be cancelled.
            result.NotUpdated[id] = new SetErrorException("cannotUnsend", "The message has already been sent.").ToJson();
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
        string mailFrom;
        List<string> rcptTo;
        if (input["envelope"] is JsonObject envelope)
        {
            mailFrom = envelope["mailFrom"]?["email"]?.ToString() ?? throw SetErrorException.InvalidProperties("envelope.mailFrom.email is required.", "envelope");
            rcptTo = [.. (envelope["rcptTo"] as JsonArray ?? []).Select(r => r?["email"]?.ToString() ?? string.Empty)];
        }
        else
        {
            mailFrom = identity.Value["email"]!.ToString();
            var env = email.Metadata.Envelope;
            rcptTo = [.. env.To.Concat(env.Cc).Concat(env.Bcc).Select(a => a.Address).Where(a => a.Length > 0).Distinct(StringComparer.OrdinalIgnoreCase)];
        }

        if (!call.User.Principal.Addresses.Contains(mailFrom.ToLowerInvariant()))
        {
            throw new SetErrorException("forbiddenMailFrom", $"'{mailFrom}' is not an address of this account.");
        }

        var fromHeader = email.Metadata.Envelope.From.FirstOrDefault()?.Address;
        if (fromHeader is not null && !call.User.Principal.Addresses.Contains(fromHeader.ToLowerInvariant()))
        {
            throw new SetErrorException("forbiddenFrom", $"The email's From '{fromHeader}' is not an address of this account.");
        }

        if (rcptTo.Count == 0)
        {
            throw new SetErrorException("noRecipients", "The message has no recipients.");
        }

        if (rcptTo.Count > 1000)
        {
            throw new SetErrorException("tooManyRecipients", "At most 1000 recipients.");
        }

        var invalid = rcptTo.Where(r => !MailboxAddress.TryParse(r, out var m) || !m.Address.Contains('@')).ToList();
        if (invalid.Count > 0)
        {
            throw new SetErrorException("invalidRecipients", "Some recipients are not valid addresses.", ["envelope"]);
        }

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
