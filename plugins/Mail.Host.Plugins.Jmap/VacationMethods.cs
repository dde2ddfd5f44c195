using System.Text.Json.Nodes;

namespace Mail.Host.Plugins.Jmap;

/// <summary>
/// VacationResponse/get and /set (RFC 8621 §8): one object per account, id <c>singleton</c>. The reply itself is not
/// sent on delivery yet: that needs a delivery hook in the engine (see the README).
/// </summary>
internal static class VacationMethods
{
    private static readonly string[] Properties = ["id", "isEnabled", "fromDate", "toDate", "subject", "textBody", "htmlBody"];

    public static void Register(JmapMethods methods)
    {
        methods.Add(JmapCapabilities.Vacation, "VacationResponse/get", GetAsync);
        methods.Add(JmapCapabilities.Vacation, "VacationResponse/set", SetAsync);
    }

    private static async Task<JsonObject> CurrentAsync(MethodCall call)
    {
        var entry = await call.Server.Objects.GetAsync(call.User.AccountId, JmapObjectKind.VacationResponse, 1, call.CancellationToken).ConfigureAwait(false);
        var obj = new JsonObject
        {
            ["id"] = "singleton",
            ["isEnabled"] = false,
            ["fromDate"] = null,
            ["toDate"] = null,
            ["subject"] = null,
            ["textBody"] = null,
            ["htmlBody"] = null,
        };
        foreach (var (key, value) in entry?.Value ?? [])
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
        var list = new JsonArray();
        var notFound = new JsonArray();
        if (ids is null || ids.Contains("singleton"))
        {
            list.Add(Standard.Select(await CurrentAsync(call).ConfigureAwait(false), properties));
        }

        foreach (var id in (ids ?? []).Where(i => i != "singleton").Distinct())
        {
            notFound.Add(id);
        }

        var state = await call.Server.Objects.StateAsync(call.User.AccountId, JmapObjectKind.VacationResponse, call.CancellationToken).ConfigureAwait(false);
        return new JsonObject { ["accountId"] = call.User.AccountKey, ["state"] = state, ["list"] = list, ["notFound"] = notFound };
    }

    private static async Task<JsonObject> SetAsync(MethodCall call)
    {
        call.RequireAccount();
        var objects = call.Server.Objects;
        var ct = call.CancellationToken;
        var oldState = await objects.StateAsync(call.User.AccountId, JmapObjectKind.VacationResponse, ct).ConfigureAwait(false);
        var (create, update, destroy) = Standard.SetArguments(call, oldState);
        var result = new Standard.SetResult(call.User.AccountKey, oldState);
        foreach (var (creationId, _) in create)
        {
            result.NotCreated[creationId] = new SetErrorException("singleton", "The VacationResponse exists already: update 'singleton'.").ToJson();
        }

        foreach (var id in destroy)
        {
            result.NotDestroyed[id] = new SetErrorException("singleton", "The VacationResponse cannot be destroyed.").ToJson();
        }

        foreach (var (id, node) in update)
        {
            try
            {
                if (id != "singleton")
                {
                    throw SetErrorException.NotFound();
                }

                var current = await CurrentAsync(call).ConfigureAwait(false);
                if (JmapPatch.Apply(current, (JsonObject)node!) is { } problem)
                {
                    throw new SetErrorException("invalidPatch", problem);
                }

                if (current["id"]?.GetValue<string>() != "singleton")
                {
                    throw SetErrorException.InvalidProperties("'id' cannot be changed.", "id");
                }

                current.Remove("id");
                if (current.Select(p => p.Key).FirstOrDefault(k => !Properties.Contains(k)) is { } unknown)
                {
                    throw SetErrorException.InvalidProperties($"'{JmapApi.Shorten(unknown)}' is not a VacationResponse property.", unknown);
                }

                if (current["isEnabled"] is not JsonValue enabled || !enabled.TryGetValue<bool>(out _))
                {
                    throw SetErrorException.InvalidProperties("'isEnabled' must be a boolean.", "isEnabled");
                }

                foreach (var key in new[] { "fromDate", "toDate" })
                {
                    if (current[key] is { } date && (date is not JsonValue d || !d.TryGetValue<string>(out var text) || !text.EndsWith('Z') || !DateTimeOffset.TryParse(text, System.Globalization.CultureInfo.InvariantCulture, out _)))
                    {
                        throw SetErrorException.InvalidProperties($"'{key}' must be a UTCDate (ending in Z) or null.", key);
                    }
                }

                foreach (var key in new[] { "subject", "textBody", "htmlBody" })
                {
                    if (current[key] is { } text && (text is not JsonValue t || !t.TryGetValue<string>(out var s) || s.Length > 100_000))
                    {
                        throw SetErrorException.InvalidProperties($"'{key}' must be a string or null.", key);
                    }
                }

                var entry = await objects.GetAsync(call.User.AccountId, JmapObjectKind.VacationResponse, 1, ct).ConfigureAwait(false);
                if (entry is null)
                {
                    await objects.CreateAsync(call.User.AccountId, JmapObjectKind.VacationResponse, current, ct, 1).ConfigureAwait(false);
                }
                else
                {
                    await objects.UpdateAsync(call.User.AccountId, JmapObjectKind.VacationResponse, entry, current, ct).ConfigureAwait(false);
                }

                result.Updated[id] = null;
            }
            catch (SetErrorException ex)
            {
                result.NotUpdated[id] = ex.ToJson();
            }
        }

        call.Server.Push.ObjectChanged(call.User.AccountId, "VacationResponse");
        return result.ToJson(await objects.StateAsync(call.User.AccountId, JmapObjectKind.VacationResponse, ct).ConfigureAwait(false));
    }
}
