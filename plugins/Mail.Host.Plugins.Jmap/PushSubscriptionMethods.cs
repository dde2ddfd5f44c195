using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json.Nodes;

namespace Mail.Host.Plugins.Jmap;

/// <summary>
/// PushSubscription/get and /set (RFC 8620 §7.2). A new subscription gets a PushVerification POSTed to its URL; it
/// counts as verified once the client sets the verificationCode it received. Subscriptions belong to the user, not
/// to an account, so these methods take no accountId. Only https URLs are accepted (http to a loopback address too when
/// the settings allow it, for tests); a subscription lives at most <see cref="MaxLifetime"/>, and the client may ask for
/// less with <c>expires</c>. Pushes themselves are sent by <see cref="PushDelivery"/>.
/// </summary>
internal static class PushSubscriptionMethods
{
    /// <summary>The longest a subscription lives before the client must extend it.</summary>
    public static readonly TimeSpan MaxLifetime = TimeSpan.FromDays(7);

    public static void Register(JmapMethods methods)
    {
        methods.Add(JmapCapabilities.Core, "PushSubscription/get", GetAsync);
        methods.Add(JmapCapabilities.Core, "PushSubscription/set", SetAsync);
    }

    private static JsonObject ToJson(JmapObjects.Entry entry) => new()
    {
        ["id"] = JmapIds.Of('P', entry.Id),
        ["deviceClientId"] = entry.Value["deviceClientId"]?.DeepClone(),
        ["url"] = entry.Value["url"]?.DeepClone(),
        ["keys"] = entry.Value["keys"]?.DeepClone(),
        ["verificationCode"] = entry.Value["verified"]?.GetValue<bool>() == true ? entry.Value["verificationCode"]?.DeepClone() : null,
        ["expires"] = entry.Value["expires"]?.DeepClone(),
        ["types"] = entry.Value["types"]?.DeepClone(),
    };

    private static async Task<JsonObject> GetAsync(MethodCall call)
    {
        var ids = Standard.GetIds(call);
        var properties = call.Properties(["id", "deviceClientId", "url", "keys", "verificationCode", "expires", "types"]);
        var all = await call.Server.Objects.ListAsync(call.User.AccountId, JmapObjectKind.PushSubscription, false, call.CancellationToken).ConfigureAwait(false);
        var list = new JsonArray();
        var notFound = new JsonArray();
        foreach (var id in ids ?? [.. all.Select(e => JmapIds.Of('P', e.Id))])
        {
            var entry = JmapIds.TryParse('P', id, out var n) ? all.FirstOrDefault(e => e.Id == n) : null;
            if (entry is null)
            {
                notFound.Add(id);
            }
            else
            {
                var obj = Standard.Select(ToJson(entry), properties);
                obj.Remove("url");
                obj.Remove("keys");
                list.Add(obj);
            }
        }

        return new JsonObject { ["list"] = list, ["notFound"] = notFound };
    }

    private static async Task<JsonObject> SetAsync(MethodCall call)
    {
        var objects = call.Server.Objects;
        var ct = call.CancellationToken;
        var (create, update, destroy) = Standard.SetArguments(call, await objects.StateAsync(call.User.AccountId, JmapObjectKind.PushSubscription, ct).ConfigureAwait(false));
        var result = new Standard.SetResult(call.User.AccountKey, string.Empty);
        foreach (var (creationId, node) in create)
        {
            try
            {
                var input = (JsonObject)node!;
                var url = EmailSetMethods.StringProperty(input, "url");
                if (url is null || !Uri.TryCreate(url, UriKind.Absolute, out var uri) || !call.Server.PushDelivery.IsAllowed(uri))
                {
                    throw SetErrorException.InvalidProperties("'url' must be an absolute https URL.", "url");
                }

                if (input["keys"] is { } keys && !WebPushEncryption.TryParseKeys(keys, out _, out _, out var keyError))
                {
                    throw SetErrorException.InvalidProperties(keyError, "keys");
                }

                if (input["types"] is { } typesNode && (typesNode is not JsonArray typeList || typeList.Any(t => t is not JsonValue v || !v.TryGetValue<string>(out var name) || !JmapStates.PushTypes.Contains(name))))
                {
                    throw SetErrorException.InvalidProperties($"'types' must be null or a list of {string.Join(", ", JmapStates.PushTypes)}.", "types");
                }

                if (EmailSetMethods.StringProperty(input, "deviceClientId") is not { Length: > 0 } device)
                {
                    throw SetErrorException.InvalidProperties("'deviceClientId' is required.", "deviceClientId");
                }

                if (input["verificationCode"] is not null)
                {
                    throw SetErrorException.InvalidProperties("'verificationCode' cannot be set on create.", "verificationCode");
                }

                var code = Convert.ToHexString(RandomNumberGenerator.GetBytes(16)).ToLowerInvariant();
                var expires = Expires(input["expires"]);
                var value = new JsonObject
                {
                    ["deviceClientId"] = device,
                    ["url"] = url,
                    ["keys"] = input["keys"]?.DeepClone(),
                    ["verificationCode"] = code,
                    ["verified"] = false,
                    ["expires"] = EmailMethods.Date(expires),
                    ["types"] = input["types"]?.DeepClone(),
                };
                var id = JmapIds.Of('P', await objects.CreateAsync(call.User.AccountId, JmapObjectKind.PushSubscription, value, ct).ConfigureAwait(false));
                await call.Server.PushDelivery.AddToIndexAsync(call.User.AccountId, JmapIds.TryParse('P', id, out var number) ? number : 0, ct).ConfigureAwait(false);
                call.Request.CreatedIds[creationId] = id;
                result.Created[creationId] = new JsonObject { ["id"] = id, ["keys"] = null, ["expires"] = EmailMethods.Date(expires) };
                var push = call.Server.PushDelivery;
                var verificationKeys = input["keys"]?.DeepClone();
                _ = Task.Run(() => push.PostAsync(url, new JsonObject { ["@type"] = "PushVerification", ["pushSubscriptionId"] = id, ["verificationCode"] = code }, verificationKeys, CancellationToken.None));
            }
            catch (SetErrorException ex)
            {
                result.NotCreated[creationId] = ex.ToJson();
            }
        }

        foreach (var (id, node) in update)
        {
            var entry = JmapIds.TryParse('P', id, out var n) ? await objects.GetAsync(call.User.AccountId, JmapObjectKind.PushSubscription, n, ct).ConfigureAwait(false) : null;
            if (entry is null)
            {
                result.NotUpdated[id] = SetErrorException.NotFound().ToJson();
                continue;
            }

            var patch = (JsonObject)node!;
            var value = (JsonObject)entry.Value.DeepClone();
            if (patch["verificationCode"] is JsonValue code && code.TryGetValue<string>(out var given))
            {
                if (given != value["verificationCode"]?.GetValue<string>())
                {
                    result.NotUpdated[id] = SetErrorException.InvalidProperties("The verificationCode is not the one sent.", "verificationCode").ToJson();
                    continue;
                }

                value["verified"] = true;
            }

            if (patch.ContainsKey("types"))
            {
                if (patch["types"] is { } typesNode && (typesNode is not JsonArray typeList || typeList.Any(t => t is not JsonValue v || !v.TryGetValue<string>(out var name) || !JmapStates.PushTypes.Contains(name))))
                {
                    result.NotUpdated[id] = SetErrorException.InvalidProperties($"'types' must be null or a list of {string.Join(", ", JmapStates.PushTypes)}.", "types").ToJson();
                    continue;
                }

                value["types"] = patch["types"]?.DeepClone();
            }

            if (patch.ContainsKey("expires"))
            {
                try
                {
                    value["expires"] = EmailMethods.Date(Expires(patch["expires"]));
                }
                catch (SetErrorException ex)
                {
                    result.NotUpdated[id] = ex.ToJson();
                    continue;
                }
            }

            if (patch.Select(p => p.Key).FirstOrDefault(k => k is not ("verificationCode" or "types" or "expires")) is { } other)
            {
                result.NotUpdated[id] = SetErrorException.InvalidProperties($"'{other}' cannot be changed.", other).ToJson();
                continue;
            }

            await objects.UpdateAsync(call.User.AccountId, JmapObjectKind.PushSubscription, entry, value, ct).ConfigureAwait(false);
            result.Updated[id] = patch.ContainsKey("expires") ? new JsonObject { ["expires"] = value["expires"]?.DeepClone() } : null;
        }

        foreach (var id in destroy)
        {
            var entry = JmapIds.TryParse('P', id, out var n) ? await objects.GetAsync(call.User.AccountId, JmapObjectKind.PushSubscription, n, ct).ConfigureAwait(false) : null;
            if (entry is null)
            {
                result.NotDestroyed[id] = SetErrorException.NotFound().ToJson();
                continue;
            }

            await objects.DestroyAsync(call.User.AccountId, JmapObjectKind.PushSubscription, entry, ct).ConfigureAwait(false);
            await call.Server.PushDelivery.RemoveFromIndexAsync(call.User.AccountId, entry.Id, ct).ConfigureAwait(false);
            result.Destroyed.Add(id);
        }

        if (update.Count > 0 || destroy.Count > 0)
        {
            await call.Server.PushDelivery.RefreshAsync(call.User.AccountId, ct).ConfigureAwait(false);
        }

        var json = result.ToJson(string.Empty);
        json.Remove("accountId");
        json.Remove("oldState");
        json.Remove("newState");
        return json;
    }

    /// <summary>The expiry a client asked for, capped at <see cref="MaxLifetime"/> from now; the longest when not given.</summary>
    private static DateTimeOffset Expires(JsonNode? requested)
    {
        var latest = DateTimeOffset.UtcNow.Add(MaxLifetime);
        if (requested is null)
        {
            return latest;
        }

        if (requested is not JsonValue value || !value.TryGetValue<string>(out var text)
            || !DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var date))
        {
            throw SetErrorException.InvalidProperties("'expires' must be a UTCDate.", "expires");
        }

        if (date <= DateTimeOffset.UtcNow)
        {
            throw SetErrorException.InvalidProperties("'expires' must be in the future.", "expires");
        }

        return date < latest ? date : latest;
    }
}
