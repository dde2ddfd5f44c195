using System.Text.Json.Nodes;

namespace Mail.Host.Plugins.Jmap;

/// <summary>
/// JSON Pointer (RFC 6901) as JMAP result references use it (RFC 8620 §3.7): a <c>*</c> token applied to an array maps
/// the rest of the pointer over every item, flattening results that are arrays themselves.
/// </summary>
internal static class JsonPointer
{
    /// <summary>Evaluates a pointer.</summary>
    /// <param name="root">The document.</param>
    /// <param name="pointer">The pointer: empty, or tokens each starting with <c>/</c>.</param>
    /// <param name="result">The value found (a new array for <c>*</c>).</param>
    /// <returns>Whether the pointer resolved.</returns>
    public static bool TryEvaluate(JsonNode? root, string pointer, out JsonNode? result)
    {
        result = null;
        if (pointer.Length == 0)
        {
            // The whole result, as a copy: the caller puts it into another document.
            result = root?.DeepClone();
            return true;
        }

        if (pointer[0] != '/')
        {
            return false;
        }

        var tokens = pointer[1..].Split('/');
        for (var i = 0; i < tokens.Length; i++)
        {
            if (!TryUnescape(tokens[i], out var token))
            {
                return false;
            }

            tokens[i] = token;
        }

        return TryEvaluate(root, tokens, 0, out result);
    }

    /// <summary>Unescapes one reference token (<c>~1</c> is <c>/</c>, <c>~0</c> is <c>~</c>).</summary>
    /// <param name="token">The escaped token.</param>
    /// <param name="unescaped">The token.</param>
    /// <returns>False when a <c>~</c> is followed by anything but 0 or 1.</returns>
    public static bool TryUnescape(string token, out string unescaped)
    {
        unescaped = token;
        if (!token.Contains('~', StringComparison.Ordinal))
        {
            return true;
        }

        var builder = new System.Text.StringBuilder(token.Length);
        for (var i = 0; i < token.Length; i++)
        {
            if (token[i] != '~')
            {
                builder.Append(token[i]);
                continue;
            }

            if (i + 1 >= token.Length || token[i + 1] is not ('0' or '1'))
            {
                return false;
            }

            builder.Append(token[i + 1] == '0' ? '~' : '/');
            i++;
        }

        unescaped = builder.ToString();
        return true;
    }

    private static bool TryEvaluate(JsonNode? node, string[] tokens, int index, out JsonNode? result)
    {
        result = null;
        if (index == tokens.Length)
        {
            result = node?.DeepClone();
            return true;
        }

        var token = tokens[index];
        switch (node)
        {
            case JsonObject obj:
                return obj.TryGetPropertyValue(token, out var child) && TryEvaluate(child, tokens, index + 1, out result);
            case JsonArray array when token == "*":
                var collected = new JsonArray();
                foreach (var item in array)
                {
                    if (!TryEvaluate(item, tokens, index + 1, out var value))
                    {
                        return false;
                    }

                    if (value is JsonArray inner)
                    {
                        foreach (var element in inner.ToArray())
                        {
                            inner.Remove(element);
                            collected.Add(element);
                        }
                    }
                    else
                    {
                        collected.Add(value);
                    }
                }

                result = collected;
                return true;
            case JsonArray array:
                if (!IsArrayIndex(token, out var position) || position >= array.Count)
                {
                    return false;
                }

                return TryEvaluate(array[position], tokens, index + 1, out result);
            default:
                return false;
        }
    }

    private static bool IsArrayIndex(string token, out int index)
    {
        index = -1;
        if (token.Length == 0 || token.Length > 9 || (token.Length > 1 && token[0] == '0'))
        {
            return false;
        }

        foreach (var c in token)
        {
            if (c is < '0' or > '9')
            {
                return false;
            }
        }

        index = int.Parse(token, System.Globalization.CultureInfo.InvariantCulture);
        return true;
    }
}
