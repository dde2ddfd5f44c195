using System.Text.Json.Nodes;

namespace Mail.Host.Plugins.Jmap;

/// <summary>Thread/get and Thread/changes (RFC 8621 §3).</summary>
internal static class ThreadMethods
{
    public static void Register(JmapMethods methods)
    {
        methods.Add(JmapCapabilities.Mail, "Thread/get", GetAsync);
        methods.Add(JmapCapabilities.Mail, "Thread/changes", ChangesAsync);
    }

    private static async Task<JsonObject> GetAsync(MethodCall call)
    {
        call.RequireAccount();
        var ids = Standard.GetIds(call) ?? throw new MethodErrorException("requestTooLarge", "Thread/get needs 'ids': threads cannot be listed all at once.");
        call.Properties(["id", "emailIds"]);
        var account = call.Account;
        var list = new JsonArray();
        var notFound = new JsonArray();
        foreach (var id in ids.Distinct())
        {
            var emails = JmapIds.TryParse('T', id, out var threadId) ? await account.GetThreadAsync(threadId, call.CancellationToken).ConfigureAwait(false) : [];
            if (emails.Count == 0)
            {
                notFound.Add(id);
            }
            else
            {
                list.Add(new JsonObject { ["id"] = id, ["emailIds"] = Standard.Array(emails.Select(JmapIds.Email)) });
            }
        }

        var state = await account.GetStateAsync(call.CancellationToken).ConfigureAwait(false);
        return new JsonObject { ["accountId"] = call.User.AccountKey, ["state"] = state, ["list"] = list, ["notFound"] = notFound };
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

        var created = new List<string>();
        var updated = new List<string>();
        var destroyed = new List<string>();
        var createdEmails = changes.CreatedEmails.ToHashSet();
        foreach (var thread in changes.UpdatedThreads)
        {
            var emails = await call.Account.GetThreadAsync(thread, call.CancellationToken).ConfigureAwait(false);

            // A thread all of whose emails are new since the state is new itself.
            (emails.Count == 0 ? destroyed : emails.All(createdEmails.Contains) ? created : updated).Add(JmapIds.Thread(thread));
        }

        return Standard.ChangesResult(call, since, changes.NewState, changes.HasMoreChanges, created, updated, destroyed);
    }
}
