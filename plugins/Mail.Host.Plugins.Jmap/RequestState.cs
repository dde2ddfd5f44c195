using System.Text.Json.Nodes;

namespace Mail.Host.Plugins.Jmap;

/// <summary>What one API request carries from call to call: the creation ids (RFC 8620 §5.3) and the responses so far.</summary>
internal sealed class RequestState
{
    public Dictionary<string, string> CreatedIds { get; } = new(StringComparer.Ordinal);

    public List<JsonArray> Responses { get; } = [];

    public HashSet<string> Using { get; } = new(StringComparer.Ordinal);

    /// <summary>An id argument <c>#creationId</c> names what this request created under that creation id.</summary>
    public string ResolveId(string id)
    {
        if (id.StartsWith('#'))
        {
            return CreatedIds.TryGetValue(id[1..], out var real) ? real : id;
        }

        return id;
    }
}
