using System.Text.Json.Nodes;

namespace Mail.Host.Plugins.Jmap;

/// <summary>A method-level error (RFC 8620 §3.6.2): the call answers <c>["error", {type, description}, callId]</c>.</summary>
internal sealed class MethodErrorException(string type, string? description = null, JsonObject? extra = null) : Exception(description ?? type)
{
    public string Type { get; } = type;

    public string? Description { get; } = description;

    public JsonObject ToJson()
    {
        var error = new JsonObject { ["type"] = Type };
        if (Description is not null)
        {
            error["description"] = Description;
        }

        if (extra is not null)
        {
            foreach (var (key, value) in extra)
            {
                error[key] = value?.DeepClone();
            }
        }

        return error;
    }

    public static MethodErrorException InvalidArguments(string description) => new("invalidArguments", description);
}

/// <summary>A SetError (RFC 8620 §5.3) for one object of a /set, /copy or /import.</summary>
internal sealed class SetErrorException(string type, string? description = null, IReadOnlyList<string>? properties = null, JsonObject? extra = null) : Exception(description ?? type)
{
    public string Type { get; } = type;

    /// <summary>The blob ids a blobNotFound error names (RFC 8621 §4.6: "SHOULD have a notFound property").</summary>
    public IReadOnlyList<string>? NotFoundIds { get; init; }

    public JsonObject ToJson()
    {
        var error = new JsonObject { ["type"] = Type };
        if (NotFoundIds is { Count: > 0 })
        {
            error["notFound"] = new JsonArray([.. NotFoundIds.Select(id => (JsonNode)id)]);
        }

        if (Message != Type)
        {
            error["description"] = Message;
        }

        if (properties is { Count: > 0 })
        {
            error["properties"] = new JsonArray([.. properties.Select(p => (JsonNode)p)]);
        }

        foreach (var (key, value) in extra ?? [])
        {
            error[key] = value?.DeepClone();
        }

        return error;
    }

    public static SetErrorException InvalidProperties(string description, params string[] properties) => new("invalidProperties", description, properties);

    public static SetErrorException NotFound(string? description = null) => new("notFound", description);
}
