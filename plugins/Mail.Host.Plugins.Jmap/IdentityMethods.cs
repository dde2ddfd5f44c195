using System.Text.Json.Nodes;

namespace Mail.Host.Plugins.Jmap;

/// <summary>
/// Identity/get, /changes and /set (RFC 8621 §6). Every account starts with one identity for its primary address;
/// an identity's email must be one of the account's addresses (forbiddenFrom otherwise).
/// </summary>
internal static class IdentityMethods
{
    private static readonly string[] Properties = ["id", "name", "email", "replyTo", "bcc", "textSignature", "htmlSignature", "mayDelete"];

    public static void Register(JmapMethods methods)
    {
        methods.Add(JmapCapabilities.Submission, "Identity/get", GetAsync);
        methods.Add(JmapCapabilities.Submission, "Identity/changes", ChangesAsync);
        methods.Add(JmapCapabilities.Submission, "Identity/set", SetAsync);
    }

    public static async Task<List<JmapObjects.Entry>> ListAsync(MethodCall call)
    {
        var objects = call.Server.Objects;
        var list = await objects.ListAsync(call.User.AccountId, JmapObjectKind.Identity, includeDestroyed: true, call.CancellationToken).ConfigureAwait(false);
        if (list.Count == 0 && call.User.Principal.PrimaryAddress is { } address)
        {
            await objects.CreateAsync(call.User.AccountId, JmapObjectKind.Identity, new JsonObject
            {
                ["name"] = call.User.Principal.DisplayName ?? string.Empty,
                ["email"] = address,
                ["replyTo"] = null,
                ["bcc"] = null,
                ["textSignature"] = string.Empty,
                ["htmlSignature"] = string.Empty,
                ["mayDelete"] = false,
            }, call.CancellationToken).ConfigureAwait(false);
            list = await objects.ListAsync(call.User.AccountId, JmapObjectKind.Identity, includeDestroyed: true, call.CancellationToken).ConfigureAwait(false);
        }

        return [.. list.Where(e => !e.Destroyed)];
    }

    public static JsonObject ToJson(JmapObjects.Entry entry)
    {
        var obj = new JsonObject { ["id"] = JmapIds.Of('I', entry.Id) };
        foreach (var (key, value) in entry.Value)
        {
            obj[key] = value?.DeepClone();
        }

        // The identity of the account's primary address, made by the server, stays; those the user made may go.
        obj["mayDelete"] = entry.Value["mayDelete"] is not JsonValue may || !may.TryGetValue<bool>(out var allowed) || allowed;
        return obj;
    }

    private static async Task<JsonObject> GetAsync(MethodCall call)
    {
        call.RequireAccount();
        var ids = Standard.GetIds(call);
        var properties = call.Properties(Properties);
        var all = await ListAsync(call).ConfigureAwait(false);
        var list = new JsonArray();
        var notFound = new JsonArray();
        if (ids is null)
        {
            foreach (var entry in all)
            {
                list.Add(Standard.Select(ToJson(entry), properties));
            }
        }
        else
        {
            foreach (var id in ids.Distinct())
            {
                var entry = JmapIds.TryParse('I', id, out var n) ? all.FirstOrDefault(e => e.Id == n) : null;
                if (entry is null)
                {
                    notFound.Add(id);
                }
                else
                {
                    list.Add(Standard.Select(ToJson(entry), properties));
                }
            }
        }

        var state = await call.Server.Objects.StateAsync(call.User.AccountId, JmapObjectKind.Identity, call.CancellationToken).ConfigureAwait(false);
        return new JsonObject { ["accountId"] = call.User.AccountKey, ["state"] = state, ["list"] = list, ["notFound"] = notFound };
    }

    public static async Task<JsonObject> ObjectChangesAsync(MethodCall call, JmapObjectKind kind, char prefix)
    {
        call.RequireAccount();
        var since = call.OptionalString("sinceState") ?? throw MethodErrorException.InvalidArguments("'sinceState' is required.");
        Standard.MaxChanges(call);
        var changes = await call.Server.Objects.ChangesAsync(call.User.AccountId, kind, since, call.CancellationToken).ConfigureAwait(false)
            ?? throw new MethodErrorException("cannotCalculateChanges", "The state is not one this server gave.");
        return Standard.ChangesResult(call, since, changes.NewState, false,
            changes.Created.Select(i => JmapIds.Of(prefix, i)), changes.Updated.Select(i => JmapIds.Of(prefix, i)), changes.Destroyed.Select(i => JmapIds.Of(prefix, i)));
    }

    private static Task<JsonObject> ChangesAsync(MethodCall call) => ObjectChangesAsync(call, JmapObjectKind.Identity, 'I');

    private static async Task<JsonObject> SetAsync(MethodCall call)
    {
        call.RequireAccount();
        var ct = call.CancellationToken;
        var objects = call.Server.Objects;
        await ListAsync(call).ConfigureAwait(false);
        var oldState = await objects.StateAsync(call.User.AccountId, JmapObjectKind.Identity, ct).ConfigureAwait(false);
        var (create, update, destroy) = Standard.SetArguments(call, oldState);
        var result = new Standard.SetResult(call.User.AccountKey, oldState);
        foreach (var (creationId, node) in create)
        {
            try
            {
                var value = Validate((JsonObject)node!, call, creating: true);
                var id = JmapIds.Of('I', await objects.CreateAsync(call.User.AccountId, JmapObjectKind.Identity, value, ct).ConfigureAwait(false));
                call.Request.CreatedIds[creationId] = id;
                result.Created[creationId] = new JsonObject { ["id"] = id, ["mayDelete"] = true };
            }
            catch (SetErrorException ex)
            {
                result.NotCreated[creationId] = ex.ToJson();
            }
        }

        foreach (var (id, node) in update)
        {
            try
            {
                var entry = JmapIds.TryParse('I', call.Request.ResolveId(id), out var n) ? await objects.GetAsync(call.User.AccountId, JmapObjectKind.Identity, n, ct).ConfigureAwait(false) : null;
                if (entry is null)
                {
                    throw SetErrorException.NotFound();
                }

                var current = (JsonObject)entry.Value.DeepClone();
                var mayDelete = ToJson(entry)["mayDelete"]!.GetValue<bool>();
                current.Remove("mayDelete");
                current["id"] = JmapIds.Of('I', entry.Id);
                current["mayDelete"] = mayDelete;
                var email = current["email"]?.DeepClone();
                if (JmapPatch.Apply(current, (JsonObject)node!) is { } problem)
                {
                    throw new SetErrorException("invalidPatch", problem);
                }

                if (!JsonNode.DeepEquals(email, current["email"]))
                {
                    throw SetErrorException.InvalidProperties("An identity's email cannot be changed.", "email");
                }

                // id and mayDelete are the server's: a patch may repeat them but not change them.
                if (current["id"]?.ToString() != JmapIds.Of('I', entry.Id))
                {
                    throw SetErrorException.InvalidProperties("'id' is set by the server.", "id");
                }

                if (current["mayDelete"] is not JsonValue m || !m.TryGetValue<bool>(out var newMayDelete) || newMayDelete != mayDelete)
                {
                    throw SetErrorException.InvalidProperties("'mayDelete' is set by the server.", "mayDelete");
                }

                current.Remove("id");
                current.Remove("mayDelete");
                var updated = Validate(current, call, creating: false);
                if (!mayDelete)
                {
                    updated["mayDelete"] = false;
                }

                await objects.UpdateAsync(call.User.AccountId, JmapObjectKind.Identity, entry, updated, ct).ConfigureAwait(false);
                result.Updated[id] = null;
            }
            catch (SetErrorException ex)
            {
                result.NotUpdated[id] = ex.ToJson();
            }
        }

        foreach (var id in destroy)
        {
            var entry = JmapIds.TryParse('I', id, out var n) ? await objects.GetAsync(call.User.AccountId, JmapObjectKind.Identity, n, ct).ConfigureAwait(false) : null;
            if (entry is null || entry.Destroyed)
            {
                result.NotDestroyed[id] = SetErrorException.NotFound().ToJson();
                continue;
            }

            if (!ToJson(entry)["mayDelete"]!.GetValue<bool>())
            {
                result.NotDestroyed[id] = new SetErrorException("forbidden", "This is the identity of the account's primary address: it cannot be destroyed (mayDelete is false).").ToJson();
                continue;
            }

            await objects.DestroyAsync(call.User.AccountId, JmapObjectKind.Identity, entry, ct).ConfigureAwait(false);
            result.Destroyed.Add(id);
        }

        call.Server.Push.ObjectChanged(call.User.AccountId, "Identity");
        return result.ToJson(await objects.StateAsync(call.User.AccountId, JmapObjectKind.Identity, ct).ConfigureAwait(false));
    }

    private static JsonObject Validate(JsonObject input, MethodCall call, bool creating)
    {
        var value = new JsonObject
        {
            ["name"] = string.Empty,
            ["email"] = null,
            ["replyTo"] = null,
            ["bcc"] = null,
            ["textSignature"] = string.Empty,
            ["htmlSignature"] = string.Empty,
        };
        foreach (var (key, node) in input)
        {
            switch (key)
            {
                case "name" or "textSignature" or "htmlSignature":
                    if (node is not JsonValue v || !v.TryGetValue<string>(out var text) || text.Length > 10_000)
                    {
                        throw SetErrorException.InvalidProperties($"'{key}' must be a string of at most 10000 characters.", key);
                    }

                    value[key] = text;
                    break;
                case "email":
                    if (node is not JsonValue e || !e.TryGetValue<string>(out var email))
                    {
                        throw SetErrorException.InvalidProperties("'email' must be a string.", key);
                    }

                    if (creating && !call.User.Principal.Addresses.Contains(email.ToLowerInvariant()))
                    {
                        throw new SetErrorException("forbiddenFrom", $"'{email}' is not an address of this account.");
                    }

                    value[key] = email;
                    break;
                case "replyTo" or "bcc":
                    if (node is not null && (node is not JsonArray a || a.Any(x => x is not JsonObject o || o["email"]?.GetValueKind() != System.Text.Json.JsonValueKind.String)))
                    {
                        throw SetErrorException.InvalidProperties($"'{key}' must be null or an array of EmailAddress objects.", key);
                    }

                    value[key] = node?.DeepClone();
                    break;
                case "id" or "mayDelete":
                    throw SetErrorException.InvalidProperties($"'{key}' is set by the server.", key);
                default:
                    throw SetErrorException.InvalidProperties($"'{key}' is not an Identity property.", key);
            }
        }

        if (value["email"] is null)
        {
            throw SetErrorException.InvalidProperties("'email' is required.", "email");
        }

        return value;
    }
}
