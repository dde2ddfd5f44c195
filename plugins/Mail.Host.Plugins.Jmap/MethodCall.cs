using System.Text.Json.Nodes;
using Mail.Host.Mail;

namespace Mail.Host.Plugins.Jmap;

/// <summary>One method call being answered, with the request it belongs to.</summary>
internal sealed class MethodCall(JmapServer server, JmapUser user, string name, JsonObject arguments, string callId, RequestState request, CancellationToken cancellationToken)
{
    public JmapServer Server { get; } = server;

    public JmapUser User { get; } = user;

    public string Name { get; } = name;

    public JsonObject Arguments { get; } = arguments;

    public string CallId { get; } = callId;

    public RequestState Request { get; } = request;

    public CancellationToken CancellationToken { get; } = cancellationToken;

    public IMailAccount Account => Server.Engine.OpenAccount(User.AccountId);

    /// <summary>Responses this call adds after its own (the implicit Email/set of EmailSubmission/set).</summary>
    public List<(string Name, JsonObject Arguments)> Extra { get; } = [];

    /// <summary>Checks <c>accountId</c> (RFC 8620 §3.6.2: accountNotFound for any account the user cannot see).</summary>
    public void RequireAccount(string property = "accountId")
    {
        var node = Arguments[property];
        if (node is null && property != "accountId")
        {
            return;
        }

        if (node is not JsonValue value || !value.TryGetValue<string>(out var id))
        {
            throw MethodErrorException.InvalidArguments($"'{property}' must be a string.");
        }

        if (id != User.AccountKey)
        {
            throw new MethodErrorException(property == "fromAccountId" ? "fromAccountNotFound" : "accountNotFound", $"There is no account '{id}' this user has access to.");
        }
    }

    public string? OptionalString(string property)
    {
        var node = Arguments[property];
        return node switch
        {
            null => null,
            JsonValue v when v.TryGetValue<string>(out var s) => s,
            _ => throw MethodErrorException.InvalidArguments($"'{property}' must be a string or null."),
        };
    }

    public bool OptionalBool(string property, bool fallback)
    {
        var node = Arguments[property];
        return node switch
        {
            null => fallback,
            JsonValue v when v.TryGetValue<bool>(out var b) => b,
            _ => throw MethodErrorException.InvalidArguments($"'{property}' must be a boolean."),
        };
    }

    public long? OptionalLong(string property)
    {
        var node = Arguments[property];
        // RFC 8620 §1.3: an Int is from -2^53+1 to 2^53-1.
        const long MaxInt = (1L << 53) - 1;
        return node switch
        {
            null => null,
            JsonValue v when v.GetValueKind() == System.Text.Json.JsonValueKind.Number && v.TryGetValue<long>(out var n) && n is >= -MaxInt and <= MaxInt => n,
            JsonValue v when v.GetValueKind() == System.Text.Json.JsonValueKind.Number && v.TryGetValue<double>(out var d) && d == Math.Floor(d) && Math.Abs(d) <= MaxInt => (long)d,
            _ => throw MethodErrorException.InvalidArguments($"'{property}' must be an integer from -2^53+1 to 2^53-1."),
        };
    }

    public JsonObject? OptionalObject(string property)
    {
        var node = Arguments[property];
        return node switch
        {
            null => null,
            JsonObject o => o,
            _ => throw MethodErrorException.InvalidArguments($"'{property}' must be an object or null."),
        };
    }

    /// <summary>Reads a list of ids (resolving <c>#creationId</c> references), or null when absent or null.</summary>
    public List<string>? OptionalIds(string property)
    {
        var node = Arguments[property];
        if (node is null)
        {
            return null;
        }

        if (node is not JsonArray array)
        {
            throw MethodErrorException.InvalidArguments($"'{property}' must be an array of ids or null.");
        }

        var ids = new List<string>(array.Count);
        foreach (var item in array)
        {
            if (item is not JsonValue v || !v.TryGetValue<string>(out var id))
            {
                throw MethodErrorException.InvalidArguments($"'{property}' must hold only id strings.");
            }

            ids.Add(Request.ResolveId(id));
        }

        return ids;
    }

    /// <summary>Reads <c>properties</c>: null for the defaults, else the list (unknown names are invalidArguments).</summary>
    public List<string>? Properties(IReadOnlyCollection<string> known, string argument = "properties", Func<string, bool>? extraKnown = null)
    {
        var node = Arguments[argument];
        if (node is null)
        {
            return null;
        }

        if (node is not JsonArray array)
        {
            throw MethodErrorException.InvalidArguments($"'{argument}' must be an array of property names or null.");
        }

        var list = new List<string>();
        foreach (var item in array)
        {
            if (item is not JsonValue v || !v.TryGetValue<string>(out var property))
            {
                throw MethodErrorException.InvalidArguments($"'{argument}' must hold only strings.");
            }

            if (!known.Contains(property) && !(extraKnown?.Invoke(property) ?? false))
            {
                throw MethodErrorException.InvalidArguments($"'{property}' is not a property of this type.");
            }

            if (!list.Contains(property))
            {
                list.Add(property);
            }
        }

        return list;
    }
}
