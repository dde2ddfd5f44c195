using System.Text.Json.Nodes;

namespace Mail.Host.Plugins.Jmap;

/// <summary>The parts every /get, /set, /query and /queryChanges share (RFC 8620 §5).</summary>
internal static class Standard
{
    /// <summary>Reads <c>ids</c> of a /get; null means all. Over maxObjectsInGet is requestTooLarge.</summary>
    public static List<string>? GetIds(MethodCall call)
    {
        var ids = call.OptionalIds("ids");
        if (ids is not null && ids.Count > call.Server.Options.MaxObjectsInGet)
        {
            throw new MethodErrorException("requestTooLarge", $"At most {call.Server.Options.MaxObjectsInGet} ids per /get (maxObjectsInGet).");
        }

        return ids;
    }

    /// <summary>Checks the /set arguments' shape and size, and ifInState.</summary>
    public static (JsonObject Create, JsonObject Update, List<string> Destroy) SetArguments(MethodCall call, string currentState)
    {
        var create = call.OptionalObject("create") ?? [];
        var update = call.OptionalObject("update") ?? [];
        var destroy = call.OptionalIds("destroy") ?? [];
        if (create.Count + update.Count + destroy.Count > call.Server.Options.MaxObjectsInSet)
        {
            throw new MethodErrorException("requestTooLarge", $"At most {call.Server.Options.MaxObjectsInSet} objects per /set (maxObjectsInSet).");
        }

        foreach (var (key, value) in create)
        {
            if (value is not JsonObject)
            {
                throw MethodErrorException.InvalidArguments($"create/{key} must be an object.");
            }
        }

        foreach (var (key, value) in update)
        {
            if (value is not JsonObject)
            {
                throw MethodErrorException.InvalidArguments($"update/{key} must be a patch object.");
            }
        }

        var ifInState = call.OptionalString("ifInState");
        if (ifInState is not null && ifInState != currentState)
        {
            throw new MethodErrorException("stateMismatch", "ifInState does not match the current state.");
        }

        return (create, update, destroy);
    }

    /// <summary>The collations the session's core capability lists (collationAlgorithms).</summary>
    public static readonly string[] Collations = ["i;ascii-numeric", "i;ascii-casemap", "i;unicode-casemap"];

    /// <summary>
    /// Reads one Comparator of a /query sort (RFC 8620 §5.5): <c>property</c> a string, <c>isAscending</c> a boolean
    /// (default true), <c>collation</c> one the server lists; a wrong shape is invalidArguments, an unknown collation
    /// unsupportedSort.
    /// </summary>
    public static (string Property, bool Ascending) Comparator(JsonNode? item)
    {
        if (item is not JsonObject comparator || comparator["property"] is not JsonValue p || !p.TryGetValue<string>(out var property))
        {
            throw MethodErrorException.InvalidArguments("Each sort item must be a Comparator with a 'property' (a string).");
        }

        var ascending = true;
        if (comparator["isAscending"] is { } a && (a is not JsonValue av || !av.TryGetValue(out ascending)))
        {
            throw MethodErrorException.InvalidArguments("A Comparator's 'isAscending' must be a boolean.");
        }

        if (comparator["collation"] is { } c)
        {
            if (c is not JsonValue cv || !cv.TryGetValue<string>(out var collation))
            {
                throw MethodErrorException.InvalidArguments("A Comparator's 'collation' must be a string.");
            }

            if (!Collations.Contains(collation))
            {
                throw new MethodErrorException("unsupportedSort", $"The collation '{JmapApi.Shorten(collation)}' is not supported.");
            }
        }

        return (property, ascending);
    }

    /// <summary>Builds a /set response.</summary>
    public sealed class SetResult(string accountId, string oldState)
    {
        public JsonObject Created { get; } = [];

        public JsonObject Updated { get; } = [];

        public JsonArray Destroyed { get; } = [];

        public JsonObject NotCreated { get; } = [];

        public JsonObject NotUpdated { get; } = [];

        public JsonObject NotDestroyed { get; } = [];

        public JsonObject ToJson(string newState) => new()
        {
            ["accountId"] = accountId,
            ["oldState"] = oldState,
            ["newState"] = newState,
            ["created"] = Created.Count > 0 ? Created : null,
            ["updated"] = Updated.Count > 0 ? Updated : null,
            ["destroyed"] = Destroyed.Count > 0 ? Destroyed : null,
            ["notCreated"] = NotCreated.Count > 0 ? NotCreated : null,
            ["notUpdated"] = NotUpdated.Count > 0 ? NotUpdated : null,
            ["notDestroyed"] = NotDestroyed.Count > 0 ? NotDestroyed : null,
        };
    }

    /// <summary>Applies position, anchor, anchorOffset, limit and calculateTotal to sorted ids (RFC 8620 §5.5).</summary>
    public static JsonObject Page(MethodCall call, IReadOnlyList<string> ids, string queryState, bool canCalculateChanges)
    {
        var position = call.OptionalLong("position") ?? 0;
        var anchor = call.OptionalString("anchor");
        var anchorOffset = call.OptionalLong("anchorOffset") ?? 0;
        var limit = call.OptionalLong("limit");
        if (limit is < 0)
        {
            throw MethodErrorException.InvalidArguments("'limit' must not be negative.");
        }

        long start;
        if (anchor is not null)
        {
            var index = -1;
            for (var i = 0; i < ids.Count; i++)
            {
                if (ids[i] == anchor)
                {
                    index = i;
                    break;
                }
            }

            if (index < 0)
            {
                throw new MethodErrorException("anchorNotFound", "The anchor is not in the results.");
            }

            start = Math.Max(0, index + anchorOffset);
        }
        else if (position < 0)
        {
            start = Math.Max(0, ids.Count + position);
        }
        else
        {
            start = position;
        }

        start = Math.Min(start, ids.Count);
        var count = (int)Math.Min(ids.Count - start, limit ?? long.MaxValue);
        var page = new JsonArray();
        for (var i = 0; i < count; i++)
        {
            page.Add(ids[(int)start + i]);
        }

        var result = new JsonObject
        {
            ["accountId"] = call.User.AccountKey,
            ["queryState"] = queryState,
            ["canCalculateChanges"] = canCalculateChanges,
            ["position"] = start,
            ["ids"] = page,
        };
        if (call.OptionalBool("calculateTotal", false))
        {
            result["total"] = ids.Count;
        }

        if (limit is not null && limit > count && start + count < ids.Count)
        {
            result["limit"] = count;
        }

        return result;
    }

    /// <summary>
    /// /queryChanges from a list of ids that may have changed since the old query state: each is reported removed, and
    /// re-added at its place when it is in the results now (RFC 8620 §5.6 allows reporting more than changed).
    /// </summary>
    public static JsonObject QueryChanges(MethodCall call, string oldState, string newState, IReadOnlyCollection<string> changed, IReadOnlyList<string> current)
    {
        var maxChanges = call.OptionalLong("maxChanges");
        if (maxChanges is <= 0)
        {
            throw MethodErrorException.InvalidArguments("'maxChanges' must be a positive integer.");
        }

        var changedSet = changed.ToHashSet(StringComparer.Ordinal);
        var added = new JsonArray();
        for (var i = 0; i < current.Count; i++)
        {
            if (changedSet.Contains(current[i]))
            {
                added.Add(new JsonObject { ["id"] = current[i], ["index"] = i });
            }
        }

        if (maxChanges is > 0 && changedSet.Count + added.Count > maxChanges)
        {
            throw new MethodErrorException("tooManyChanges", "More changes than maxChanges.");
        }

        var result = new JsonObject
        {
            ["accountId"] = call.User.AccountKey,
            ["oldQueryState"] = oldState,
            ["newQueryState"] = newState,
            ["removed"] = new JsonArray([.. changedSet.Select(id => (JsonNode)id)]),
            ["added"] = added,
        };
        if (call.OptionalBool("calculateTotal", false))
        {
            result["total"] = current.Count;
        }

        return result;
    }

    public static int MaxChanges(MethodCall call)
    {
        var max = call.OptionalLong("maxChanges");
        if (max is <= 0)
        {
            throw MethodErrorException.InvalidArguments("'maxChanges' must be a positive integer.");
        }

        return (int)Math.Min(max ?? int.MaxValue, int.MaxValue);
    }

    public static JsonObject ChangesResult(MethodCall call, string oldState, string newState, bool hasMore, IEnumerable<string> created, IEnumerable<string> updated, IEnumerable<string> destroyed) => new()
    {
        ["accountId"] = call.User.AccountKey,
        ["oldState"] = oldState,
        ["newState"] = newState,
        ["hasMoreChanges"] = hasMore,
        ["created"] = new JsonArray([.. created.Select(i => (JsonNode)i)]),
        ["updated"] = new JsonArray([.. updated.Select(i => (JsonNode)i)]),
        ["destroyed"] = new JsonArray([.. destroyed.Select(i => (JsonNode)i)]),
    };

    public static JsonArray Array(IEnumerable<string> values) => new([.. values.Select(v => (JsonNode)v)]);

    /// <summary>Takes only the properties asked for (id always).</summary>
    public static JsonObject Select(JsonObject full, IReadOnlyCollection<string>? properties)
    {
        if (properties is null)
        {
            return full;
        }

        var result = new JsonObject { ["id"] = full["id"]?.DeepClone() };
        foreach (var p in properties)
        {
            if (p != "id" && full.TryGetPropertyValue(p, out var v))
            {
                result[p] = v?.DeepClone();
            }
        }

        return result;
    }
}
