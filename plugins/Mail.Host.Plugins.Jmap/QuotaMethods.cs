using System.Globalization;
using System.Text.Json.Nodes;
using Mail.Host.Mail;

namespace Mail.Host.Plugins.Jmap;

/// <summary>Quota/get, /changes, /query and /queryChanges (RFC 9425): the account's storage and message limits.</summary>
internal static class QuotaMethods
{
    public static void Register(JmapMethods methods)
    {
        methods.Add(JmapCapabilities.Quota, "Quota/get", GetAsync);
        methods.Add(JmapCapabilities.Quota, "Quota/changes", ChangesAsync);
        methods.Add(JmapCapabilities.Quota, "Quota/query", QueryAsync);
        methods.Add(JmapCapabilities.Quota, "Quota/queryChanges", QueryChangesAsync);
    }

    public static string State(MailQuotaUsage usage) => string.Create(CultureInfo.InvariantCulture, $"{usage.StorageBytes}-{usage.Messages}-{usage.Limits.StorageBytes}-{usage.Limits.Messages}");

    private static List<JsonObject> Quotas(MailQuotaUsage usage)
    {
        var list = new List<JsonObject>();
        if (usage.Limits.StorageBytes is { } bytes)
        {
            list.Add(new JsonObject
            {
                ["id"] = "Qstorage",
                ["resourceType"] = "octets",
                ["used"] = usage.StorageBytes,
                ["hardLimit"] = bytes,
                ["scope"] = "account",
                ["name"] = "Mail storage",
                ["types"] = new JsonArray("Email"),
                ["description"] = "The bytes of mail this account may keep.",
            });
        }

        if (usage.Limits.Messages is { } messages)
        {
            list.Add(new JsonObject
            {
                ["id"] = "Qcount",
                ["resourceType"] = "count",
                ["used"] = usage.Messages,
                ["hardLimit"] = messages,
                ["scope"] = "account",
                ["name"] = "Messages",
                ["types"] = new JsonArray("Email"),
                ["description"] = "The number of emails this account may keep.",
            });
        }

        return list;
    }

    private static async Task<JsonObject> GetAsync(MethodCall call)
    {
        call.RequireAccount();
        var ids = Standard.GetIds(call);
        var properties = call.Properties(["id", "resourceType", "used", "hardLimit", "scope", "name", "types", "warnLimit", "softLimit", "description"]);
        var usage = await call.Account.GetQuotaAsync(call.CancellationToken).ConfigureAwait(false);
        var quotas = Quotas(usage);
        var list = new JsonArray();
        var notFound = new JsonArray();
        foreach (var quota in quotas.Where(q => ids is null || ids.Contains(q["id"]!.GetValue<string>())))
        {
            list.Add(Standard.Select(quota, properties));
        }

        foreach (var id in ids ?? [])
        {
            if (!quotas.Any(q => q["id"]!.GetValue<string>() == id))
            {
                notFound.Add(id);
            }
        }

        return new JsonObject { ["accountId"] = call.User.AccountKey, ["state"] = State(usage), ["list"] = list, ["notFound"] = notFound };
    }

    private static async Task<JsonObject> ChangesAsync(MethodCall call)
    {
        call.RequireAccount();
        var since = call.OptionalString("sinceState") ?? throw MethodErrorException.InvalidArguments("'sinceState' is required.");
        var usage = await call.Account.GetQuotaAsync(call.CancellationToken).ConfigureAwait(false);
        var state = State(usage);
        var ids = since == state ? [] : Quotas(usage).Select(q => q["id"]!.GetValue<string>()).ToList();
        var result = Standard.ChangesResult(call, since, state, false, [], ids, []);
        result["updatedProperties"] = ids.Count > 0 ? new JsonArray("used") : null;
        return result;
    }

    private static async Task<JsonObject> QueryAsync(MethodCall call)
    {
        call.RequireAccount();
        var usage = await call.Account.GetQuotaAsync(call.CancellationToken).ConfigureAwait(false);
        IEnumerable<JsonObject> quotas = Quotas(usage);
        if (call.Arguments["filter"] is JsonObject filter)
        {
            // RFC 9425 §4.3: name, scope, resourceType (exact) and type (one of the quota's types); all must match.
            foreach (var (key, value) in filter)
            {
                var text = (value as JsonValue)?.TryGetValue<string>(out var t) == true ? t : throw MethodErrorException.InvalidArguments($"'{JmapApi.Shorten(key)}' must be a string.");
                quotas = key switch
                {
                    "name" or "scope" or "resourceType" => quotas.Where(q => q[key]?.GetValue<string>() == text).ToList(),
                    "type" => quotas.Where(q => q["types"]!.AsArray().Any(x => x?.GetValue<string>() == text)).ToList(),
                    _ => throw new MethodErrorException("unsupportedFilter", $"'{JmapApi.Shorten(key)}' is not a Quota filter condition."),
                };
            }
        }
        else if (call.Arguments["filter"] is not null)
        {
            throw MethodErrorException.InvalidArguments("'filter' must be a FilterCondition object.");
        }

        var ordered = quotas.OrderBy(_ => 0);
        if (call.Arguments["sort"] is JsonArray sort)
        {
            foreach (var node in sort)
            {
                var property = (node?["property"] as JsonValue)?.TryGetValue<string>(out var p) == true ? p : throw MethodErrorException.InvalidArguments("Each sort comparator needs a 'property'.");
                var ascending = node!["isAscending"] is not JsonValue a || !a.TryGetValue<bool>(out var asc) || asc;
                ordered = property switch
                {
                    "name" => ascending ? ordered.ThenBy(q => q["name"]!.GetValue<string>(), StringComparer.Ordinal) : ordered.ThenByDescending(q => q["name"]!.GetValue<string>(), StringComparer.Ordinal),
                    "used" => ascending ? ordered.ThenBy(q => q["used"]!.GetValue<long>()) : ordered.ThenByDescending(q => q["used"]!.GetValue<long>()),
                    _ => throw new MethodErrorException("unsupportedSort", $"Quotas sort by name or used, not '{JmapApi.Shorten(property)}'."),
                };
            }
        }

        return Standard.Page(call, [.. ordered.Select(q => q["id"]!.GetValue<string>())], State(usage), canCalculateChanges: false);
    }

    private static Task<JsonObject> QueryChangesAsync(MethodCall call)
    {
        call.RequireAccount();
        throw new MethodErrorException("cannotCalculateChanges", "Query the quotas again: there are at most two.");
    }
}
