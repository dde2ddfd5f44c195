using System.Text.Json.Nodes;
using Mail.Host.Mail;

namespace Mail.Host.Plugins.Jmap;

/// <summary>Mailbox/get, /changes, /query, /queryChanges and /set (RFC 8621 §2).</summary>
internal static class MailboxMethods
{
    private static readonly string[] Properties = ["id", "name", "parentId", "role", "sortOrder", "totalEmails", "unreadEmails", "totalThreads", "unreadThreads", "myRights", "isSubscribed"];

    private static readonly string[] ServerSet = ["id", "totalEmails", "unreadEmails", "totalThreads", "unreadThreads", "myRights"];

    public static void Register(JmapMethods methods)
    {
        methods.Add(JmapCapabilities.Mail, "Mailbox/get", GetAsync);
        methods.Add(JmapCapabilities.Mail, "Mailbox/changes", ChangesAsync);
        methods.Add(JmapCapabilities.Mail, "Mailbox/query", QueryAsync);
        methods.Add(JmapCapabilities.Mail, "Mailbox/queryChanges", QueryChangesAsync);
        methods.Add(JmapCapabilities.Mail, "Mailbox/set", SetAsync);
    }

    public static string Role(MailboxRole role) => role == MailboxRole.None ? string.Empty : role.ToString().ToLowerInvariant();

    public static string LeafName(Mailbox mailbox, char separator)
    {
        var i = mailbox.Name.LastIndexOf(separator);
        return i < 0 ? mailbox.Name : mailbox.Name[(i + 1)..];
    }

    private static async Task<Dictionary<ulong, long>> SortOrdersAsync(MethodCall call)
    {
        var orders = new Dictionary<ulong, long>();
        foreach (var entry in await call.Server.Objects.ListAsync(call.User.AccountId, JmapObjectKind.MailboxSortOrder, false, call.CancellationToken).ConfigureAwait(false))
        {
            orders[entry.Id] = entry.Value["sortOrder"]?.GetValue<long>() ?? 0;
        }

        return orders;
    }

    private static long DefaultSortOrder(MailboxRole role) => role switch
    {
        MailboxRole.Inbox => 1,
        MailboxRole.Drafts => 2,
        MailboxRole.Sent => 3,
        MailboxRole.Archive => 4,
        MailboxRole.Junk => 5,
        MailboxRole.Trash => 6,
        _ => 10,
    };

    private static async Task<JsonObject> ToJsonAsync(MethodCall call, Mailbox mailbox, Dictionary<ulong, long> orders, IReadOnlyCollection<string>? properties, UnreadCounts? unread = null)
    {
        var role = Role(mailbox.Role);
        var obj = new JsonObject
        {
            ["id"] = JmapIds.Mailbox(mailbox.Id),
            ["name"] = LeafName(mailbox, call.Server.Engine.HierarchySeparator),
            ["parentId"] = mailbox.ParentId is { } parent ? JmapIds.Mailbox(parent) : null,
            ["role"] = role.Length == 0 ? null : role,
            ["sortOrder"] = orders.TryGetValue(mailbox.Id, out var order) ? order : DefaultSortOrder(mailbox.Role),
            ["totalEmails"] = mailbox.TotalMessages,
            ["unreadEmails"] = unread is null ? mailbox.UnseenMessages : unread.Emails.GetValueOrDefault(mailbox.Id),
            ["myRights"] = new JsonObject
            {
                ["mayReadItems"] = true,
                ["mayAddItems"] = true,
                ["mayRemoveItems"] = true,
                ["maySetSeen"] = true,
                ["maySetKeywords"] = true,
                ["mayCreateChild"] = true,
                ["mayRename"] = mailbox.Role != MailboxRole.Inbox,
                ["mayDelete"] = mailbox.Role != MailboxRole.Inbox,
                ["maySubmit"] = true,
            },
            ["isSubscribed"] = mailbox.IsSubscribed,
        };
        if (properties is null || properties.Contains("totalThreads") || properties.Contains("unreadThreads"))
        {
            // Thread counts are not kept by the engine: counted with a collapsed query, only when asked for.
            var account = call.Account;
            obj["totalThreads"] = mailbox.TotalMessages == 0 ? 0
                : (await account.QueryEmailsAsync(new MailFilter.InMailbox(mailbox.Id), null, collapseThreads: true, call.CancellationToken).ConfigureAwait(false)).Count;
            obj["unreadThreads"] = unread?.Threads.GetValueOrDefault(mailbox.Id) ?? 0;
        }

        return Standard.Select(obj, properties);
    }

    private static async Task<JsonObject> GetAsync(MethodCall call)
    {
        call.RequireAccount();
        var ids = Standard.GetIds(call);
        var properties = call.Properties(Properties);
        var state = await JmapStates.MailboxStateAsync(call.Server, call.User.AccountId, call.CancellationToken).ConfigureAwait(false);
        var mailboxes = await call.Account.GetMailboxesAsync(call.CancellationToken).ConfigureAwait(false);
        var orders = await SortOrdersAsync(call).ConfigureAwait(false);
        var unread = properties is null || properties.Contains("unreadEmails") || properties.Contains("unreadThreads")
            ? await UnreadCounts.BuildAsync(call.Account, mailboxes, call.CancellationToken).ConfigureAwait(false)
            : null;
        var list = new JsonArray();
        var notFound = new JsonArray();
        if (ids is null)
        {
            foreach (var mailbox in mailboxes)
            {
                list.Add(await ToJsonAsync(call, mailbox, orders, properties, unread).ConfigureAwait(false));
            }
        }
        else
        {
            foreach (var id in ids.Distinct())
            {
                var mailbox = JmapIds.TryParse('M', id, out var n) ? mailboxes.FirstOrDefault(m => m.Id == n) : null;
                if (mailbox is null)
                {
                    notFound.Add(id);
                }
                else
                {
                    list.Add(await ToJsonAsync(call, mailbox, orders, properties, unread).ConfigureAwait(false));
                }
            }
        }

        return new JsonObject { ["accountId"] = call.User.AccountKey, ["state"] = state, ["list"] = list, ["notFound"] = notFound };
    }

    private static async Task<JsonObject> ChangesAsync(MethodCall call)
    {
        call.RequireAccount();
        var since = call.OptionalString("sinceState") ?? throw MethodErrorException.InvalidArguments("'sinceState' is required.");
        var max = Standard.MaxChanges(call);
        if (!JmapStates.TrySplitMailboxState(since, out var engineState, out var metaState))
        {
            throw new MethodErrorException("cannotCalculateChanges", "The state is not one this server gave.");
        }

        var changes = await call.Account.GetChangesAsync(engineState, max, call.CancellationToken).ConfigureAwait(false);
        var meta = await call.Server.Objects.ChangesAsync(call.User.AccountId, JmapObjectKind.MailboxSortOrder, metaState.ToString(System.Globalization.CultureInfo.InvariantCulture), call.CancellationToken).ConfigureAwait(false);
        if (changes.CannotCalculateChanges || meta is null)
        {
            throw new MethodErrorException("cannotCalculateChanges", "The state is too old or not one this server gave.");
        }

        var created = changes.CreatedMailboxes.Select(JmapIds.Mailbox).ToList();
        var destroyed = changes.DestroyedMailboxes.Select(JmapIds.Mailbox).ToList();
        var updated = changes.UpdatedMailboxes.Select(JmapIds.Mailbox)
            .Concat(meta.Value.Created.Concat(meta.Value.Updated).Select(JmapIds.Mailbox))
            .Distinct().Where(id => !created.Contains(id) && !destroyed.Contains(id)).ToList();
        var newState = changes.NewState + "~" + (changes.HasMoreChanges ? metaState.ToString(System.Globalization.CultureInfo.InvariantCulture) : meta.Value.NewState);
        var result = Standard.ChangesResult(call, since, newState, changes.HasMoreChanges, created, updated, destroyed);
        result["updatedProperties"] = changes.MailboxCountersOnly && meta.Value.Created.Count + meta.Value.Updated.Count == 0 && updated.Count > 0
            ? new JsonArray("totalEmails", "unreadEmails", "totalThreads", "unreadThreads")
            : null;
        return result;
    }

    private static async Task<List<string>> QueryIdsAsync(MethodCall call)
    {
        var mailboxes = await call.Account.GetMailboxesAsync(call.CancellationToken).ConfigureAwait(false);
        var orders = await SortOrdersAsync(call).ConfigureAwait(false);
        var separator = call.Server.Engine.HierarchySeparator;
        IEnumerable<Mailbox> matching = mailboxes;
        if (call.Arguments["filter"] is { } filterNode)
        {
            if (filterNode is not JsonObject filter)
            {
                throw MethodErrorException.InvalidArguments("'filter' must be an object or null.");
            }

            matching = matching.Where(m => Matches(m, filter, separator));
        }

        if (call.OptionalBool("filterAsTree", false) && call.Arguments["filter"] is not null)
        {
            // RFC 8621 §2.3: with filterAsTree a mailbox is only included if all of its ancestors are too.
            var matched = matching.Select(m => m.Id).ToHashSet();
            var byId = mailboxes.ToDictionary(m => m.Id);
            matching = matching.Where(m =>
            {
                for (var parent = m.ParentId; parent is { } p; parent = byId.TryGetValue(p, out var up) ? up.ParentId : null)
                {
                    if (!matched.Contains(p))
                    {
                        return false;
                    }
                }

                return true;
            }).ToList();
        }

        var sorted = matching.ToList();
        var comparers = new List<Comparison<Mailbox>>();
        if (call.Arguments["sort"] is { } sortNode)
        {
            if (sortNode is not JsonArray sort)
            {
                throw MethodErrorException.InvalidArguments("'sort' must be an array of Comparators or null.");
            }

            foreach (var item in sort)
            {
                var (property, ascending) = Standard.Comparator(item);
                var sign = ascending ? 1 : -1;
                Comparison<Mailbox> comparison = property switch
                {
                    "name" => (a, b) => sign * string.Compare(LeafName(a, separator), LeafName(b, separator), StringComparison.OrdinalIgnoreCase),
                    "sortOrder" => (a, b) => sign * Order(a).CompareTo(Order(b)),
                    "parentId" => (a, b) => sign * (a.ParentId ?? 0).CompareTo(b.ParentId ?? 0),
                    var other => throw new MethodErrorException("unsupportedSort", $"Mailboxes cannot be sorted by '{other}'."),
                };
                comparers.Add(comparison);
            }
        }

        long Order(Mailbox m) => orders.TryGetValue(m.Id, out var o) ? o : DefaultSortOrder(m.Role);
        sorted.Sort((a, b) =>
        {
            foreach (var comparison in comparers)
            {
                var c = comparison(a, b);
                if (c != 0)
                {
                    return c;
                }
            }

            return a.Id.CompareTo(b.Id);
        });
        if (call.OptionalBool("sortAsTree", false))
        {
            sorted = AsTree(sorted);
        }

        return [.. sorted.Select(m => JmapIds.Mailbox(m.Id))];
    }

    private static string FilterString(string key, JsonNode value)
        => value is JsonValue v && v.TryGetValue<string>(out var s) ? s : throw MethodErrorException.InvalidArguments($"The filter condition '{key}' must be a string.");

    private static bool FilterBool(string key, JsonNode? value)
        => value is JsonValue v && v.TryGetValue<bool>(out var b) ? b : throw MethodErrorException.InvalidArguments($"The filter condition '{key}' must be a boolean.");

    /// <summary>RFC 8621 §2.3 sortAsTree: each mailbox right after its parent, siblings in the sorted order; a mailbox whose parent is not in the list is a root.</summary>
    private static List<Mailbox> AsTree(List<Mailbox> sorted)
    {
        var present = sorted.Select(m => m.Id).ToHashSet();
        var children = sorted.Where(m => m.ParentId is { } p && present.Contains(p)).GroupBy(m => m.ParentId!.Value).ToDictionary(g => g.Key, g => g.ToList());
        var result = new List<Mailbox>(sorted.Count);
        void Visit(Mailbox mailbox)
        {
            result.Add(mailbox);
            foreach (var child in children.GetValueOrDefault(mailbox.Id) ?? [])
            {
                Visit(child);
            }
        }

        foreach (var root in sorted.Where(m => m.ParentId is not { } p || !present.Contains(p)))
        {
            Visit(root);
        }

        return result;
    }

    /// <summary>
    /// The unreadEmails and unreadThreads of every mailbox (RFC 8621 §2): an email is unread with neither $seen nor
    /// $draft; a thread is unread in a mailbox holding one of its emails when an email of it is unread, where an email
    /// only in the trash does not count for other mailboxes and an email not in the trash does not count for the trash.
    /// Built once per call. Following each unread email's thread costs reads per thread, so past
    /// <see cref="ExactThreadLimit"/> unread emails the thread count is taken by the engine's query view instead: the
    /// threads with an unread email in that mailbox itself (the same figure unless a thread's unread email sits in
    /// another mailbox), which stays a matter of milliseconds on accounts of 100,000 unread emails.
    /// </summary>
    private sealed class UnreadCounts
    {
        /// <summary>The most unread emails in an account for which every thread is followed.</summary>
        public const int ExactThreadLimit = 500;

        public Dictionary<ulong, int> Emails { get; } = [];

        public Dictionary<ulong, int> Threads { get; } = [];

        public static async Task<UnreadCounts> BuildAsync(IMailAccount account, IReadOnlyList<Mailbox> mailboxes, CancellationToken ct)
        {
            var counts = new UnreadCounts();
            if (mailboxes.All(m => m.UnseenMessages == 0))
            {
                return counts;
            }

            var unread = MailFilter.AllOf(MailFilter.NotKeyword(MailKeywords.Seen), MailFilter.NotKeyword(MailKeywords.Draft));
            var trash = mailboxes.FirstOrDefault(m => m.Role == MailboxRole.Trash)?.Id;
            var ids = await account.QueryEmailsAsync(unread, null, false, ct).ConfigureAwait(false);
            if (ids.Count == 0)
            {
                return counts;
            }

            if (ids.Count > ExactThreadLimit)
            {
                foreach (var mailbox in mailboxes.Where(m => m.UnseenMessages > 0))
                {
                    var inMailbox = MailFilter.AllOf(new MailFilter.InMailbox(mailbox.Id), unread);
                    counts.Emails[mailbox.Id] = (await account.QueryEmailsAsync(inMailbox, null, false, ct).ConfigureAwait(false)).Count;
                    counts.Threads[mailbox.Id] = (await account.QueryEmailsAsync(inMailbox, null, collapseThreads: true, ct).ConfigureAwait(false)).Count;
                }

                return counts;
            }

            var trashThreads = new HashSet<ulong>();
            var otherThreads = new HashSet<ulong>();
            foreach (var email in await account.GetEmailsAsync(ids, ct).ConfigureAwait(false))
            {
                var boxes = email.Mailboxes.Select(m => m.MailboxId).Distinct().ToList();
                foreach (var box in boxes)
                {
                    counts.Emails[box] = counts.Emails.GetValueOrDefault(box) + 1;
                }

                if (trash is { } t && boxes.Contains(t))
                {
                    trashThreads.Add(email.ThreadId);
                }

                if (boxes.Any(b => b != trash))
                {
                    otherThreads.Add(email.ThreadId);
                }
            }

            foreach (var thread in trashThreads.Union(otherThreads))
            {
                var members = await account.GetThreadAsync(thread, ct).ConfigureAwait(false);
                var boxes = (await account.GetEmailsAsync(members, ct).ConfigureAwait(false)).SelectMany(e => e.Mailboxes.Select(m => m.MailboxId)).ToHashSet();
                foreach (var box in boxes)
                {
                    if (box == trash ? trashThreads.Contains(thread) : otherThreads.Contains(thread))
                    {
                        counts.Threads[box] = counts.Threads.GetValueOrDefault(box) + 1;
                    }
                }
            }

            return counts;
        }
    }

    private static bool Matches(Mailbox mailbox, JsonObject filter, char separator)
    {
        if (filter["operator"] is { } op)
        {
            var conditions = filter["conditions"] as JsonArray ?? throw MethodErrorException.InvalidArguments("A FilterOperator needs 'conditions'.");
            var results = conditions.Select(c => c is JsonObject o ? Matches(mailbox, o, separator) : throw MethodErrorException.InvalidArguments("Conditions must be objects.")).ToList();
            return FilterString("operator", op) switch
            {
                "AND" => results.All(r => r),
                "OR" => results.Any(r => r),
                "NOT" => !results.Any(r => r),
                var other => throw new MethodErrorException("unsupportedFilter", $"'{other}' is not a filter operator."),
            };
        }

        foreach (var (key, value) in filter)
        {
            var ok = key switch
            {
                "parentId" => value is null ? mailbox.ParentId is null : JmapIds.TryParse('M', FilterString(key, value), out var p) && mailbox.ParentId == p,
                "name" => LeafName(mailbox, separator).Contains(value is null ? string.Empty : FilterString(key, value), StringComparison.OrdinalIgnoreCase),
                "role" => value is null ? mailbox.Role == MailboxRole.None : Role(mailbox.Role) == FilterString(key, value),
                "hasAnyRole" => (mailbox.Role != MailboxRole.None) == FilterBool(key, value),
                "isSubscribed" => mailbox.IsSubscribed == FilterBool(key, value),
                _ => throw new MethodErrorException("unsupportedFilter", $"'{key}' is not a Mailbox filter condition."),
            };
            if (!ok)
            {
                return false;
            }
        }

        return true;
    }

    private static async Task<JsonObject> QueryAsync(MethodCall call)
    {
        call.RequireAccount();
        var ids = await QueryIdsAsync(call).ConfigureAwait(false);
        var state = await JmapStates.MailboxStateAsync(call.Server, call.User.AccountId, call.CancellationToken).ConfigureAwait(false);
        return Standard.Page(call, ids, state, canCalculateChanges: true);
    }

    private static async Task<JsonObject> QueryChangesAsync(MethodCall call)
    {
        call.RequireAccount();
        var since = call.OptionalString("sinceQueryState") ?? throw MethodErrorException.InvalidArguments("'sinceQueryState' is required.");
        if (!JmapStates.TrySplitMailboxState(since, out var engineState, out var metaState))
        {
            throw new MethodErrorException("cannotCalculateChanges", "The query state is not one this server gave.");
        }

        var changes = await call.Account.GetChangesAsync(engineState, int.MaxValue, call.CancellationToken).ConfigureAwait(false);
        var meta = await call.Server.Objects.ChangesAsync(call.User.AccountId, JmapObjectKind.MailboxSortOrder, metaState.ToString(System.Globalization.CultureInfo.InvariantCulture), call.CancellationToken).ConfigureAwait(false);
        if (changes.CannotCalculateChanges || meta is null)
        {
            throw new MethodErrorException("cannotCalculateChanges", "The query state is too old.");
        }

        var changed = changes.CreatedMailboxes.Concat(changes.UpdatedMailboxes).Concat(changes.DestroyedMailboxes)
            .Concat(meta.Value.Created).Concat(meta.Value.Updated).Select(JmapIds.Mailbox).ToList();
        var current = await QueryIdsAsync(call).ConfigureAwait(false);
        var state = await JmapStates.MailboxStateAsync(call.Server, call.User.AccountId, call.CancellationToken).ConfigureAwait(false);
        return Standard.QueryChanges(call, since, state, changed, current);
    }

    private static async Task<JsonObject> SetAsync(MethodCall call)
    {
        call.RequireAccount();
        var ct = call.CancellationToken;
        var oldState = await JmapStates.MailboxStateAsync(call.Server, call.User.AccountId, ct).ConfigureAwait(false);
        var (create, update, destroy) = Standard.SetArguments(call, oldState);
        var removeEmails = call.OptionalBool("onDestroyRemoveEmails", false);
        var result = new Standard.SetResult(call.User.AccountKey, oldState);
        var account = call.Account;
        var separator = call.Server.Engine.HierarchySeparator;

        foreach (var (creationId, node) in create)
        {
            try
            {
                var obj = (JsonObject)node!;
                foreach (var (key, _) in obj)
                {
                    if (key is not ("name" or "parentId" or "role" or "sortOrder" or "isSubscribed"))
                    {
                        throw SetErrorException.InvalidProperties($"'{key}' cannot be set.", key);
                    }
                }

                var name = ReadName(obj["name"], separator);
                var parentName = await ParentNameAsync(call, obj["parentId"]).ConfigureAwait(false);
                var role = ReadRole(obj["role"]);
                var mailbox = await account.CreateMailboxAsync(parentName is null ? name : parentName + separator + name, role, ct).ConfigureAwait(false);
                if (obj["sortOrder"] is { } sortOrder)
                {
                    await SetSortOrderAsync(call, mailbox.Id, ReadSortOrder(sortOrder)).ConfigureAwait(false);
                }

                if (obj["isSubscribed"] is JsonValue subscribed && subscribed.TryGetValue<bool>(out var s) && s != mailbox.IsSubscribed)
                {
                    await account.SetSubscribedAsync(mailbox.Id, s, ct).ConfigureAwait(false);
                }

                var id = JmapIds.Mailbox(mailbox.Id);
                call.Request.CreatedIds[creationId] = id;
                result.Created[creationId] = new JsonObject
                {
                    ["id"] = id,
                    ["totalEmails"] = 0,
                    ["unreadEmails"] = 0,
                    ["totalThreads"] = 0,
                    ["unreadThreads"] = 0,
                    ["myRights"] = (await ToJsonAsync(call, mailbox, [], ["myRights"]).ConfigureAwait(false))["myRights"]!.DeepClone(),
                    ["sortOrder"] = obj["sortOrder"]?.DeepClone() ?? DefaultSortOrder(role),
                    ["isSubscribed"] = obj["isSubscribed"]?.DeepClone() ?? mailbox.IsSubscribed,
                };
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
                var patch = (JsonObject)node!;
                foreach (var (key, _) in patch)
                {
                    // A path into a property that is not there is an invalidPatch (below); a whole property that cannot be set is invalidProperties.
                    if (!key.Contains('/') && key is not ("name" or "parentId" or "role" or "sortOrder" or "isSubscribed"))
                    {
                        throw SetErrorException.InvalidProperties($"'{JmapApi.Shorten(key)}' cannot be set.", key);
                    }
                }

                if (!JmapIds.TryParse('M', id, out var mailboxId) || await account.GetMailboxAsync(mailboxId, ct).ConfigureAwait(false) is not { } mailbox)
                {
                    throw SetErrorException.NotFound();
                }

                // RFC 8620 §5.3: server-set properties cannot be changed by the client.
                var serverSet = patch.Select(p => p.Key.Split('/')[0]).Where(ServerSet.Contains).Distinct().ToArray();
                if (serverSet.Length > 0)
                {
                    throw SetErrorException.InvalidProperties($"'{serverSet[0]}' is set by the server.", serverSet);
                }

                var orders = await SortOrdersAsync(call).ConfigureAwait(false);
                var current = await ToJsonAsync(call, mailbox, orders, ["name", "parentId", "role", "sortOrder", "isSubscribed"]).ConfigureAwait(false);
                current.Remove("id");
                var before = (JsonObject)current.DeepClone();
                if (JmapPatch.Apply(current, patch) is { } problem)
                {
                    throw new SetErrorException("invalidPatch", problem);
                }

                if (!JsonNode.DeepEquals(before["role"], current["role"]))
                {
                    throw SetErrorException.InvalidProperties("A mailbox's role cannot be changed.", "role");
                }

                if (!JsonNode.DeepEquals(before["name"], current["name"]) || !JsonNode.DeepEquals(before["parentId"], current["parentId"]))
                {
                    if (mailbox.Role == MailboxRole.Inbox)
                    {
                        // Its myRights say mayRename false: the Inbox keeps its name and place.
                        throw new SetErrorException("forbidden", "The Inbox cannot be renamed or moved.");
                    }

                    var name = ReadName(current["name"], separator);
                    var parentName = await ParentNameAsync(call, current["parentId"]).ConfigureAwait(false);
                    var full = parentName is null ? name : parentName + separator + name;
                    if (parentName is not null && (parentName == mailbox.Name || parentName.StartsWith(mailbox.Name + separator, StringComparison.Ordinal)))
                    {
                        throw SetErrorException.InvalidProperties("A mailbox cannot be moved under itself.", "parentId");
                    }

                    await account.RenameMailboxAsync(mailboxId, full, ct).ConfigureAwait(false);
                }

                if (!JsonNode.DeepEquals(before["sortOrder"], current["sortOrder"]))
                {
                    await SetSortOrderAsync(call, mailboxId, ReadSortOrder(current["sortOrder"])).ConfigureAwait(false);
                }

                if (!JsonNode.DeepEquals(before["isSubscribed"], current["isSubscribed"]))
                {
                    if (current["isSubscribed"] is not JsonValue v || !v.TryGetValue<bool>(out var subscribed))
                    {
                        throw SetErrorException.InvalidProperties("'isSubscribed' must be a boolean.", "isSubscribed");
                    }

                    await account.SetSubscribedAsync(mailboxId, subscribed, ct).ConfigureAwait(false);
                }

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
                if (!JmapIds.TryParse('M', id, out var mailboxId) || await account.GetMailboxAsync(mailboxId, ct).ConfigureAwait(false) is null)
                {
                    throw SetErrorException.NotFound();
                }

                await account.DeleteMailboxAsync(mailboxId, removeEmails, ct).ConfigureAwait(false);
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

        return result.ToJson(await JmapStates.MailboxStateAsync(call.Server, call.User.AccountId, ct).ConfigureAwait(false));
    }

    private static SetErrorException MapError(MailException ex) => ex.Code switch
    {
        MailErrorCode.MailboxNotFound => SetErrorException.NotFound(ex.Message),
        MailErrorCode.MailboxAlreadyExists => SetErrorException.InvalidProperties(ex.Message, "name"),
        MailErrorCode.InvalidMailboxName => SetErrorException.InvalidProperties(ex.Message, "name"),
        MailErrorCode.MailboxHasChildren => new SetErrorException("mailboxHasChild", ex.Message),
        MailErrorCode.MailboxNotEmpty => new SetErrorException("mailboxHasEmail", ex.Message),
        MailErrorCode.InboxRestricted => new SetErrorException("forbidden", ex.Message),
        MailErrorCode.RoleInUse => SetErrorException.InvalidProperties(ex.Message, "role"),
        _ => new SetErrorException("forbidden", ex.Message),
    };

    private static string ReadName(JsonNode? node, char separator)
    {
        if (node is not JsonValue v || !v.TryGetValue<string>(out var name) || name.Length == 0)
        {
            throw SetErrorException.InvalidProperties("'name' must be a non-empty string.", "name");
        }

        if (System.Text.Encoding.UTF8.GetByteCount(name) > 255 || name.Contains(separator) || name.Any(char.IsControl))
        {
            throw SetErrorException.InvalidProperties($"'name' must be at most 255 octets in UTF-8 (maxSizeMailboxName), without control characters or '{separator}'.", "name");
        }

        return name;
    }

    private static MailboxRole ReadRole(JsonNode? node)
    {
        if (node is null)
        {
            return MailboxRole.None;
        }

        if (node is JsonValue v && v.TryGetValue<string>(out var role) && role != "none"
            && Enum.TryParse<MailboxRole>(role, ignoreCase: true, out var parsed) && role == role.ToLowerInvariant())
        {
            return parsed;
        }

        throw SetErrorException.InvalidProperties("'role' must be null or one of inbox, drafts, sent, trash, junk, archive.", "role");
    }

    private static long ReadSortOrder(JsonNode? node)
    {
        if (node is JsonValue v && v.TryGetValue<long>(out var order) && order is >= 0 and <= uint.MaxValue)
        {
            return order;
        }

        throw SetErrorException.InvalidProperties("'sortOrder' must be an unsigned integer.", "sortOrder");
    }

    private static async Task<string?> ParentNameAsync(MethodCall call, JsonNode? node)
    {
        if (node is null)
        {
            return null;
        }

        if (node is not JsonValue v || !v.TryGetValue<string>(out var id))
        {
            throw SetErrorException.InvalidProperties("'parentId' must be a mailbox id or null.", "parentId");
        }

        id = call.Request.ResolveId(id);
        if (!JmapIds.TryParse('M', id, out var parentId) || await call.Account.GetMailboxAsync(parentId, call.CancellationToken).ConfigureAwait(false) is not { } parent)
        {
            throw SetErrorException.InvalidProperties("'parentId' names no mailbox.", "parentId");
        }

        return parent.Name;
    }

    private static async Task SetSortOrderAsync(MethodCall call, ulong mailboxId, long order)
    {
        var objects = call.Server.Objects;
        var value = new JsonObject { ["sortOrder"] = order };
        var existing = await objects.GetAsync(call.User.AccountId, JmapObjectKind.MailboxSortOrder, mailboxId, call.CancellationToken).ConfigureAwait(false);
        if (existing is null)
        {
            await objects.CreateAsync(call.User.AccountId, JmapObjectKind.MailboxSortOrder, value, call.CancellationToken, mailboxId).ConfigureAwait(false);
        }
        else
        {
            await objects.UpdateAsync(call.User.AccountId, JmapObjectKind.MailboxSortOrder, existing, value, call.CancellationToken).ConfigureAwait(false);
        }

        call.Server.Push.ObjectChanged(call.User.AccountId, "Mailbox");
    }
}
