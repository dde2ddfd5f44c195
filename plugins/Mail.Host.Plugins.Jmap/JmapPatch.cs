using System.Text.Json.Nodes;

namespace Mail.Host.Plugins.Jmap;

/// <summary>
/// Applies a JMAP PatchObject (RFC 8620 §5.3) to an object's JSON: each key is a JSON Pointer without its leading
/// <c>/</c> naming a property or a member of one; every part but the last must exist; <c>null</c> removes (resets) the
/// value; no key may be a prefix of another.
/// </summary>
internal static class JmapPatch
{
    /// <summary>Applies the patch to <paramref name="target"/> in place.</summary>
    /// <param name="target">The object, as its /get would show it.</param>
    /// <param name="patch">The patch.</param>
    /// <returns><see langword="null"/> on success, else why the patch is invalid.</returns>
    public static string? Apply(JsonObject target, JsonObject patch)
    {
        var paths = new List<(string Key, string[] Tokens, JsonNode? Value)>();
        foreach (var (key, value) in patch)
        {
            if (key.Length == 0 || key.StartsWith('/'))
            {
                return $"'{key}' is not a patch path: a path is a JSON Pointer without its leading '/'.";
            }

            var raw = key.Split('/');
            var tokens = new string[raw.Length];
            for (var i = 0; i < raw.Length; i++)
            {
                if (!JsonPointer.TryUnescape(raw[i], out tokens[i]) || tokens[i] == "*")
                {
                    return $"'{key}' is not a valid patch path.";
                }
            }

            paths.Add((key, tokens, value));
        }

        for (var i = 0; i < paths.Count; i++)
        {
            for (var j = 0; j < paths.Count; j++)
            {
                if (i != j && paths[j].Key.StartsWith(paths[i].Key + "/", StringComparison.Ordinal))
                {
                    return $"The patch sets both '{paths[i].Key}' and '{paths[j].Key}', one inside the other.";
                }
            }
        }

        foreach (var (key, tokens, value) in paths)
        {
            JsonNode? node = target;
            for (var i = 0; i < tokens.Length - 1; i++)
            {
                if (node is not JsonObject obj || !obj.TryGetPropertyValue(tokens[i], out node) || node is null)
                {
                    return $"The patch path '{key}' goes through '{tokens[i]}', which does not exist.";
                }
            }

            if (node is not JsonObject parent)
            {
                return $"The patch path '{key}' does not name a member of an object.";
            }

            var last = tokens[^1];
            if (tokens.Length == 1 && !target.ContainsKey(last))
            {
                return $"'{last}' is not a property of this object.";
            }

            if (value is null && tokens.Length > 1)
            {
                parent.Remove(last);
            }
            else
            {
                parent[last] = value?.DeepClone();
            }
        }

        return null;
    }
}
